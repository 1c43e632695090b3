package dev.cloister.tokens.oprf;

import static dev.cloister.testing.Vectors.get;
import static dev.cloister.testing.Vectors.hex;
import static dev.cloister.testing.Vectors.list;
import static dev.cloister.testing.Vectors.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.base.SecretBytes;
import dev.cloister.testing.Vectors;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every RFC 9497 Appendix A vector for P256-SHA256 and P384-SHA384 in all three modes, from allVectors.json and the
 * P256 extract: DeriveKeyPair, Blind (with the vector's blinds), BlindEvaluate (with the vector's proof nonce r,
 * batched with one proof for Batch = 2), Finalize (proof verification included) and Evaluate.
 */
class OprfVectorTest {
    private static final String DIR = "voprf-rfc9497";

    @TestFactory
    List<DynamicTest> allVectorsFile() {
        List<DynamicTest> tests = tests("allVectors.json");
        assertEquals(2 + 3 + 3 + 2 + 3 + 3, tests.size(), "vectors for P256-SHA256 and P384-SHA384, modes 0-2");
        return tests;
    }

    @TestFactory
    List<DynamicTest> p256ExtractFile() {
        List<DynamicTest> tests = tests("P256-SHA256-vectors.json");
        assertEquals(8, tests.size());
        return tests;
    }

