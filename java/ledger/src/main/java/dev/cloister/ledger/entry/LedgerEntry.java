package dev.cloister.ledger.entry;

import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.merkle.TreeHash;
import dev.cloister.ledger.tiles.EntryBundle;
import java.time.Instant;

/**
 * What Cloister logs. Every entry starts with {@code "CL" || uint8 version (0x01) || uint8 type}; the body per type is
 * documented in java/ledger/README.md. The encoding is canonical: one value has exactly one encoding, and
 * {@link #decode} refuses anything else (unknown versions or types, unsorted or duplicate lists, trailing bytes).
 * An encoded entry is at most 65535 bytes, the largest an entry bundle holds.
 */
public sealed interface LedgerEntry
        permits EnclaveRelease, OhttpKeyConfigEntry, IssuerKeyEntry, PlatformPolicy, SignedRelease, ReleaseRevocation {

    /** The encoding version this library writes and reads. */
    int VERSION = 1;

    /** The canonical encoding. */
    byte[] encode();

    /** The RFC 9162 leaf hash of the encoding, {@code SHA-256(0x00 || encode())}. */
    default byte[] leafHash() {
        return TreeHash.leafHash(encode());
    }

    /** Decodes a canonical encoding. */
    static LedgerEntry decode(byte[] bytes) throws FormatException {
        if (bytes.length > EntryBundle.MAX_ENTRY_SIZE) {
            throw new FormatException("while decoding a ledger entry: " + bytes.length + " bytes, more than 65535");
        }
        CanonicalReader r = new CanonicalReader(bytes);
        if (r.u8("magic") != 'C' || r.u8("magic") != 'L') {
            throw new FormatException("while decoding a ledger entry: bad magic, want \"CL\"");
        }
        int version = r.u8("version");
        if (version != VERSION) {
            throw new FormatException("while decoding a ledger entry: version " + version + ", want " + VERSION);
        }
        int type = r.u8("entry type");
        LedgerEntry entry;
        try {
            entry = switch (type) {
                case EnclaveRelease.TYPE -> EnclaveRelease.read(r);
                case OhttpKeyConfigEntry.TYPE -> OhttpKeyConfigEntry.read(r);
                case IssuerKeyEntry.TYPE -> IssuerKeyEntry.read(r);
                case PlatformPolicy.TYPE -> PlatformPolicy.read(r);
                case SignedRelease.TYPE -> SignedRelease.read(r, 2);
                case SignedRelease.TYPE_V3 -> SignedRelease.read(r, 3);
                case ReleaseRevocation.TYPE -> ReleaseRevocation.read(r);
                default ->
                    throw new FormatException(
                            "while decoding a ledger entry: unknown type 0x" + Integer.toHexString(type));
            };
        } catch (IllegalArgumentException e) {
            throw new FormatException("while decoding a ledger entry: " + e.getMessage(), e);
        }
        r.end("a ledger entry");
        return entry;
    }

    /** Starts an encoding with the common header. */
    static CanonicalWriter header(int type) {
        return new CanonicalWriter().u8('C').u8('L').u8(VERSION).u8(type);
    }

    /** Finishes an encoding, refusing what an entry bundle could not hold. */
    static byte[] finish(CanonicalWriter w) {
        byte[] out = w.toByteArray();
        if (out.length > EntryBundle.MAX_ENTRY_SIZE) {
            throw new IllegalArgumentException("encoded entry of " + out.length + " bytes, more than 65535");
        }
        return out;
    }

    /** Encodes an instant as uint64 POSIX seconds; sub-second precision is refused so encodings stay canonical. */
    static void checkSeconds(String what, Instant t) {
        if (t.getNano() != 0 || t.getEpochSecond() < 0) {
            throw new IllegalArgumentException(what + " " + t + " is not whole non-negative POSIX seconds");
        }
    }

    static Instant readSeconds(CanonicalReader r, String what) throws FormatException {
        long s = r.u64(what);
        if (s < 0 || s > Instant.MAX.getEpochSecond()) {
            throw new FormatException("while reading " + what + ": " + Long.toUnsignedString(s) + " out of range");
        }
        return Instant.ofEpochSecond(s);
    }
}
