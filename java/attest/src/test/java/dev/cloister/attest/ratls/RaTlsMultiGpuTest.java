package dev.cloister.attest.ratls;

import static dev.cloister.attest.ratls.RaTlsFixture.RANDOM;
import static dev.cloister.attest.ratls.RaTlsFixture.RELEASE;
import static dev.cloister.attest.ratls.RaTlsFixture.pump;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.bundle.EvidenceBundle;
import dev.cloister.attest.nvgpu.NvidiaGpuClaims;
import dev.cloister.attest.nvgpu.NvidiaGpuPolicy;
import dev.cloister.attest.sim.SimulatedNvidiaGpu;
import dev.cloister.testing.Vectors;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A multi-GPU enclave: every GPU's report in the bundle, each with its own nonce and chain; the client requires exactly
 * the release's GPU count of distinct GPUs, each passing, and refuses a missing, extra, duplicated or failing GPU,
 * each with its reason.
 */
class RaTlsMultiGpuTest {

    static SimulatedNvidiaGpu first;
    static SimulatedNvidiaGpu second;
    static SimulatedNvidiaGpu third;

    @BeforeAll
    static void gpus() throws IOException {
        first = RaTlsFixture.gpu();
        second = SimulatedNvidiaGpu.openOrCreate(Path.of("target", "ratls-sim-gpu-2"), Instant.now(), RANDOM);
        third = SimulatedNvidiaGpu.openOrCreate(Path.of("target", "ratls-sim-gpu-3"), Instant.now(), RANDOM);
    }

    /** Accepts {@link RaTlsFixture#RELEASE} with exactly {@code gpus} GPUs under the simulated roots of {@code roots}. */
    static RaTlsPolicy policy(int gpus, SimulatedNvidiaGpu... roots) {
        NvidiaGpuPolicy gpu = NvidiaGpuPolicy.genuineNvidia()
                .withTrustedRoots(java.util.Arrays.stream(roots)
                        .map(SimulatedNvidiaGpu::root)
                        .toList());
        return RaTlsPolicy.acceptingReleases(
                RaTlsFixture.simulatedCpu(),
                List.of(RELEASE),
                new RaTlsPolicy.RequireGpu(gpu, Duration.ofMinutes(5)).withGpus(gpus));
    }

    static EnclaveIdentity enclave(EvidenceSource source) {
        return RaTlsFixture.perHandshake(source);
    }

    static RaTlsException refusedBy(RaTlsPolicy policy, CertificateIssuer server) throws Exception {
        return RaTlsNegativeTest.refused(
                RaTlsFixture.client(policy), server, RaTlsException.Reason.GPU_EVIDENCE_REFUSED);
    }

    static void assertReason(RaTlsException x, String reason) {
        assertTrue(x.getMessage().contains(reason), () -> "expected \"" + reason + "\" in: " + x.getMessage());
    }

    @Test
    void twoDistinctGpusEachWithItsOwnNonceAreAccepted() throws Exception {
        try (EnclaveIdentity enclave = enclave(new SimulatedMultiGpuSource(List.of(first, second)))) {
            RaTlsConnection c = RaTlsFixture.client(policy(2, first, second)).connect();
            RaTlsConnection s = RaTlsFixture.server(enclave).accept();
            pump(c, s);
            assertTrue(c.isHandshakeComplete());
            RaTlsAttestation peer = c.peer().orElseThrow();
            assertEquals(2, peer.gpus().size());
            NvidiaGpuClaims gpu0 = (NvidiaGpuClaims) peer.gpus().get(0).claims();
            NvidiaGpuClaims gpu1 = (NvidiaGpuClaims) peer.gpus().get(1).claims();
            assertFalse(java.util.Arrays.equals(gpu0.nonce(), gpu1.nonce()), "each GPU has its own nonce");
            assertTrue(peer.toJsonMap().containsKey("additional_gpus"));
            // Three GPUs, three roots: as many as the release says, in order.
            try (EnclaveIdentity three = enclave(new SimulatedMultiGpuSource(List.of(first, second, third)))) {
                RaTlsConnection c3 =
                        RaTlsFixture.client(policy(3, first, second, third)).connect();
                RaTlsConnection s3 = RaTlsFixture.server(three).accept();
                pump(c3, s3);
                assertEquals(3, c3.peer().orElseThrow().gpus().size());
            }
        }
    }

    @Test
    void fewerGpusThanTheReleaseSaysIsRefused() throws Exception {
        try (EnclaveIdentity enclave = enclave(new SimulatedMultiGpuSource(List.of(first, second)))) {
            assertReason(
                    refusedBy(policy(3, first, second, third), enclave),
                    "evidence of 2 GPU(s), the policy requires exactly 3");
        }
        // A one-GPU enclave where the release runs on two.
        try (EnclaveIdentity one = enclave(new SimulatedMultiGpuSource(List.of(first)))) {
            assertReason(
                    refusedBy(policy(2, first, second), one), "evidence of 1 GPU(s), the policy requires exactly 2");
        }
    }

    @Test
    void moreGpusThanTheReleaseSaysIsRefused() throws Exception {
        try (EnclaveIdentity enclave = enclave(new SimulatedMultiGpuSource(List.of(first, second)))) {
            // The default requirement is one GPU: a client of a one-GPU release refuses a two-GPU enclave.
            assertReason(refusedBy(policy(1, first, second), enclave), "the policy requires exactly 1");
        }
    }

