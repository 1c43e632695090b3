package dev.cloister.tokens.privacypass;

import dev.cloister.tokens.keys.IssuerPublicKey;
import dev.cloister.tokens.oprf.EvaluatedElement;
import dev.cloister.tokens.oprf.Group;
import dev.cloister.tokens.oprf.InvalidElementException;
import dev.cloister.tokens.oprf.InvalidScalarException;
import dev.cloister.tokens.oprf.Proof;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * The TokenResponse of RFC 9578 §5.2 (media type application/private-token-response):
 * <pre>
 * struct {
 *    uint8_t evaluate_msg[Ne];          // 49
 *    uint8_t evaluate_proof[Ns+Ns];     // 96
 * } TokenResponse;
 * </pre>
 */
public record TokenResponse(EvaluatedElement evaluatedElement, Proof proof) {
    public static final String MEDIA_TYPE = "application/private-token-response";
    public static final int LENGTH = IssuerPublicKey.SUITE.ne() + 2 * IssuerPublicKey.SUITE.ns();

    public TokenResponse {
        Objects.requireNonNull(evaluatedElement, "evaluatedElement");
        Objects.requireNonNull(proof, "proof");
    }

    public static TokenResponse decode(byte[] encoded) throws TokenFormatException {
        if (encoded.length != LENGTH) {
            throw new TokenFormatException("TokenResponse: must be " + LENGTH + " bytes, got " + encoded.length);
        }
        WireReader r = new WireReader(encoded, "TokenResponse");
        byte[] element = r.bytes(IssuerPublicKey.SUITE.ne(), "evaluate_msg");
        byte[] proof = r.bytes(2 * IssuerPublicKey.SUITE.ns(), "evaluate_proof");
        r.end();
        Group g = Group.of(IssuerPublicKey.SUITE);
        try {
            return new TokenResponse(EvaluatedElement.decode(g, element), Proof.decode(g, proof));
        } catch (InvalidElementException e) {
            throw new TokenFormatException("TokenResponse: evaluate_msg is not a valid element", e);
        } catch (InvalidScalarException e) {
            throw new TokenFormatException("TokenResponse: evaluate_proof holds a non-canonical scalar", e);
        }
    }

    public byte[] encode() {
        return ByteBuffer.allocate(LENGTH)
                .put(evaluatedElement.encode())
                .put(proof.encode(Group.of(IssuerPublicKey.SUITE)))
                .array();
    }
}
