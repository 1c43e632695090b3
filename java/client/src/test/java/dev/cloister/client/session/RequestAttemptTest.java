package dev.cloister.client.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cloister.attest.AttestationResult;
import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.nvgpu.NvidiaGpuEndorsements;
import dev.cloister.attest.nvgpu.NvidiaGpuEvidence;
import dev.cloister.attest.nvgpu.NvidiaGpuPolicy;
import dev.cloister.attest.ratls.RaTlsAttestation;
import dev.cloister.attest.sevsnp.SevSnpEndorsements;
import dev.cloister.attest.sevsnp.SevSnpEvidence;
import dev.cloister.attest.sevsnp.SevSnpPolicy;
import dev.cloister.base.Bytes;
import dev.cloister.client.log.RequestLogEntry;
import dev.cloister.testing.Vectors;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the request log says of the enclave comes from the verified claims, for every GPU. */
class RequestAttemptTest {

    /** When the real Milan report and H100 report both verify. */
    private static final Instant AT = Instant.parse("2026-11-28T00:00:00Z");

    @Test
    void theRequestLogNamesEveryAttestedGpu() throws Exception {
        AttestationVerifier verifier = AttestationVerifier.create();
        AttestationResult cpu = verifier.verify(
                AT,
                SevSnpEvidence.of(Vectors.read(Vectors.file("sev-snp/virtee-sev/report_milan.bin"))),
                SevSnpEndorsements.of(
                        Vectors.read(Vectors.file("sev-snp/virtee-sev/vcek_milan.der")),
                        Vectors.read(Vectors.file("sev-snp/virtee-sev/cert_chain_milan"))),
                SevSnpPolicy.genuineAmd().withSmt(SevSnpPolicy.Smt.ALLOWED));
        AttestationResult gpu = verifier.verify(
                AT,
                NvidiaGpuEvidence.ofHex(new String(
                        Vectors.read(Vectors.file("nvidia-gpu/nvtrust/hopperAttestationReport.txt")),
                        StandardCharsets.US_ASCII)),
                NvidiaGpuEndorsements.ofPem(Vectors.read(Vectors.file("nvidia-gpu/nvtrust/hopperCertChain.txt"))),
                NvidiaGpuPolicy.genuineNvidia());
        // Two GPUs (one real report standing for both: the log reads claims, RA-TLS counts distinct GPUs).
        RaTlsAttestation two = new RaTlsAttestation(cpu, List.of(gpu, gpu), Bytes.of(new byte[32]), AT, 1);
        RequestLogEntry.Enclave enclave = RequestAttempt.describe(two, List.of());
        assertEquals(2, enclave.gpus().size());
        RequestLogEntry.Gpu first = enclave.gpus().getFirst();
        assertEquals("550.90.07", first.driver());
        assertEquals(96, first.fwid().length());
        assertEquals(first, enclave.gpus().get(1));
        assertEquals("sev-snp", enclave.platform());
        RaTlsAttestation cpuOnly = new RaTlsAttestation(cpu, List.of(), Bytes.of(new byte[32]), AT, 1);
        assertEquals(List.of(), RequestAttempt.describe(cpuOnly, List.of()).gpus());
    }
}