    private static List<DynamicTest> tests(String file) {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode suiteEntry : list(Vectors.json(DIR, file))) {
            OprfSuite suite = switch (str(suiteEntry, "identifier")) {
                case "P256-SHA256" -> OprfSuite.P256_SHA256;
                case "P384-SHA384" -> OprfSuite.P384_SHA384;
                default -> null;
            };
            if (suite == null) {
                continue;
            }
            OprfMode mode = OprfMode.values()[get(suiteEntry, "mode").intValue()];
            int index = 0;
            for (JsonNode v : list(get(suiteEntry, "vectors"))) {
                int i = index++;
                tests.add(DynamicTest.dynamicTest(
                        file + " " + suite.identifier() + " " + mode + " #" + i,
                        () -> run(suite, mode, suiteEntry, v)));
            }
        }
        return tests;
    }

    private static void run(OprfSuite suite, OprfMode mode, JsonNode entry, JsonNode v) throws Exception {
        Group g = suite.group();
        OprfContext ctx = OprfContext.of(suite, mode);
        assertEquals(str(entry, "groupDST"), Vectors.hex(ctx.hashToGroupDst), "groupDST");

        OprfKeyPair keys = OprfKeyPair.derive(
                suite, mode, SecretBytes.copyOf(hex(str(entry, "seed"))), hex(str(entry, "keyInfo")));
        assertEquals(str(entry, "skSm"), Vectors.hex(keys.privateKey().reveal()), "skSm");
        if (mode != OprfMode.OPRF) {
            assertEquals(str(entry, "pkSm"), Vectors.hex(keys.encodedPublicKey()), "pkSm");
        }

        List<byte[]> inputs = split(str(v, "Input"));
        List<byte[]> blinds = split(str(v, "Blind"));
        List<byte[]> blindedExpected = split(str(v, "BlindedElement"));
        List<byte[]> evaluatedExpected = split(str(v, "EvaluationElement"));
        List<byte[]> outputs = split(str(v, "Output"));
        int batch = get(v, "Batch").intValue();
        assertEquals(batch, inputs.size());
        byte[] info = mode == OprfMode.POPRF ? hex(str(v, "Info")) : null;
        RandomScalars blindSource = fixed(g, blinds);

        List<Blind> blindList = new ArrayList<>();
        List<BlindedElement> blinded = new ArrayList<>();
        org.bouncycastle.math.ec.ECPoint tweakedKey = null;
        for (int i = 0; i < batch; i++) {
            BlindOutput out;
            switch (mode) {
                case OPRF -> out = new OprfClient(suite).blind(inputs.get(i), blindSource);
                case VOPRF -> out = new VoprfClient(suite, keys.publicKey()).blind(inputs.get(i), blindSource);
                case POPRF -> {
                    PoprfBlindOutput p =
                            new PoprfClient(suite, keys.publicKey()).blind(inputs.get(i), info, blindSource);
                    tweakedKey = p.tweakedKey();
                    out = new BlindOutput(p.blind(), p.blindedElement());
                }
                default -> throw new AssertionError();
            }
            assertEquals(
                    Vectors.hex(blindedExpected.get(i)),
                    Vectors.hex(out.blindedElement().encode()),
                    "BlindedElement[" + i + "]");
            blindList.add(out.blind());
            // The server sees the wire bytes: decode them strictly.
            blinded.add(BlindedElement.decode(g, blindedExpected.get(i)));
        }

        List<EvaluatedElement> evaluated = new ArrayList<>();
        Proof proof = null;
        switch (mode) {
            case OPRF -> {
                for (BlindedElement b : blinded) {
                    evaluated.add(new OprfServer(keys).blindEvaluate(b));
                }
            }
            case VOPRF -> {
                BlindEvaluation e =
                        new VoprfServer(keys).blindEvaluate(blinded, fixed(g, List.of(hex(str(get(v, "Proof"), "r")))));
                evaluated.addAll(e.evaluatedElements());
                proof = e.proof();
            }
            case POPRF -> {
                BlindEvaluation e = new PoprfServer(keys)
                        .blindEvaluate(blinded, info, fixed(g, List.of(hex(str(get(v, "Proof"), "r")))));
                evaluated.addAll(e.evaluatedElements());
                proof = e.proof();
            }
        }
        for (int i = 0; i < batch; i++) {
            assertEquals(
                    Vectors.hex(evaluatedExpected.get(i)),
                    Vectors.hex(evaluated.get(i).encode()),
                    "EvaluationElement[" + i + "]");
        }
        if (proof != null) {
            assertEquals(str(get(v, "Proof"), "proof"), Vectors.hex(proof.encode(g)), "Proof");
            proof = Proof.decode(g, hex(str(get(v, "Proof"), "proof")));
        }

        List<EvaluatedElement> evaluatedWire = new ArrayList<>();
        for (byte[] e : evaluatedExpected) {
            evaluatedWire.add(EvaluatedElement.decode(g, e));
        }
        List<byte[]> finalized = switch (mode) {
            case OPRF -> {
                List<byte[]> f = new ArrayList<>();
                for (int i = 0; i < batch; i++) {
                    f.add(new OprfClient(suite).finalize(inputs.get(i), blindList.get(i), evaluatedWire.get(i)));
                }
                yield f;
            }
            case VOPRF ->
                new VoprfClient(suite, keys.publicKey()).finalize(inputs, blindList, evaluatedWire, blinded, proof);
            case POPRF ->
                new PoprfClient(suite, keys.publicKey())
                        .finalize(inputs, blindList, evaluatedWire, blinded, proof, info, tweakedKey);
        };
        for (int i = 0; i < batch; i++) {
            assertEquals(Vectors.hex(outputs.get(i)), Vectors.hex(finalized.get(i)), "Finalize Output[" + i + "]");
            byte[] direct = switch (mode) {
                case OPRF -> new OprfServer(keys).evaluate(inputs.get(i));
                case VOPRF -> new VoprfServer(keys).evaluate(inputs.get(i));
                case POPRF -> new PoprfServer(keys).evaluate(inputs.get(i), info);
            };
            assertEquals(Vectors.hex(outputs.get(i)), Vectors.hex(direct), "Evaluate Output[" + i + "]");
            if (mode == OprfMode.VOPRF) {
                VoprfServer server = new VoprfServer(keys);
                assertTrue(
                        server.verify(inputs.get(i), outputs.get(i)),
                        "verify Output[" + i + "] with " + server.engine());
                byte[] wrong = outputs.get(i).clone();
                wrong[wrong.length - 1] ^= 1;
                assertFalse(server.verify(inputs.get(i), wrong), "a changed output verifies");
                assertFalse(
                        server.verify(inputs.get(i), java.util.Arrays.copyOf(outputs.get(i), wrong.length - 1)),
                        "a short output verifies");
            }
        }
    }

    private static List<byte[]> split(String s) {
        List<byte[]> out = new ArrayList<>();
        for (String part : s.split(",", -1)) {
            out.add(hex(part));
        }
        return out;
    }

    /** The vector's scalars in order; running out is a test bug. */
    static RandomScalars fixed(Group g, List<byte[]> scalars) {
        Iterator<byte[]> it = new ArrayList<>(scalars).iterator();
        return group -> {
            assertEquals(g, group);
            return new BigInteger(1, it.next());
        };
    }
}
