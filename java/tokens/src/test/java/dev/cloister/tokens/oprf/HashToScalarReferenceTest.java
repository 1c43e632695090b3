package dev.cloister.tokens.oprf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.hash2curve.OPRFHashToScalar;
import org.junit.jupiter.api.Test;

/**
 * HashToScalar (RFC 9497 §4.3, §4.4) agrees with BouncyCastle's {@code OPRFHashToScalar}, an independent
 * implementation; the RFC vectors (DeriveKeyPair, proofs) already pin it down.
 */
class HashToScalarReferenceTest {

    @Test
    void agreesWithBouncyCastle() {
        for (OprfSuite suite : OprfSuite.values()) {
            Group g = suite.group();
            OPRFHashToScalar reference = suite == OprfSuite.P384_SHA384
                    ? new OPRFHashToScalar(g.curve(), new SHA384Digest(), 192)
                    : new OPRFHashToScalar(g.curve(), new SHA256Digest(), 128);
            for (int i = 0; i < 50; i++) {
                byte[] input = ("input " + i).getBytes(StandardCharsets.US_ASCII);
                byte[] dst = ("HashToScalar-test-" + i).getBytes(StandardCharsets.US_ASCII);
                assertEquals(reference.process(input, dst), g.hashToScalar(input, dst), suite + " #" + i);
            }
        }
    }
}
