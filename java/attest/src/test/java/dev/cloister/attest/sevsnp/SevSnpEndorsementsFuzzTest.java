package dev.cloister.attest.sevsnp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.attest.AttestationException;

class SevSnpEndorsementsFuzzTest {

    private static final SevSnpSamples.Sample SAMPLE = SevSnpSamples.byName("virtee-sev/report_milan.bin");

    /**
     * Fuzzer-edited VCEK certificates (DER) and ASK/ARK chains (PEM) go through the bounded certificate parsers, the
     * VCEK extension reader and the chain verifier: each is refused with an {@link AttestationException} unless it is
     * the genuine one.
     */
    @FuzzTest
    void mutatedEndorsementsAreRefused(FuzzedDataProvider data) throws Exception {
        byte[] vcek = SAMPLE.signingCert();
        byte[] chain = SAMPLE.askArk();
        boolean editChain = data.consumeBoolean();
        byte[] target = editChain ? chain : vcek;
        int edits = data.consumeInt(1, 6);
        for (int i = 0; i < edits && data.remainingBytes() > 2; i++) {
            target[data.consumeInt(0, target.length - 1)] = data.consumeByte();
        }
        byte[] tail = data.consumeRemainingAsBytes();
        if (tail.length > 0) {
            target = java.util.Arrays.copyOf(target, Math.max(1, target.length - tail.length));
        }
        byte[] v = editChain ? vcek : target;
        byte[] c = editChain ? target : chain;
        try {
            new SevSnpVerifier()
                    .verify(
                            SevSnpSamples.NOW,
                            SAMPLE.evidence(),
                            SevSnpEndorsements.of(v, c),
                            SevSnpRealSamplesTest.INSPECT);
            assertArrayEquals(SAMPLE.signingCert(), v, "a modified VCEK was accepted");
        } catch (AttestationException refused) {
            // expected
        }
    }
}
