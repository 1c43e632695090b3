package dev.cloister.tokens.keys;

import dev.cloister.base.Hex;
import dev.cloister.tokens.oprf.Group;
import dev.cloister.tokens.oprf.InvalidElementException;
import dev.cloister.tokens.oprf.OprfSuite;
import java.util.Arrays;
import org.bouncycastle.math.ec.ECPoint;

/**
 * A token type 0x0001 issuer public key pkI (RFC 9578 §6.5): SerializeElement of a P-384 point, 49 bytes, with its
 * token_key_id. Construction validates the point.
 */
public final class IssuerPublicKey {
    public static final OprfSuite SUITE = OprfSuite.P384_SHA384;
    private final byte[] encoded;
    private final ECPoint point;
    private final TokenKeyId keyId;

    private IssuerPublicKey(byte[] encoded, ECPoint point) {
        this.encoded = encoded;
        this.point = point;
        this.keyId = TokenKeyId.forPublicKey(encoded);
    }

    /** Decodes a serialized public key strictly (RFC 9497 §2.1 DeserializeElement). */
    public static IssuerPublicKey decode(byte[] encoded) throws InvalidElementException {
        ECPoint p = Group.of(SUITE).deserializeElement(encoded);
        return new IssuerPublicKey(encoded.clone(), p);
    }

    public static IssuerPublicKey of(ECPoint point) {
        ECPoint p = point.normalize();
        return new IssuerPublicKey(Group.of(SUITE).serializeElement(p), p);
    }

    public byte[] encoded() {
        return encoded.clone();
    }

    public ECPoint point() {
        return point;
    }

    public TokenKeyId keyId() {
        return keyId;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IssuerPublicKey k && Arrays.equals(encoded, k.encoded);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encoded);
    }

    @Override
    public String toString() {
        return "IssuerPublicKey[" + Hex.format(encoded) + "]";
    }
}
