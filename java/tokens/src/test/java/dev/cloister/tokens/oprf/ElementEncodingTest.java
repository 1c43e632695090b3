package dev.cloister.tokens.oprf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cloister.base.SecretBytes;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 9497 §2.1 strict (de)serialization, and the InvalidInput / Inverse errors, one named case each. */
class ElementEncodingTest {
    static final Group G = Group.of(OprfSuite.P384_SHA384);
    static final SecureRandom RANDOM = new SecureRandom();

    static byte[] validElement() {
        return G.serializeElement(G.multiplyGenerator(BigInteger.valueOf(12345)).normalize());
    }

    @Test
    void validElementRoundTrips() throws Exception {
        byte[] e = validElement();
        assertArrayEquals(e, G.serializeElement(G.deserializeElement(e)));
    }

    @Test
    void elementOfWrongLengthIsRejected() {
        assertThrows(InvalidElementException.class, () -> G.deserializeElement(Arrays.copyOf(validElement(), 48)));
        assertThrows(InvalidElementException.class, () -> G.deserializeElement(Arrays.copyOf(validElement(), 50)));
        assertThrows(InvalidElementException.class, () -> G.deserializeElement(new byte[0]));
    }

    @Test
    void uncompressedEncodingIsRejected() {
        byte[] uncompressed = G.multiplyGenerator(BigInteger.TEN).normalize().getEncoded(false);
        assertThrows(InvalidElementException.class, () -> G.deserializeElement(uncompressed));
        byte[] e = validElement();
        e[0] = 0x04;
        assertThrows(InvalidElementException.class, () -> G.deserializeElement(e));
    }

    @Test
    void identityEncodingIsRejected() {
        assertThrows(InvalidElementException.class, () -> G.deserializeElement(new byte[49]));
        assertThrows(IllegalArgumentException.class, () -> G.serializeElement(G.identity()));
        assertThrows(IllegalArgumentException.class, () -> new BlindedElement(G.identity()));
        assertThrows(IllegalArgumentException.class, () -> new EvaluatedElement(G.identity()));
    }

    @Test
    void pointNotOnTheCurveIsRejected() {
        // x such that x^3 - 3x + b is not a square: try small x until decompression fails.
        int rejected = 0;
        for (int x = 1; x < 40; x++) {
            byte[] e = new byte[49];
            e[0] = 0x02;
            e[48] = (byte) x;
            try {
                G.deserializeElement(e);
            } catch (InvalidElementException expected) {
                rejected++;
            }
        }
        assertEquals(true, rejected > 5, "about half of all x are off the curve");
    }

    @Test
    void xAtOrAboveTheFieldPrimeIsRejected() {
        byte[] e = new byte[49];
        e[0] = 0x03;
        Arrays.fill(e, 1, 49, (byte) 0xff);
        assertThrows(InvalidElementException.class, () -> G.deserializeElement(e));
        byte[] p = G.curve().getField().getCharacteristic().toByteArray(); // 49 bytes with a leading 0
        p[0] = 0x02;
        assertThrows(InvalidElementException.class, () -> G.deserializeElement(p));
    }

    @Test
    void scalarEqualToOrAboveTheOrderIsRejected() {
        byte[] n = Arrays.copyOfRange(G.order().toByteArray(), 1, 49);
        assertThrows(InvalidScalarException.class, () -> G.deserializeScalar(n));
        byte[] max = new byte[48];
        Arrays.fill(max, (byte) 0xff);
        assertThrows(InvalidScalarException.class, () -> G.deserializeScalar(max));
        byte[] below = Arrays.copyOfRange(G.order().subtract(BigInteger.ONE).toByteArray(), 1, 49);
        assertDoesNotThrow(() -> G.deserializeScalar(below));
    }

    @Test
    void scalarOfWrongLengthIsRejected() {
        assertThrows(InvalidScalarException.class, () -> G.deserializeScalar(new byte[47]));
        assertThrows(InvalidScalarException.class, () -> G.deserializeScalar(new byte[49]));
    }

    @Test
    void proofWithNonCanonicalScalarIsRejected() {
        byte[] proof = new byte[96];
        Arrays.fill(proof, 48, 96, (byte) 0xff);
        assertThrows(InvalidScalarException.class, () -> Proof.decode(G, proof));
        assertThrows(InvalidScalarException.class, () -> Proof.decode(G, new byte[95]));
    }

