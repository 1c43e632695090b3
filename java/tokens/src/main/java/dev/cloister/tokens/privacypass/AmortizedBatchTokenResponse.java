package dev.cloister.tokens.privacypass;

import dev.cloister.tokens.keys.IssuerPublicKey;
import dev.cloister.tokens.oprf.EvaluatedElement;
import dev.cloister.tokens.oprf.Group;
import dev.cloister.tokens.oprf.InvalidElementException;
import dev.cloister.tokens.oprf.InvalidScalarException;
import dev.cloister.tokens.oprf.Proof;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Batched issuance response, the AmortizedBatchTokenResponse of draft-ietf-privacypass-batched-tokens (a Cloister
 * extension until it is an RFC): N evaluated elements and ONE batched DLEQ proof (RFC 9497 §2.2.1).
 * <pre>
 * struct {
 *    EvaluatedMessage evaluated_msgs&lt;V&gt;;   // QUIC varint byte length, then N * Ne bytes
 *    uint8_t evaluated_proof[Ns + Ns];
 * } AmortizedBatchTokenResponse;
 * </pre>
 */
public record AmortizedBatchTokenResponse(List<EvaluatedElement> evaluatedElements, Proof proof) {
    public static final String MEDIA_TYPE = "application/private-token-amortized-batch-response";

    public AmortizedBatchTokenResponse {
        evaluatedElements = List.copyOf(evaluatedElements);
        Objects.requireNonNull(proof, "proof");
        if (evaluatedElements.isEmpty()) {
            throw new IllegalArgumentException("a batch holds at least one evaluated element");
        }
    }

    /** @param maxBatch the largest number of elements accepted (the client knows how many it asked for) */
    public static AmortizedBatchTokenResponse decode(byte[] encoded, int maxBatch) throws TokenFormatException {
        WireReader r = new WireReader(encoded, "AmortizedBatchTokenResponse");
        long length = r.varint("evaluated_msgs");
        int ne = IssuerPublicKey.SUITE.ne();
        int proofLength = 2 * IssuerPublicKey.SUITE.ns();
        if (length == 0 || length % ne != 0) {
            throw new TokenFormatException("AmortizedBatchTokenResponse: evaluated_msgs length " + length
                    + " is not a positive multiple of " + ne);
        }
        if (length / ne > maxBatch) {
            throw new BatchTooLargeException("AmortizedBatchTokenResponse", length / ne, maxBatch);
        }
        if (length + proofLength != r.remaining()) {
            throw new TokenFormatException("AmortizedBatchTokenResponse: expected " + (length + proofLength)
                    + " bytes after the length, got " + r.remaining());
        }
        Group g = Group.of(IssuerPublicKey.SUITE);
        int n = (int) (length / ne);
        List<EvaluatedElement> elements = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            try {
                elements.add(EvaluatedElement.decode(g, r.bytes(ne, "evaluated_msg")));
            } catch (InvalidElementException e) {
                throw new TokenFormatException(
                        "AmortizedBatchTokenResponse: evaluated_msgs[" + i + "] is not a valid element", e);
            }
        }
        try {
            Proof proof = Proof.decode(g, r.bytes(proofLength, "evaluated_proof"));
            r.end();
            return new AmortizedBatchTokenResponse(elements, proof);
        } catch (InvalidScalarException e) {
            throw new TokenFormatException(
                    "AmortizedBatchTokenResponse: evaluated_proof holds a non-canonical scalar", e);
        }
    }

    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(WireReader.varint((long) evaluatedElements.size() * IssuerPublicKey.SUITE.ne()));
        for (EvaluatedElement e : evaluatedElements) {
            out.writeBytes(e.encode());
        }
        out.writeBytes(proof.encode(Group.of(IssuerPublicKey.SUITE)));
        return out.toByteArray();
    }
}
