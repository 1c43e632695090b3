package dev.cloister.tokens.oprf;

import dev.cloister.base.Hex;
import dev.cloister.base.SecretBytes;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import org.bouncycastle.math.ec.ECPoint;

/**
 * A server key pair (skS, pkS) of RFC 9497 §3.2. The private scalar is held as {@link SecretBytes}
 * (SerializeScalar(skS)); {@link #toString()} shows only the public key.
 */
public final class OprfKeyPair {
    private final OprfSuite suite;
    private final SecretBytes privateKey;
    private final ECPoint publicKey;

    private OprfKeyPair(OprfSuite suite, SecretBytes privateKey, ECPoint publicKey) {
        this.suite = suite;
        this.privateKey = privateKey;
        this.publicKey = publicKey.normalize();
    }

    /** Rebuilds a key pair from SerializeScalar(skS); the scalar must be canonical and non-zero. */
    public static OprfKeyPair fromPrivateKey(OprfSuite suite, SecretBytes serializedScalar)
            throws InvalidScalarException {
        Group g = Group.of(suite);
        byte[] raw = serializedScalar.reveal();
        try {
            BigInteger sk = g.deserializeScalar(raw);
            if (sk.signum() == 0) {
                throw new InvalidScalarException(suite.identifier() + ": private key must not be zero");
            }
            return new OprfKeyPair(suite, SecretBytes.copyOf(raw), g.multiplyGenerator(sk));
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    /** GenerateKeyPair() of §3.2: a random non-zero scalar. */
    public static OprfKeyPair generate(OprfSuite suite, SecureRandom random) {
        Group g = Group.of(suite);
        BigInteger sk = g.randomScalar(random);
        return new OprfKeyPair(suite, SecretBytes.copyOf(g.serializeScalar(sk)), g.multiplyGenerator(sk));
    }

    /**
     * DeriveKeyPair(seed, info) of §3.2.1: skS = HashToScalar(seed ‖ I2OSP(len(info), 2) ‖ info ‖ I2OSP(counter, 1),
     * DST = "DeriveKeyPair" ‖ contextString) for the first counter that gives a non-zero scalar.
     */
    public static OprfKeyPair derive(OprfSuite suite, OprfMode mode, SecretBytes seed, byte[] info)
            throws DeriveKeyPairException {
        Objects.requireNonNull(info, "info");
        OprfContext ctx = OprfContext.of(suite, mode);
        OprfContext.checkLength(info, "info");
        byte[] s = seed.reveal();
        byte[] deriveInput = OprfContext.concat(s, OprfContext.i2osp2(info.length), info, new byte[1]);
        Arrays.fill(s, (byte) 0);
        try {
            for (int counter = 0; counter <= 255; counter++) {
                deriveInput[deriveInput.length - 1] = (byte) counter;
                BigInteger sk = ctx.group.hashToScalar(deriveInput, ctx.deriveKeyPairDst);
                if (sk.signum() != 0) {
                    return new OprfKeyPair(
                            suite, SecretBytes.copyOf(ctx.group.serializeScalar(sk)), ctx.group.multiplyGenerator(sk));
                }
            }
        } finally {
            Arrays.fill(deriveInput, (byte) 0);
        }
        throw new DeriveKeyPairException(suite.identifier() + ": DeriveKeyPair found no non-zero scalar in 256 tries");
    }

    public OprfSuite suite() {
        return suite;
    }

    /** SerializeScalar(skS), wrapped. */
    public SecretBytes privateKey() {
        return privateKey;
    }

    /** pkS = ScalarMultGen(skS). */
    public ECPoint publicKey() {
        return publicKey;
    }

    /** SerializeElement(pkS). */
    public byte[] encodedPublicKey() {
        return publicKey.getEncoded(true);
    }

    /** The private scalar, for the server classes of this package. */
    BigInteger scalar() {
        byte[] raw = privateKey.reveal();
        try {
            return new BigInteger(1, raw);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    @Override
    public String toString() {
        return "OprfKeyPair[" + suite.identifier() + ", pkS=" + Hex.format(encodedPublicKey()) + ", skS=redacted]";
    }
}
