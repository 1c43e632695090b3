package dev.cloister.tokens.oprf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.tokens.ec.AwsLcKeyMultiplier;
import dev.cloister.tokens.ec.AwsLcSwitch;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Test;

/**
 * The P-384 VOPRF server gives byte-identical evaluations and proofs whether AWS-LC or the Java multiplier computes
 * the key multiples, and its output check accepts exactly the outputs for +-Evaluate (see {@link VoprfServer#verify}).
 */
class VoprfEnginesTest {
    private static final OprfSuite SUITE = OprfSuite.P384_SHA384;

    private static VoprfServer javaServer(OprfKeyPair keys) {
        return AwsLcSwitch.withAwsLcOff(() -> new VoprfServer(keys));
    }

    @Test
    void bothEnginesEvaluateAndProveIdentically() throws Exception {
        SecureRandom random = new SecureRandom();
        OprfKeyPair keys = OprfKeyPair.generate(SUITE, random);
        VoprfServer awsLc = new VoprfServer(keys);
        VoprfServer inJava = javaServer(keys);
        assertEquals("Java", inJava.engine());
        if (System.getProperty("os.name").startsWith("Linux")
                && System.getProperty("os.arch").matches("amd64|x86_64")) {
            assertEquals(
                    "AWS-LC", awsLc.engine(), () -> "AWS-LC unavailable: " + AwsLcKeyMultiplier.Unavailable.reason());
        }
        VoprfClient client = new VoprfClient(SUITE, keys.publicKey());
        List<BlindedElement> blinded = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            byte[] input = new byte[32];
            random.nextBytes(input);
            blinded.add(client.blind(input, RandomScalars.secure(random)).blindedElement());
        }
        byte[] r = new byte[48];
        random.nextBytes(r);
        BigInteger nonce = new BigInteger(1, r)
                .mod(SUITE.group().order().subtract(BigInteger.ONE))
                .add(BigInteger.ONE);
        BlindEvaluation a = awsLc.blindEvaluate(blinded, g -> nonce);
        BlindEvaluation b = inJava.blindEvaluate(blinded, g -> nonce);
        for (int i = 0; i < blinded.size(); i++) {
            assertArrayEquals(
                    b.evaluatedElements().get(i).encode(),
                    a.evaluatedElements().get(i).encode());
        }
        assertArrayEquals(b.proof().encode(SUITE.group()), a.proof().encode(SUITE.group()));
        byte[] input = "token input".getBytes();
        assertArrayEquals(inJava.evaluate(input), awsLc.evaluate(input));
    }

    @Test
    void verifyAcceptsTheOutputAndItsNegationsFinalizeOnly() throws Exception {
        OprfKeyPair keys = OprfKeyPair.generate(SUITE, new SecureRandom());
        OprfContext ctx = OprfContext.of(SUITE, OprfMode.VOPRF);
        for (VoprfServer server : List.of(new VoprfServer(keys), javaServer(keys))) {
            for (int i = 0; i < 20; i++) {
                byte[] input = ("input " + i).getBytes();
                ECPoint z = SUITE.group().multiply(ctx.inputElement(input), keys.scalar());
                assertTrue(server.verify(input, server.evaluate(input)), server.engine());
                assertTrue(server.verify(input, ctx.finalizeHash(input, null, z.negate())), server.engine() + ": -Z");
                assertFalse(server.verify(input, ctx.finalizeHash(input, null, z.twice())), server.engine() + ": 2Z");
                assertFalse(
                        server.verify(
                                input,
                                ctx.finalizeHash(input, null, SUITE.group().generator())),
                        server.engine() + ": G");
                assertFalse(
                        server.verify(("other " + i).getBytes(), server.evaluate(input)),
                        server.engine() + ": other input");
                assertFalse(server.verify(input, new byte[0]), server.engine() + ": empty");
                assertFalse(MessageDigest.isEqual(server.evaluate(input), ctx.finalizeHash(input, null, z.negate())));
            }
        }
    }
}
