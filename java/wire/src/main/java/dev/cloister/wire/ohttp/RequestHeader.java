package dev.cloister.wire.ohttp;

import dev.cloister.wire.hpke.AeadId;
import dev.cloister.wire.hpke.HpkeException;
import dev.cloister.wire.hpke.HpkeSuite;
import dev.cloister.wire.hpke.KdfId;
import dev.cloister.wire.hpke.KemId;
import java.nio.charset.StandardCharsets;

/**
 * The header of an encapsulated request (RFC 9458 §4.3): key identifier, KEM, KDF and AEAD identifiers, and the HPKE
 * {@code info} built from it.
 */
record RequestHeader(int keyId, HpkeSuite suite) {

    static final int LENGTH = 7;
    static final byte[] REQUEST_LABEL = "message/bhttp request".getBytes(StandardCharsets.US_ASCII);
    static final byte[] CHUNKED_REQUEST_LABEL = "message/bhttp chunked request".getBytes(StandardCharsets.US_ASCII);
    static final byte[] RESPONSE_LABEL = "message/bhttp response".getBytes(StandardCharsets.US_ASCII);
    static final byte[] CHUNKED_RESPONSE_LABEL = "message/bhttp chunked response".getBytes(StandardCharsets.US_ASCII);

    /** {@code hdr = concat(encode(1, key_id), encode(2, kem_id), encode(2, kdf_id), encode(2, aead_id))}. */
    byte[] encode() {
        return new byte[] {
            (byte) keyId,
            (byte) (suite.kem().id() >>> 8),
            (byte) suite.kem().id(),
            (byte) (suite.kdf().id() >>> 8),
            (byte) suite.kdf().id(),
            (byte) (suite.aead().id() >>> 8),
            (byte) suite.aead().id()
        };
    }

    /** {@code info = concat(encode_str(label), encode(1, 0), hdr)}. */
    byte[] info(byte[] label) {
        byte[] hdr = encode();
        byte[] info = new byte[label.length + 1 + hdr.length];
        System.arraycopy(label, 0, info, 0, label.length);
        System.arraycopy(hdr, 0, info, label.length + 1, hdr.length);
        return info;
    }

    /** Parses the 7-byte header at {@code offset}; unknown algorithms are a key-configuration problem. */
    static RequestHeader decode(byte[] message, int offset) throws OhttpException {
        if (message.length - offset < LENGTH) {
            throw new OhttpException(OhttpException.Reason.MALFORMED, "encapsulated request shorter than its header");
        }
        int keyId = message[offset] & 0xff;
        int kem = u16(message, offset + 1);
        int kdf = u16(message, offset + 3);
        int aead = u16(message, offset + 5);
        try {
            HpkeSuite suite = new HpkeSuite(KemId.fromId(kem), KdfId.fromId(kdf), AeadId.fromId(aead));
            if (suite.aead() == AeadId.EXPORT_ONLY) {
                throw new HpkeException("export-only AEAD");
            }
            return new RequestHeader(keyId, suite);
        } catch (HpkeException e) {
            throw new OhttpException(
                    OhttpException.Reason.KEY_CONFIGURATION,
                    "encapsulated request names unsupported algorithms 0x%04x/0x%04x/0x%04x".formatted(kem, kdf, aead));
        }
    }

    private static int u16(byte[] b, int at) {
        return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
    }
}
