package dev.cloister.ledger.entry;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;

/** A typed digest: {@code struct { uint8 algorithm; opaque value[len(algorithm)]; }}. */
public record Digest(Algorithm algorithm, Bytes value) {

    /** Digest algorithms an entry may name, with their wire ids and lengths. */
    public enum Algorithm {
        SHA_256(0x01, 32),
        SHA_384(0x02, 48),
        SHA_512(0x03, 64);

        final int id;
        final int length;

        Algorithm(int id, int length) {
            this.id = id;
            this.length = length;
        }

        public int length() {
            return length;
        }

        static Algorithm of(int id) throws FormatException {
            for (Algorithm a : values()) {
                if (a.id == id) {
                    return a;
                }
            }
            throw new FormatException("while reading a digest: unknown algorithm 0x" + Integer.toHexString(id));
        }
    }

    public Digest {
        if (value.length() != algorithm.length) {
            throw new IllegalArgumentException(
                    algorithm + " digest of " + value.length() + " bytes, want " + algorithm.length);
        }
    }

    void write(CanonicalWriter w) {
        w.u8(algorithm.id).fixed(value);
    }

    static Digest read(CanonicalReader r, String what) throws FormatException {
        Algorithm a = Algorithm.of(r.u8(what + " algorithm"));
        return new Digest(a, Bytes.of(r.fixed(a.length, what)));
    }

    @Override
    public String toString() {
        return algorithm + ":" + value.hex();
    }
}
