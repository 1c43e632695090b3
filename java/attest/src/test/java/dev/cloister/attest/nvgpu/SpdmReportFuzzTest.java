package dev.cloister.attest.nvgpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.attest.AttestationException;
import java.util.Arrays;

class SpdmReportFuzzTest {

    private static final byte[] REPORT = NvidiaGpuSamples.report();
    private static final NvidiaGpuVerifier VERIFIER = new NvidiaGpuVerifier();
    private static final NvidiaGpuEndorsements CHAIN;

    static {
        try {
            CHAIN = NvidiaGpuEndorsements.ofPem(NvidiaGpuSamples.chainPem());
        } catch (AttestationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The bounded SPDM parser and the GPU verifier on the real H100 report with fuzzer-chosen edits (or on raw fuzzer
     * input): refused with an {@link AttestationException} unless the result is the genuine report, possibly followed
     * by up to 8 zero bytes (which real reports carry and which are not signed).
     */
    @FuzzTest
    void mutatedGpuReportsAreRefused(FuzzedDataProvider data) throws Exception {
        byte[] r;
        if (data.consumeBoolean()) {
            r = data.consumeRemainingAsBytes();
        } else {
            r = REPORT.clone();
            int edits = data.consumeInt(1, 8);
            for (int i = 0; i < edits && data.remainingBytes() > 2; i++) {
                r[data.consumeInt(0, r.length - 1)] = data.consumeByte();
            }
            if (data.consumeBoolean()) {
                r = Arrays.copyOf(r, data.consumeInt(0, r.length + 16));
            }
        }
        try {
            VERIFIER.verify(NvidiaGpuSamples.NOW, NvidiaGpuEvidence.of(r), CHAIN, NvidiaGpuPolicy.genuineNvidia());
            assertArrayEquals(REPORT, Arrays.copyOf(r, REPORT.length), "a modified GPU report was accepted");
            for (int i = REPORT.length; i < r.length; i++) {
                if (r[i] != 0) {
                    throw new AssertionError("non-zero trailing byte accepted");
                }
            }
        } catch (AttestationException refused) {
            // expected
        }
    }
}
