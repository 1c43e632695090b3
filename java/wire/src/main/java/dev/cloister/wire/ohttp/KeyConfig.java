package dev.cloister.wire.ohttp;

import dev.cloister.base.Bytes;
import dev.cloister.wire.hpke.AeadId;
import dev.cloister.wire.hpke.HpkeException;
import dev.cloister.wire.hpke.KdfId;
import dev.cloister.wire.hpke.KemId;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A key configuration (RFC 9458 §3.1): the key identifier, the KEM and its public key, and the symmetric algorithms
 * the gateway accepts with it.
 *
 * <pre>
 * Key Config {
 *   Key Identifier (8),
 *   HPKE KEM ID (16),
 *   HPKE Public Key (Npk * 8),
 *   HPKE Symmetric Algorithms Length (16) = 4..65532,
 *   HPKE Symmetric Algorithms (32) ...,
 * }
 * </pre>
 */
public record KeyConfig(int keyId, KemId kem, Bytes publicKey, List<SymmetricAlgorithm> algorithms) {

    /** At most this many symmetric algorithm entries fit the 16-bit length. */
    public static final int MAX_ALGORITHMS = 65532 / 4;

    public KeyConfig {
        if (keyId < 0 || keyId > 255) {
            throw new IllegalArgumentException("key id must be 0..255, got " + keyId);
        }
        Objects.requireNonNull(kem, "kem");
        if (publicKey.length() != kem.nPk()) {
            throw new IllegalArgumentException("public key must be " + kem.nPk() + " bytes for " + kem);
        }
        algorithms = List.copyOf(algorithms);
        if (algorithms.isEmpty() || algorithms.size() > MAX_ALGORITHMS) {
            throw new IllegalArgumentException("a key config needs 1.." + MAX_ALGORITHMS + " symmetric algorithms");
        }
    }

    /** Whether this configuration accepts {@code algorithm}. */
    public boolean accepts(SymmetricAlgorithm algorithm) {
        return algorithms.contains(algorithm);
    }

    /** Serialized size in bytes. */
    public int encodedLength() {
        return 1 + 2 + publicKey.length() + 2 + 4 * algorithms.size();
    }

    /** The wire encoding. */
    public byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(encodedLength());
        encodeTo(out);
        return out.array();
    }

    void encodeTo(ByteBuffer out) {
        out.put((byte) keyId);
        out.putShort((short) kem.id());
        out.put(publicKey.asReadOnlyBuffer());
        out.putShort((short) (4 * algorithms.size()));
        for (SymmetricAlgorithm a : algorithms) {
            out.putShort((short) a.kdf().id());
            out.putShort((short) a.aead().id());
        }
    }

    /**
     * Parses exactly one key configuration occupying all of {@code bytes}. Every algorithm must be one this module
     * implements.
     */
    public static KeyConfig decode(byte[] bytes) throws OhttpException {
        Parsed parsed = parse(ByteBuffer.wrap(bytes), Unsupported.REFUSE);
        if (parsed.config == null) {
            throw new OhttpException(OhttpException.Reason.KEY_CONFIGURATION, "key config: " + parsed.skipReason);
        }
        return parsed.config;
    }

    /** What to do with algorithm identifiers this module does not implement. */
    enum Unsupported {
        REFUSE,
        SKIP
    }

    /** A parse result: a config, or the reason it was skipped. */
    record Parsed(KeyConfig config, String skipReason) {}

    /** Parses one key configuration that must fill {@code in} exactly. */
    static Parsed parse(ByteBuffer in, Unsupported unsupported) throws OhttpException {
        if (in.remaining() < 3) {
            throw malformed("shorter than key id and KEM id");
        }
        int keyId = in.get() & 0xff;
        int kemId = in.getShort() & 0xffff;
        KemId kem;
        try {
            kem = KemId.fromId(kemId);
        } catch (HpkeException e) {
            if (unsupported == Unsupported.SKIP) {
                return new Parsed(null, "unsupported KEM 0x%04x".formatted(kemId));
            }
            throw new OhttpException(
                    OhttpException.Reason.KEY_CONFIGURATION, "key config: unsupported KEM 0x%04x".formatted(kemId));
        }
        if (in.remaining() < kem.nPk() + 2) {
            throw malformed("truncated public key");
        }
        byte[] publicKey = new byte[kem.nPk()];
        in.get(publicKey);
        int algorithmsLength = in.getShort() & 0xffff;
        if (algorithmsLength < 4 || algorithmsLength % 4 != 0) {
            throw malformed("symmetric algorithms length " + algorithmsLength + " is not a positive multiple of 4");
        }
        if (in.remaining() != algorithmsLength) {
            throw malformed(
                    "symmetric algorithms length " + algorithmsLength + " but " + in.remaining() + " bytes follow");
        }
        List<SymmetricAlgorithm> algorithms = new ArrayList<>(algorithmsLength / 4);
        for (int i = 0; i < algorithmsLength / 4; i++) {
            int kdfId = in.getShort() & 0xffff;
            int aeadId = in.getShort() & 0xffff;
            try {
                KdfId kdf = KdfId.fromId(kdfId);
                AeadId aead = AeadId.fromId(aeadId);
                if (aead == AeadId.EXPORT_ONLY) {
                    throw new HpkeException("export-only AEAD");
                }
                SymmetricAlgorithm algorithm = new SymmetricAlgorithm(kdf, aead);
                if (algorithms.contains(algorithm)) {
                    throw malformed("symmetric algorithm " + algorithm + " listed twice");
                }
                algorithms.add(algorithm);
            } catch (HpkeException e) {
                if (unsupported == Unsupported.REFUSE) {
                    throw new OhttpException(
                            OhttpException.Reason.KEY_CONFIGURATION,
                            "key config: unsupported symmetric algorithm 0x%04x/0x%04x".formatted(kdfId, aeadId));
                }
            }
        }
        if (algorithms.isEmpty()) {
            return new Parsed(null, "no supported symmetric algorithm");
        }
        return new Parsed(new KeyConfig(keyId, kem, Bytes.of(publicKey), algorithms), null);
    }

    private static OhttpException malformed(String what) {
        return new OhttpException(OhttpException.Reason.MALFORMED, "key config: " + what);
    }

    @Override
    public String toString() {
        return "KeyConfig[id=" + keyId + ", " + kem + ", pk=" + publicKey.hex() + ", " + algorithms + "]";
    }
}
