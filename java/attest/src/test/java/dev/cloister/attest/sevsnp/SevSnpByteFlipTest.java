package dev.cloister.attest.sevsnp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Flips one bit of every byte of each real report in turn (2 × 1184 verifications; bit 0 of even bytes, bit 7 of odd
 * ones) and of every byte of one VCEK certificate (1360), and requires that every copy is refused. No byte of the report is outside the
 * verified region: [0, 0x2A0) is signed, the low 48 bytes of R and S are the signature, and their padding and the
 * rest of the SIGNATURE field must be zero. The policy used accepts the genuine sample (debug inspection allowed), so
 * a refusal is due to the flip alone. The ASK/ARK are sampled (every 16th byte) as each flip costs an RSA-4096 check.
 */
class SevSnpByteFlipTest {

    static List<SevSnpSamples.Sample> samples() {
        return SevSnpSamples.all();
    }

    @ParameterizedTest
    @MethodSource("samples")
    void everyFlippedReportByteIsRefused(SevSnpSamples.Sample s) throws Exception {
        SevSnpVerifier v = new SevSnpVerifier();
        SevSnpEndorsements endorsements = s.endorsements();
        v.verify(SevSnpSamples.NOW, s.evidence(), endorsements, SevSnpRealSamplesTest.INSPECT);
        byte[] report = s.report();
        List<String> accepted = new ArrayList<>();
        for (int i = 0; i < report.length; i++) {
            for (int mask : new int[] {i % 2 == 0 ? 0x01 : 0x80}) {
                report[i] ^= (byte) mask;
                try {
                    v.verify(SevSnpSamples.NOW, SevSnpEvidence.of(report), endorsements, SevSnpRealSamplesTest.INSPECT);
                    accepted.add(String.format("0x%03x^%02x", i, mask));
                } catch (AttestationException expected) {
                    // refused, as it must be
                }
                report[i] ^= (byte) mask;
            }
        }
        assertEquals(List.of(), accepted, "flipped report bytes that were accepted");
        assertEquals(1, v.chains().cachedChains());
    }

    @org.junit.jupiter.api.Test
    void everyFlippedVcekByteIsRefused() throws Exception {
        // One VCEK suffices: both have the same structure (KDS issues them from one template).
        SevSnpSamples.Sample s = SevSnpSamples.byName("virtee-sev/report_milan.bin");
        byte[] vcek = s.signingCert();
        byte[] chain = s.askArk();
        SevSnpVerifier v = new SevSnpVerifier();
        List<Integer> accepted = new ArrayList<>();
        for (int i = 0; i < vcek.length; i++) {
            vcek[i] ^= 1;
            try {
                v.verify(
                        SevSnpSamples.NOW,
                        s.evidence(),
                        SevSnpEndorsements.of(vcek, chain),
                        SevSnpRealSamplesTest.INSPECT);
                accepted.add(i);
            } catch (AttestationException expected) {
                // refused
            }
            vcek[i] ^= 1;
            v.chains().clear();
        }
        assertEquals(List.of(), accepted, "flipped VCEK bytes that were accepted");
    }

    @org.junit.jupiter.api.Test
    void sampledFlippedAskAndArkBytesAreRefused() throws Exception {
        SevSnpSamples.Sample s = SevSnpSamples.byName("virtee-sev/report_milan.bin");
        AmdRoots.Bundled b = AmdRoots.bundled(ProductLine.MILAN);
        SevSnpVerifier v = new SevSnpVerifier();
        for (boolean ark : new boolean[] {false, true}) {
            byte[] der = (ark ? b.arkDer() : b.askDer()).toByteArray();
            for (int i = 0; i < der.length; i += 16) {
                der[i] ^= 1;
                byte[] askDer = ark ? b.askDer().toByteArray() : der;
                byte[] arkDer = ark ? der : b.arkDer().toByteArray();
                String pem = pem(askDer) + pem(arkDer);
                assertThrows(
                        AttestationException.class,
                        () -> v.verify(
                                SevSnpSamples.NOW,
                                s.evidence(),
                                SevSnpEndorsements.of(s.signingCert(), pem.getBytes()),
                                SevSnpRealSamplesTest.INSPECT),
                        (ark ? "ARK" : "ASK") + " byte " + i);
                der[i] ^= 1;
            }
        }
        assertTrue(v.chains().cachedChains() == 0);
    }

    private static String pem(byte[] der) {
        return "-----BEGIN CERTIFICATE-----\n"
                + java.util.Base64.getMimeEncoder().encodeToString(der) + "\n-----END CERTIFICATE-----\n";
    }
}