    @Test
    void zeroPrivateKeyIsRejected() {
        assertThrows(
                InvalidScalarException.class,
                () -> OprfKeyPair.fromPrivateKey(OprfSuite.P384_SHA384, SecretBytes.copyOf(new byte[48])));
    }

    @Test
    void poprfTweakOfZeroIsAnInverseError() throws Exception {
        byte[] info = "tweak".getBytes(StandardCharsets.US_ASCII);
        BigInteger m = OprfContext.of(OprfSuite.P384_SHA384, OprfMode.POPRF).infoScalar(info);
        BigInteger sk = G.order().subtract(m); // skS + m = 0
        OprfKeyPair keys = OprfKeyPair.fromPrivateKey(OprfSuite.P384_SHA384, SecretBytes.copyOf(G.serializeScalar(sk)));
        PoprfServer server = new PoprfServer(keys);
        BlindedElement b = new BlindedElement(G.generator());
        assertThrows(
                InverseException.class, () -> server.blindEvaluate(List.of(b), info, RandomScalars.secure(RANDOM)));
        assertThrows(InverseException.class, () -> server.evaluate(new byte[] {1}, info));
        // The client sees the same condition as a tweaked key at the identity.
        assertThrows(
                InvalidInputException.class,
                () -> new PoprfClient(OprfSuite.P384_SHA384, keys.publicKey())
                        .blind(new byte[] {1}, info, RandomScalars.secure(RANDOM)));
    }

    @Test
    void voprfFinalizeRejectsProofForOtherElements() throws Exception {
        OprfKeyPair keys = OprfKeyPair.generate(OprfSuite.P256_SHA256, RANDOM);
        VoprfClient client = new VoprfClient(OprfSuite.P256_SHA256, keys.publicKey());
        BlindOutput a = client.blind(new byte[] {1}, RandomScalars.secure(RANDOM));
        BlindOutput b = client.blind(new byte[] {2}, RandomScalars.secure(RANDOM));
        BlindEvaluation ea =
                new VoprfServer(keys).blindEvaluate(List.of(a.blindedElement()), RandomScalars.secure(RANDOM));
        BlindEvaluation eb =
                new VoprfServer(keys).blindEvaluate(List.of(b.blindedElement()), RandomScalars.secure(RANDOM));
        assertThrows(
                VerifyException.class,
                () -> client.finalize(
                        List.of(new byte[] {1}),
                        List.of(a.blind()),
                        ea.evaluatedElements(),
                        List.of(a.blindedElement()),
                        eb.proof()));
        assertEquals(
                1,
                client.finalize(
                                List.of(new byte[] {1}),
                                List.of(a.blind()),
                                ea.evaluatedElements(),
                                List.of(a.blindedElement()),
                                ea.proof())
                        .size());
    }

    @Test
    void batchOf64VerifiesWithOneProof() throws Exception {
        OprfKeyPair keys = OprfKeyPair.generate(OprfSuite.P384_SHA384, RANDOM);
        VoprfClient client = new VoprfClient(OprfSuite.P384_SHA384, keys.publicKey());
        List<byte[]> inputs = new java.util.ArrayList<>();
        List<Blind> blinds = new java.util.ArrayList<>();
        List<BlindedElement> blinded = new java.util.ArrayList<>();
        for (int i = 0; i < 64; i++) {
            byte[] in = ("input " + i).getBytes(StandardCharsets.US_ASCII);
            BlindOutput o = client.blind(in, RandomScalars.secure(RANDOM));
            inputs.add(in);
            blinds.add(o.blind());
            blinded.add(o.blindedElement());
        }
        VoprfServer server = new VoprfServer(keys);
        BlindEvaluation e = server.blindEvaluate(blinded, RandomScalars.secure(RANDOM));
        List<byte[]> out = client.finalize(inputs, blinds, e.evaluatedElements(), blinded, e.proof());
        for (int i = 0; i < 64; i++) {
            assertArrayEquals(server.evaluate(inputs.get(i)), out.get(i));
        }
    }

    private static void assertDoesNotThrow(org.junit.jupiter.api.function.Executable e) {
        org.junit.jupiter.api.Assertions.assertDoesNotThrow(e);
    }
}
