package dev.cloister.tokens.privacypass;

import dev.cloister.tokens.keys.IssuerPublicKey;
import dev.cloister.tokens.oprf.BlindedElement;
import dev.cloister.tokens.oprf.Group;
import dev.cloister.tokens.oprf.InvalidElementException;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * The TokenRequest of RFC 9578 §5.1 (token type 0x0001, media type application/private-token-request):
 * <pre>
 * struct {
 *    uint16_t token_type = 0x0001;
 *    uint8_t truncated_token_key_id;
 *    uint8_t blinded_msg[Ne];   // Ne = 49
 * } TokenRequest;
 * </pre>
 * Decoding deserializes blinded_msg strictly, so a point off the curve or the identity never gets past it.
 */
public record TokenRequest(int truncatedTokenKeyId, BlindedElement blindedElement) {
    public static final String MEDIA_TYPE = "application/private-token-request";
    public static final int LENGTH = 2 + 1 + IssuerPublicKey.SUITE.ne();

    public TokenRequest {
        if (truncatedTokenKeyId < 0 || truncatedTokenKeyId > 0xff) {
            throw new IllegalArgumentException("truncated_token_key_id is one byte");
        }
        Objects.requireNonNull(blindedElement, "blindedElement");
    }

    public static TokenRequest decode(byte[] encoded) throws TokenFormatException {
        if (encoded.length >= 2) {
            int type = ((encoded[0] & 0xff) << 8) | (encoded[1] & 0xff);
            if (type != TokenType.VOPRF_P384_SHA384.code()) {
                throw new TokenFormatException(
                        String.format("TokenRequest: unsupported token_type 0x%04x (want 0x0001)", type));
            }
        }
        if (encoded.length != LENGTH) {
            throw new TokenFormatException("TokenRequest: must be " + LENGTH + " bytes, got " + encoded.length);
        }
        WireReader r = new WireReader(encoded, "TokenRequest");
        r.u16();
        int truncated = r.u8();
        byte[] blinded = r.bytes(IssuerPublicKey.SUITE.ne(), "blinded_msg");
        r.end();
        try {
            return new TokenRequest(truncated, BlindedElement.decode(Group.of(IssuerPublicKey.SUITE), blinded));
        } catch (InvalidElementException e) {
            throw new TokenFormatException("TokenRequest: blinded_msg is not a valid element", e);
        }
    }

    public byte[] encode() {
        return ByteBuffer.allocate(LENGTH)
                .putShort((short) TokenType.VOPRF_P384_SHA384.code())
                .put((byte) truncatedTokenKeyId)
                .put(blindedElement.encode())
                .array();
    }
}
