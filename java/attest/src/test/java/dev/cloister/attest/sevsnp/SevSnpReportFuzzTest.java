package dev.cloister.attest.sevsnp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.attest.AttestationException;

class SevSnpReportFuzzTest {

    private static final SevSnpSamples.Sample SAMPLE = SevSnpSamples.byName("virtee-sev/report_milan.bin");
    private static final SevSnpVerifier VERIFIER = new SevSnpVerifier();

    /**
     * A real report with fuzzer-chosen bytes written over it (or a whole fuzzer-chosen input): the verifier either
     * refuses it with an {@link AttestationException} or it is byte-identical to the genuine report. Nothing else
     * (no other exception, no hang) is acceptable.
     */
    @FuzzTest
    void mutatedReportsAreRefused(FuzzedDataProvider data) throws Exception {
        byte[] report;
        if (data.consumeBoolean()) {
            report = data.consumeRemainingAsBytes();
        } else {
            report = SAMPLE.report();
            int edits = data.consumeInt(1, 8);
            for (int i = 0; i < edits && data.remainingBytes() > 2; i++) {
                int at = data.consumeInt(0, report.length - 1);
                report[at] = data.consumeByte();
            }
            if (data.consumeBoolean()) {
                report = java.util.Arrays.copyOf(report, data.consumeInt(0, 2 * AttestationReport.SIZE));
            }
        }
        try {
            VERIFIER.verify(
                    SevSnpSamples.NOW, SevSnpEvidence.of(report), SAMPLE.endorsements(), SevSnpRealSamplesTest.INSPECT);
            assertArrayEquals(SAMPLE.report(), report, "a modified report was accepted");
        } catch (AttestationException refused) {
            // expected for every modified report
        }
    }
}
