package dev.cloister.attest.ratls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;

class RaTlsEvidenceFuzzTest {

    /** Any extension value is refused with an RaTlsException, or decodes to a value whose encoding it is. */
    @FuzzTest
    void decodeIsStrictAndCanonical(byte[] input) {
        try {
            RaTlsEvidence e = RaTlsEvidence.decode(input);
            assertArrayEquals(input, e.encode());
        } catch (RaTlsException refused) {
            // expected for almost every input
        }
    }
}
