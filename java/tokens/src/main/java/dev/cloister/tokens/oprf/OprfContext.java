package dev.cloister.tokens.oprf;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.bouncycastle.math.ec.ECPoint;

/** The per-(suite, mode) constants of RFC 9497 §3.1 and the hashing steps every variant shares. */
final class OprfContext {
    private static final byte[] FINALIZE = ascii("Finalize");

    final OprfSuite suite;
    final OprfMode mode;
    final Group group;
    /** contextString = "OPRFV1-" ‖ I2OSP(mode, 1) ‖ "-" ‖ identifier. */
    final byte[] contextString;

    final byte[] hashToGroupDst;
    final byte[] hashToScalarDst;
    final byte[] deriveKeyPairDst;
    final byte[] seedDst;

    private static final OprfContext[][] CONTEXTS =
            new OprfContext[OprfSuite.values().length][OprfMode.values().length];

    static {
        for (OprfSuite s : OprfSuite.values()) {
            for (OprfMode m : OprfMode.values()) {
                CONTEXTS[s.ordinal()][m.ordinal()] = new OprfContext(s, m);
            }
        }
    }

    static OprfContext of(OprfSuite suite, OprfMode mode) {
        return CONTEXTS[suite.ordinal()][mode.ordinal()];
    }

    private OprfContext(OprfSuite suite, OprfMode mode) {
        this.suite = suite;
        this.mode = mode;
        this.group = Group.of(suite);
        this.contextString = concat(ascii("OPRFV1-"), new byte[] {(byte) mode.id()}, ascii("-" + suite.identifier()));
        this.hashToGroupDst = concat(ascii("HashToGroup-"), contextString);
        this.hashToScalarDst = concat(ascii("HashToScalar-"), contextString);
        this.deriveKeyPairDst = concat(ascii("DeriveKeyPair"), contextString);
        this.seedDst = concat(ascii("Seed-"), contextString);
    }

    ECPoint hashToGroup(byte[] input) {
        return group.hashToGroup(input, hashToGroupDst);
    }

    BigInteger hashToScalar(byte[] input) {
        return group.hashToScalar(input, hashToScalarDst);
    }

    /** HashToGroup(input), refusing the identity: InvalidInputError of §3.3.1. */
    ECPoint inputElement(byte[] input) throws InvalidInputException {
        ECPoint p = hashToGroup(input);
        if (p.isInfinity()) {
            throw new InvalidInputException(suite.identifier() + ": input hashes to the identity element");
        }
        return p;
    }

    MessageDigest hash() {
        try {
            return MessageDigest.getInstance(suite.hash());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(suite.hash() + " vanished", e);
        }
    }

    /**
     * The Finalize / Evaluate output hash of §3.3.1 (OPRF, VOPRF: {@code info == null}) and §3.3.3 (POPRF):
     * Hash(I2OSP(len(input), 2) ‖ input [‖ I2OSP(len(info), 2) ‖ info] ‖ I2OSP(len(element), 2) ‖ element ‖ "Finalize").
     */
    byte[] finalizeHash(byte[] input, byte[] info, ECPoint unblinded) {
        return finalizeHashOfElement(input, info, group.serializeElement(unblinded));
    }

    /** {@link #finalizeHash} of an already serialized element. */
    byte[] finalizeHashOfElement(byte[] input, byte[] info, byte[] element) {
        MessageDigest h = hash();
        lengthPrefixed(h, input);
        if (info != null) {
            lengthPrefixed(h, info);
        }
        lengthPrefixed(h, element);
        h.update(FINALIZE);
        return h.digest();
    }

    /** framedInfo = "Info" ‖ I2OSP(len(info), 2) ‖ info, then m = HashToScalar(framedInfo) (§3.3.3). */
    BigInteger infoScalar(byte[] info) {
        checkLength(info, "info");
        return hashToScalar(concat(ascii("Info"), i2osp2(info.length), info));
    }

    static void lengthPrefixed(MessageDigest h, byte[] data) {
        checkLength(data, "input");
        h.update((byte) (data.length >>> 8));
        h.update((byte) data.length);
        h.update(data);
    }

    static void lengthPrefixed(ByteArrayOutputStream out, byte[] data) {
        out.write(data.length >>> 8);
        out.write(data.length);
        out.writeBytes(data);
    }

    static void checkLength(byte[] data, String what) {
        if (data.length > 0xffff) {
            throw new IllegalArgumentException(what + " longer than 65535 bytes cannot be framed with I2OSP(len, 2)");
        }
    }

    static byte[] i2osp2(int v) {
        return new byte[] {(byte) (v >>> 8), (byte) v};
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int off = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, off, p.length);
            off += p.length;
        }
        return out;
    }
}
