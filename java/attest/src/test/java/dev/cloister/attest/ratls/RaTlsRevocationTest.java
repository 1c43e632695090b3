package dev.cloister.attest.ratls;

import static dev.cloister.attest.ratls.RaTlsFixture.RANDOM;
import static dev.cloister.attest.ratls.RaTlsNegativeTest.forging;
import static dev.cloister.attest.ratls.RaTlsNegativeTest.refused;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.RevocationCheck;
import dev.cloister.attest.bundle.EvidenceBundle;
import dev.cloister.attest.sim.SimulatedNvidiaGpu;
import dev.cloister.attest.sim.SimulatedSevSnpPlatform;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Stapled revocation status: the simulated enclave staples AMD's CRL (signed by the simulated ARK) and an OCSP response
 * for its GPU (signed by the simulated GPU CA), and a client under {@link RaTlsPolicy#acceptingReleases} requires both.
 * Each way a staple can be wrong (missing, stale, revoked, signed by someone else) is refused with its reason.
 */
class RaTlsRevocationTest {

    static EnclaveIdentity enclave;

    @BeforeAll
    static void start() {
        enclave = RaTlsFixture.identity(new AttestationMode.PerHandshake());
    }

    @AfterAll
    static void stop() {
        enclave.close();
    }

    /** A server whose real evidence has its staples replaced by {@code crl} and {@code ocsp}. */
    static CertificateIssuer restapling(Optional<EvidenceBundle.Entry> crl, Optional<EvidenceBundle.Entry> ocsp) {
        return forging(r -> {
            RaTlsEvidence e = enclave.forServerHandshake(r).certificate().evidence();
            EvidenceBundle b = e.bundle();
            EvidenceBundle restapled = new EvidenceBundle(
                    b.cpu(),
                    b.cpuEndorsements(),
                    b.gpu(),
                    b.gpuEndorsements(),
                    b.ledgerProofs(),
                    b.gpuRims(),
                    crl,
                    ocsp);
            return enclave.credential(new RaTlsEvidence(restapled, e.gpuFreshness(), e.batch()));
        });
    }

    static EvidenceBundle stapled() throws Exception {
        return enclave.forServerHandshake(new byte[32]).certificate().evidence().bundle();
    }

    static Optional<EvidenceBundle.Entry> crlMadeAt(SimulatedSevSnpPlatform cpu, Instant at, boolean revokeVcek) {
        return Optional.of(EvidenceBundle.crl(cpu.crl(at, false, revokeVcek)));
    }

    static Optional<EvidenceBundle.Entry> ocspMadeAt(SimulatedNvidiaGpu gpu, Instant at, boolean revoked) {
        return Optional.of(EvidenceBundle.ocspResponses(List.of(gpu.ocspResponse(at, revoked))));
    }

    static void refusedCpu(CertificateIssuer server, String reason) throws Exception {
        RaTlsException x =
                refused(RaTlsFixture.client(RaTlsFixture.policy()), server, RaTlsException.Reason.CPU_EVIDENCE_REFUSED);
        assertTrue(x.getMessage().contains(reason), x.getMessage());
        assertTrue(x.getMessage().contains("AMD's CRL"), x.getMessage());
    }

    static void refusedGpu(RaTlsPolicy policy, CertificateIssuer server, String reason) throws Exception {
        RaTlsException x = refused(RaTlsFixture.client(policy), server, RaTlsException.Reason.GPU_EVIDENCE_REFUSED);
        assertTrue(x.getMessage().contains(reason), x.getMessage());
        assertTrue(x.getMessage().contains("OCSP"), x.getMessage());
    }

    @Test
    void theSimulatedEnclaveStaplesBoth() throws Exception {
        EvidenceBundle b = stapled();
        assertTrue(b.cpuCrl().isPresent());
        assertTrue(b.gpuOcsp().isPresent());
        assertTrue(b.gpuOcspResponses().size() == 1);
    }

    @Test
    void aMissingCrlIsRefused() throws Exception {
        refusedCpu(restapling(Optional.empty(), stapled().gpuOcsp()), "none was supplied");
    }

    @Test
    void aStaleCrlIsRefused() throws Exception {
        // Issued 11 days ago (still before its nextUpdate): older than the default 7 days.
        Instant now = Instant.now();
        refusedCpu(
                restapling(
                        crlMadeAt(RaTlsFixture.cpu(), now.minus(Duration.ofDays(10)), false),
                        stapled().gpuOcsp()),
                "stale");
    }

    @Test
    void aCrlThatRevokesTheVcekIsRefused() throws Exception {
        refusedCpu(
                restapling(
                        crlMadeAt(RaTlsFixture.cpu(), Instant.now(), true),
                        stapled().gpuOcsp()),
                "is revoked by AMD's CRL");
    }

    @Test
    void aCrlSignedByAnotherArkIsRefused(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        SimulatedSevSnpPlatform stranger = SimulatedSevSnpPlatform.openOrCreate(dir, Instant.now(), RANDOM);
        refusedCpu(
                restapling(crlMadeAt(stranger, Instant.now(), false), stapled().gpuOcsp()),
                "signature does not verify with the ARK");
    }

    @Test
    void missingOcspResponsesAreRefused() throws Exception {
        refusedGpu(RaTlsFixture.policy(), restapling(stapled().cpuCrl(), Optional.empty()), "none were supplied");
    }

    @Test
    void aStaleOcspResponseIsRefused() throws Exception {
        // Issued 4 days ago and current (its nextUpdate is 3 days ahead), under a policy that allows 2 days.
        RaTlsPolicy twoDays = RaTlsFixture.policy().withRevocation(new RevocationCheck.Required(Duration.ofDays(2)));
        refusedGpu(
                twoDays,
                restapling(
                        crlMadeAt(RaTlsFixture.cpu(), Instant.now(), false),
                        ocspMadeAt(RaTlsFixture.gpu(), Instant.now().minus(Duration.ofDays(3)), false)),
                "stale");
        // A response past its nextUpdate is refused whatever the policy's age.
        refusedGpu(
                RaTlsFixture.policy(),
                restapling(
                        stapled().cpuCrl(),
                        ocspMadeAt(RaTlsFixture.gpu(), Instant.now().minus(Duration.ofDays(10)), false)),
                "not current");
    }

    @Test
    void aRevokedGpuCertificateIsRefused() throws Exception {
        refusedGpu(
                RaTlsFixture.policy(),
                restapling(stapled().cpuCrl(), ocspMadeAt(RaTlsFixture.gpu(), Instant.now(), true)),
                "is revoked (OCSP");
    }

    @Test
    void anOcspResponseSignedByAnotherCaIsRefused(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        SimulatedNvidiaGpu stranger = SimulatedNvidiaGpu.openOrCreate(dir, Instant.now(), RANDOM);
        refusedGpu(
                RaTlsFixture.policy(),
                restapling(stapled().cpuCrl(), ocspMadeAt(stranger, Instant.now(), false)),
                "signature does not verify with the issuer");
    }

    @Test
    void aPolicyThatDoesNotRequireStaplesAcceptsABundleWithout() throws Exception {
        RaTlsPolicy lax = RaTlsFixture.policy().withRevocation(new RevocationCheck.CheckIfSupplied());
        RaTlsConnection c = RaTlsFixture.client(lax).connect();
        RaTlsConnection s = RaTlsFixture.server(restapling(Optional.empty(), Optional.empty()))
                .accept();
        RaTlsFixture.pump(c, s);
        assertTrue(c.isHandshakeComplete());
        // ... and still checks what is supplied: a revoking CRL is refused under it too.
        RaTlsException x = refused(
                RaTlsFixture.client(lax),
                restapling(crlMadeAt(RaTlsFixture.cpu(), Instant.now(), true), Optional.empty()),
                RaTlsException.Reason.CPU_EVIDENCE_REFUSED);
        assertTrue(x.getMessage().contains("revoked"), x.getMessage());
    }
}
