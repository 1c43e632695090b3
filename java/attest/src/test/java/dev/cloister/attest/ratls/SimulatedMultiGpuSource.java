package dev.cloister.attest.ratls;

import dev.cloister.attest.bundle.EvidenceBundle;
import dev.cloister.attest.sim.SimulatedNvidiaGpu;
import dev.cloister.attest.sim.SimulatedSevSnpPlatform;
import dev.cloister.base.Bytes;
import dev.cloister.base.Pem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.IntUnaryOperator;

/**
 * A simulated enclave with several simulated GPUs (test only; in the test jar, which the CLI's tests use too): CPU
 * reports from the simulated SEV-SNP platform, and for each refresh one report per GPU, GPU i's requested with
 * {@code freshness.nonce(nonceOf(i))} and stapled with its OCSP response. The same simulated GPU may appear twice (a
 * duplicate), and {@code nonceOf} may give two GPUs the same nonce, so that tests can build what a dishonest host would
 * serve.
 */
public final class SimulatedMultiGpuSource implements EvidenceSource {

    private final SimulatedEvidenceSource cpu;
    private final List<SimulatedNvidiaGpu> gpus;
    private final IntUnaryOperator nonceOf;
    private final Clock clock;
    private final Optional<EvidenceBundle.Entry> rims;
    private final SecureRandom random;

    SimulatedMultiGpuSource(List<SimulatedNvidiaGpu> gpus, IntUnaryOperator nonceOf, Clock clock) {
        this(
                new SimulatedEvidenceSource(
                        RaTlsFixture.cpu(),
                        Optional.empty(),
                        RaTlsFixture.RELEASE,
                        Duration.ZERO,
                        Duration.ofMinutes(1),
                        clock,
                        RaTlsFixture.RANDOM),
                gpus,
                nonceOf,
                clock,
                Optional.empty(),
                RaTlsFixture.RANDOM);
    }

    /**
     * An honest enclave: CPU reports of {@code measurement} from {@code cpu}, GPU i's report for
     * {@code freshness.nonce(i)}, nothing stapled as {@code gpu-rims}.
     */
    public static SimulatedMultiGpuSource onSevSnp(
            SimulatedSevSnpPlatform cpu,
            List<SimulatedNvidiaGpu> gpus,
            byte[] measurement,
            Clock clock,
            SecureRandom random) {
        return new SimulatedMultiGpuSource(
                new SimulatedEvidenceSource(
                        cpu, Optional.empty(), measurement, Duration.ZERO, Duration.ofMinutes(1), clock, random),
                gpus,
                i -> i,
                clock,
                Optional.empty(),
                random);
    }

    /**
     * CPU reports from {@code cpu} (e.g. the simulated TDX platform, made without a GPU), these GPUs, and
     * {@code rims} stapled as {@code gpu-rims}.
     */
    SimulatedMultiGpuSource(
            SimulatedEvidenceSource cpu,
            List<SimulatedNvidiaGpu> gpus,
            IntUnaryOperator nonceOf,
            Clock clock,
            Optional<EvidenceBundle.Entry> rims) {
        this(cpu, gpus, nonceOf, clock, rims, RaTlsFixture.RANDOM);
    }

    private SimulatedMultiGpuSource(
            SimulatedEvidenceSource cpu,
            List<SimulatedNvidiaGpu> gpus,
            IntUnaryOperator nonceOf,
            Clock clock,
            Optional<EvidenceBundle.Entry> rims,
            SecureRandom random) {
        this.cpu = cpu;
        this.gpus = List.copyOf(gpus);
        this.nonceOf = nonceOf;
        this.clock = clock;
        this.rims = rims;
        this.random = random;
    }

    SimulatedMultiGpuSource(List<SimulatedNvidiaGpu> gpus) {
        this(gpus, i -> i, Clock.systemUTC());
    }

    @Override
    public Optional<GpuEvidence> currentGpuEvidence() {
        byte[] salt = new byte[GpuFreshness.SALT_LENGTH];
        random.nextBytes(salt);
        GpuFreshness freshness = new GpuFreshness(clock.instant(), Bytes.of(salt));
        List<EvidenceBundle.GpuEntries> all = new ArrayList<>();
        for (int i = 0; i < gpus.size(); i++) {
            all.add(entries(gpus.get(i), freshness.nonce(nonceOf.applyAsInt(i))));
        }
        EvidenceBundle.GpuEntries first = all.getFirst();
        return Optional.of(new GpuEvidence(
                first.report(), first.endorsements(), freshness, rims, first.ocsp(), all.subList(1, all.size())));
    }

    private EvidenceBundle.GpuEntries entries(SimulatedNvidiaGpu g, byte[] nonce) {
        byte[][] blocks = new byte[64][48];
        for (int b = 0; b < blocks.length; b++) {
            Arrays.fill(blocks[b], (byte) (b + 1));
        }
        StringBuilder pem = new StringBuilder();
        g.endorsements().chain().forEach(c -> pem.append(Pem.encode(Pem.CERTIFICATE, c)));
        return new EvidenceBundle.GpuEntries(
                new EvidenceBundle.Entry(
                        EvidenceBundle.NVIDIA_SPDM_REPORT,
                        Bytes.of(g.report(nonce, blocks, random).report())),
                new EvidenceBundle.Entry(
                        EvidenceBundle.PEM_CHAIN, Bytes.of(pem.toString().getBytes(StandardCharsets.US_ASCII))),
                Optional.of(EvidenceBundle.ocspResponses(List.of(g.ocspResponse(clock.instant(), false)))));
    }

    @Override
    public CpuEvidence cpuReport(byte[] reportData) throws IOException {
        return cpu.cpuReport(reportData);
    }
}
