package dev.cloister.tokens.privacypass;

import dev.cloister.tokens.keys.IssuerPublicKey;
import dev.cloister.tokens.oprf.BlindedElement;
import dev.cloister.tokens.oprf.Group;
import dev.cloister.tokens.oprf.InvalidElementException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Batched issuance request: the AmortizedBatchTokenRequest of draft-ietf-privacypass-batched-tokens (§"Amortized
 * Privately Verifiable Token Batch Issuance"), which is not an RFC yet, so Cloister treats it as its own extension
 * with that draft's byte layout and media type:
 * <pre>
 * struct {
 *    uint16_t token_type = 0x0001;
 *    uint8_t truncated_token_key_id;
 *    BlindedMessage blinded_msgs&lt;V&gt;;   // QUIC varint byte length, then N * Ne bytes
 * } AmortizedBatchTokenRequest;
 * </pre>
 * Decoding refuses more than {@code maxBatch} elements before it allocates or deserializes any of them.
 */
public record AmortizedBatchTokenRequest(int truncatedTokenKeyId, List<BlindedElement> blindedElements) {
    public static final String MEDIA_TYPE = "application/private-token-amortized-batch-request";

    public AmortizedBatchTokenRequest {
        if (truncatedTokenKeyId < 0 || truncatedTokenKeyId > 0xff) {
            throw new IllegalArgumentException("truncated_token_key_id is one byte");
        }
        blindedElements = List.copyOf(blindedElements);
        if (blindedElements.isEmpty()) {
            throw new IllegalArgumentException("a batch holds at least one blinded element");
        }
    }

    /**
     * @param maxBatch the largest number of blinded elements accepted
     * @throws TokenFormatException malformed bytes, an invalid element, or more than {@code maxBatch} elements
     */
    public static AmortizedBatchTokenRequest decode(byte[] encoded, int maxBatch) throws TokenFormatException {
        WireReader r = new WireReader(encoded, "AmortizedBatchTokenRequest");
        int type = r.u16();
        if (type != TokenType.VOPRF_P384_SHA384.code()) {
            throw new TokenFormatException(
                    String.format("AmortizedBatchTokenRequest: unsupported token_type 0x%04x (want 0x0001)", type));
        }
        int truncated = r.u8();
        long length = r.varint("blinded_msgs");
        int ne = IssuerPublicKey.SUITE.ne();
        if (length == 0 || length % ne != 0) {
            throw new TokenFormatException("AmortizedBatchTokenRequest: blinded_msgs length " + length
                    + " is not a positive multiple of " + ne);
        }
        if (length / ne > maxBatch) {
            throw new BatchTooLargeException("AmortizedBatchTokenRequest", length / ne, maxBatch);
        }
        if (length != r.remaining()) {
            throw new TokenFormatException(
                    "AmortizedBatchTokenRequest: blinded_msgs says " + length + " bytes, " + r.remaining() + " follow");
        }
        int n = (int) (length / ne);
        Group g = Group.of(IssuerPublicKey.SUITE);
        List<BlindedElement> elements = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            try {
                elements.add(BlindedElement.decode(g, r.bytes(ne, "blinded_msg")));
            } catch (InvalidElementException e) {
                throw new TokenFormatException(
                        "AmortizedBatchTokenRequest: blinded_msgs[" + i + "] is not a valid element", e);
            }
        }
        r.end();
        return new AmortizedBatchTokenRequest(truncated, elements);
    }

    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(TokenType.VOPRF_P384_SHA384.code() >>> 8);
        out.write(TokenType.VOPRF_P384_SHA384.code());
        out.write(truncatedTokenKeyId);
        out.writeBytes(WireReader.varint((long) blindedElements.size() * IssuerPublicKey.SUITE.ne()));
        for (BlindedElement e : blindedElements) {
            out.writeBytes(e.encode());
        }
        return out.toByteArray();
    }
}
