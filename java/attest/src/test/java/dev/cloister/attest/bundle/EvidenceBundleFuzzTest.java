package dev.cloister.attest.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.attest.AttestationException;

class EvidenceBundleFuzzTest {

    /** Any input is either refused with an AttestationException or is a bundle whose canonical encoding it is. */
    @FuzzTest
    void decodeIsStrictAndCanonical(byte[] input) {
        try {
            EvidenceBundle b = EvidenceBundle.decode(input);
            assertArrayEquals(input, b.encode());
        } catch (AttestationException refused) {
            // expected for almost every input
        }
    }
}