    @Test
    void aGpuDroppedFromTheBundleBreaksTheBinding() throws Exception {
        try (EnclaveIdentity enclave = enclave(new SimulatedMultiGpuSource(List.of(first, second)))) {
            RaTlsNegativeTest.refused(
                    RaTlsFixture.client(policy(1, first, second)),
                    RaTlsNegativeTest.forging(r -> {
                        RaTlsEvidence e =
                                enclave.forServerHandshake(r).certificate().evidence();
                        EvidenceBundle b = e.bundle();
                        EvidenceBundle firstOnly = new EvidenceBundle(
                                b.cpu(),
                                b.cpuEndorsements(),
                                b.gpu(),
                                b.gpuEndorsements(),
                                b.ledgerProofs(),
                                b.gpuRims(),
                                b.cpuCrl(),
                                b.gpuOcsp());
                        return enclave.credential(new RaTlsEvidence(firstOnly, e.gpuFreshness(), e.batch()));
                    }),
                    RaTlsException.Reason.BINDING_MISMATCH);
        }
    }

    @Test
    void theSameGpuCountedTwiceIsRefused() throws Exception {
        // Two reports of one GPU, each with its own nonce: valid one by one, but one GPU.
        try (EnclaveIdentity enclave = enclave(new SimulatedMultiGpuSource(List.of(first, first)))) {
            RaTlsException x = refusedBy(policy(2, first), enclave);
            assertReason(x, "GPU 0 and GPU 1 are the same GPU: the same attestation key");
        }
    }

    @Test
    void oneGpuFailingRefusesTheEnclave() throws Exception {
        // GPU 1 chains to a root the policy does not trust.
        try (EnclaveIdentity enclave = enclave(new SimulatedMultiGpuSource(List.of(first, second)))) {
            assertReason(refusedBy(policy(2, first), enclave), "of GPU 1 of 2");
        }
        // GPU 1's report carries GPU 0's nonce (one report made to stand for another GPU's).
        try (EnclaveIdentity enclave =
                enclave(new SimulatedMultiGpuSource(List.of(first, second), i -> 0, Clock.systemUTC()))) {
            RaTlsException x = refusedBy(policy(2, first, second), enclave);
            assertReason(x, "of GPU 1 of 2");
            assertReason(x, "nonce");
        }
    }

    @Test
    void theCountIsThatOfTheReleaseTheCpuReportMeasured() throws Exception {
        RaTlsPolicy base = policy(1, first, second);
        RaTlsPolicy.RequireGpu gpu = (RaTlsPolicy.RequireGpu) base.gpu();
        try (EnclaveIdentity enclave = enclave(new SimulatedMultiGpuSource(List.of(first, second)))) {
            // The measured release runs on two GPUs; another release (another measurement) on one.
            RaTlsPolicy byRelease = base.withGpu(gpu.withGpus(RaTlsPolicy.ByRelease.ofSevSnp(java.util.Map.of(
                    dev.cloister.base.Bytes.of(RELEASE), 2,
                    dev.cloister.base.Bytes.of(RaTlsFixture.OTHER_RELEASE), 1))));
            RaTlsConnection c = RaTlsFixture.client(byRelease).connect();
            RaTlsConnection s = RaTlsFixture.server(enclave).accept();
            pump(c, s);
            assertTrue(c.isHandshakeComplete());
            RaTlsPolicy oneGpuRelease = base.withGpu(gpu.withGpus(
                    RaTlsPolicy.ByRelease.ofSevSnp(java.util.Map.of(dev.cloister.base.Bytes.of(RELEASE), 1))));
            assertReason(refusedBy(oneGpuRelease, enclave), "the policy requires exactly 1 (the release's GPU count)");
            RaTlsPolicy noCount = base.withGpu(gpu.withGpus(RaTlsPolicy.ByRelease.ofSevSnp(
                    java.util.Map.of(dev.cloister.base.Bytes.of(RaTlsFixture.OTHER_RELEASE), 2))));
            assertReason(refusedBy(noCount, enclave), "no logged release gives the GPU count");
        }
    }

    @Test
    void theFuzzSeedIsAMultiGpuExtension() throws Exception {
        byte[] seed = Vectors.read(Path.of("src/test/resources/dev/cloister/attest/ratls/RaTlsEvidenceFuzzTestInputs/"
                + "decodeIsStrictAndCanonical/multi-gpu"));
        RaTlsEvidence e = RaTlsEvidence.decode(seed);
        assertArrayEquals(seed, e.encode());
        assertEquals(2, e.bundle().gpus().size());
        assertEquals(
                Instant.parse("2026-12-01T00:00:00Z"),
                e.gpuFreshness().orElseThrow().refreshedAt());
        assertEquals(Optional.empty(), e.batch());
    }

    @Test
    void eachGpuHasItsOwnNonceAndGpuZeroKeepsTheOneGpuNonce() {
        GpuFreshness f =
                new GpuFreshness(Instant.parse("2026-12-01T00:00:00Z"), dev.cloister.base.Bytes.of(new byte[32]));
        assertArrayEquals(f.nonce(), f.nonce(0));
        java.util.Set<String> distinct = new java.util.HashSet<>();
        for (int i = 0; i < EvidenceBundle.MAX_GPUS; i++) {
            distinct.add(dev.cloister.base.Hex.format(f.nonce(i)));
        }
        assertEquals(EvidenceBundle.MAX_GPUS, distinct.size());
    }
}
