package dev.cloister.tokens.h2c;

import static dev.cloister.testing.Vectors.get;
import static dev.cloister.testing.Vectors.hex;
import static dev.cloister.testing.Vectors.list;
import static dev.cloister.testing.Vectors.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cloister.testing.Vectors;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.crypto.hash2curve.HashToCurveProfile;
import org.bouncycastle.crypto.hash2curve.HashToEllipticCurve;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every vector of testdata/vectors/hash-to-curve-rfc9380/ (RFC 9380 Appendix J.1, J.2, K.1, K.2). */
class HashToCurveVectorTest {
    private static final String DIR = "hash-to-curve-rfc9380";

    @TestFactory
    List<DynamicTest> hashToCurveAndEncodeToCurve() {
        List<DynamicTest> tests = new ArrayList<>();
        addSuite(tests, "P256_XMD-SHA-256_SSWU_RO_.json", HashToCurveSuite.P256_XMD_SHA256_SSWU, true);
        addSuite(tests, "P256_XMD-SHA-256_SSWU_NU_.json", HashToCurveSuite.P256_XMD_SHA256_SSWU, false);
        addSuite(tests, "P384_XMD-SHA-384_SSWU_RO_.json", HashToCurveSuite.P384_XMD_SHA384_SSWU, true);
        addSuite(tests, "P384_XMD-SHA-384_SSWU_NU_.json", HashToCurveSuite.P384_XMD_SHA384_SSWU, false);
        assertEquals(20, tests.size(), "5 vectors in each of the 4 suite files");
        return tests;
    }

    private static void addSuite(List<DynamicTest> tests, String file, HashToCurveSuite suite, boolean randomOracle) {
        JsonNode doc = Vectors.json(DIR, file);
        assertEquals(randomOracle ? suite.randomOracleId() : suite.nonuniformId(), str(doc, "ciphersuite"));
        byte[] dst = str(doc, "dst").getBytes(StandardCharsets.US_ASCII);
        HashToCurve h2c = HashToCurve.of(suite);
        for (JsonNode v : list(get(doc, "vectors"))) {
            String msg = str(v, "msg");
            tests.add(DynamicTest.dynamicTest(file + " msg=\"" + abbreviate(msg) + "\"", () -> {
                byte[] m = msg.getBytes(StandardCharsets.US_ASCII);
                List<JsonNode> us = list(get(v, "u"));
                BigInteger[] u = h2c.hashToField(m, dst, us.size());
                for (int i = 0; i < us.size(); i++) {
                    assertEquals(new BigInteger(1, hex(us.get(i).textValue())), u[i], "u[" + i + "]");
                }
                ECPoint p = randomOracle ? h2c.hashToCurve(m, dst) : h2c.encodeToCurve(m, dst);
                assertPoint(get(v, "P"), p);
                if (randomOracle) {
                    assertPoint(
                            get(v, "Q0"),
                            h2c.mapToCurve(h2c.curve().fromBigInteger(u[0])).normalize());
                    assertPoint(
                            get(v, "Q1"),
                            h2c.mapToCurve(h2c.curve().fromBigInteger(u[1])).normalize());
                }
            }));
        }
    }

    private static void assertPoint(JsonNode expected, ECPoint actual) {
        assertEquals(
                new BigInteger(1, hex(str(expected, "x"))),
                actual.getAffineXCoord().toBigInteger(),
                "x");
        assertEquals(
                new BigInteger(1, hex(str(expected, "y"))),
                actual.getAffineYCoord().toBigInteger(),
                "y");
    }

    private static String abbreviate(String s) {
        return s.length() > 16 ? s.substring(0, 16) + "…(" + s.length() + ")" : s;
    }

    @TestFactory
    List<DynamicTest> expandMessageXmd() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String file : List.of("expand_message_xmd_SHA256_38.json", "expand_message_xmd_SHA256_256.json")) {
            JsonNode doc = Vectors.json(DIR, file);
            assertEquals("SHA256", str(doc, "hash"));
            byte[] dst = str(doc, "DST").getBytes(StandardCharsets.US_ASCII);
            for (JsonNode t : list(get(doc, "tests"))) {
                String msg = str(t, "msg");
                int len = Integer.decode(str(t, "len_in_bytes"));
                tests.add(DynamicTest.dynamicTest(file + " len=" + len + " msg=\"" + abbreviate(msg) + "\"", () -> {
                    byte[] out = ExpandMessageXmd.SHA256.expand(msg.getBytes(StandardCharsets.US_ASCII), dst, len);
                    assertEquals(str(t, "uniform_bytes"), Vectors.hex(out));
                }));
            }
        }
        assertEquals(20, tests.size(), "10 vectors in each expander file");
        return tests;
    }

    /** The fast custom-curve SSWU agrees with BouncyCastle's generic-curve reference implementation. */
    @Test
    void agreesWithBouncyCastleReference() {
        byte[] dst = "cloister-reference-check".getBytes(StandardCharsets.US_ASCII);
        HashToEllipticCurve ref384 =
                HashToEllipticCurve.getInstance(HashToCurveProfile.P384_XMD_SHA_384, "cloister-reference-check");
        HashToEllipticCurve ref256 =
                HashToEllipticCurve.getInstance(HashToCurveProfile.P256_XMD_SHA_256, "cloister-reference-check");
        for (int i = 0; i < 64; i++) {
            byte[] msg = ("message " + i).getBytes(StandardCharsets.US_ASCII);
            assertSame(
                    ref384.hashToCurve(msg),
                    HashToCurve.of(HashToCurveSuite.P384_XMD_SHA384_SSWU).hashToCurve(msg, dst));
            assertSame(
                    ref256.hashToCurve(msg),
                    HashToCurve.of(HashToCurveSuite.P256_XMD_SHA256_SSWU).hashToCurve(msg, dst));
            assertSame(
                    ref384.encodeToCurve(msg),
                    HashToCurve.of(HashToCurveSuite.P384_XMD_SHA384_SSWU).encodeToCurve(msg, dst));
        }
    }

    private static void assertSame(ECPoint reference, ECPoint fast) {
        ECPoint r = reference.normalize();
        assertEquals(r.getAffineXCoord().toBigInteger(), fast.getAffineXCoord().toBigInteger());
        assertEquals(r.getAffineYCoord().toBigInteger(), fast.getAffineYCoord().toBigInteger());
        assertTrue(fast.isValid());
    }

    @Test
    void expandRejectsOutOfRangeLengths() {
        byte[] dst = "d".getBytes(StandardCharsets.US_ASCII);
        org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> ExpandMessageXmd.SHA256.expand(new byte[0], dst, 0));
        org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> ExpandMessageXmd.SHA256.expand(new byte[0], dst, 255 * 32 + 1));
        org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> ExpandMessageXmd.SHA256.expand(new byte[0], dst, 65536));
    }
}
