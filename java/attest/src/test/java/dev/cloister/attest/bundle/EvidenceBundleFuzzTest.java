package dev.cloister.attest.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.attest.AttestationException;

class EvidenceBundleFuzzTest {

    /**
     * Any input is either refused with an AttestationException or is a bundle whose canonical encoding it is; a
     * decoded bundle's GPUs (one to {@link EvidenceBundle#MAX_GPUS}, seed {@code multi-gpu}) are numbered in order,
     * and reading their stapled OCSP responses and RIMs fails only with an AttestationException.
     */
    @FuzzTest
    void decodeIsStrictAndCanonical(byte[] input) {
        EvidenceBundle b;
        try {
            b = EvidenceBundle.decode(input);
        } catch (AttestationException refused) {
            return; // expected for almost every input
        }
        assertArrayEquals(input, b.encode());
        assertTrue(b.gpus().size() <= EvidenceBundle.MAX_GPUS);
        assertEquals(
                b.gpu().isPresent() ? 1 + b.additionalGpus().size() : 0,
                b.gpus().size());
        if (b.gpus().size() == 1) {
            assertArrayEquals(b.gpu().orElseThrow().value().toByteArray(), b.gpuCommitment());
        }
        for (EvidenceBundle.GpuEntries g : b.gpus()) {
            try {
                g.ocspResponses();
            } catch (AttestationException refused) {
                // a malformed stapled entry is refused when it is read
            }
        }
        try {
            b.rimDocuments();
        } catch (AttestationException refused) {
            // likewise
        }
    }
}
