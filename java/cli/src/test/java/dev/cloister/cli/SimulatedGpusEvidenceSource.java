package dev.cloister.cli;

import dev.cloister.attest.bundle.EvidenceBundle;
import dev.cloister.attest.ratls.EvidenceSource;
import dev.cloister.attest.ratls.GpuFreshness;
import dev.cloister.attest.ratls.SimulatedEvidenceSource;
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

/**
 * A simulated enclave on several simulated GPUs (test only): CPU reports of {@code measurement} from the simulated
 * SEV-SNP platform, and per call one report per GPU, GPU i's made for {@code freshness.nonce(i)} and stapled with its
 * OCSP response.
 */
final class SimulatedGpusEvidenceSource implements EvidenceSource {

    private final SimulatedEvidenceSource cpu;
    private final List<SimulatedNvidiaGpu> gpus;
    private final Clock clock;
    private final SecureRandom random;

    SimulatedGpusEvidenceSource(
            SimulatedSevSnpPlatform cpu,
            List<SimulatedNvidiaGpu> gpus,
            byte[] measurement,
            Clock clock,
            SecureRandom random) {
        this.cpu = new SimulatedEvidenceSource(
                cpu, Optional.empty(), measurement, Duration.ZERO, Duration.ofMinutes(1), clock, random);
        this.gpus = List.copyOf(gpus);
        this.clock = clock;
        this.random = random;
    }

    @Override
    public Optional<GpuEvidence> currentGpuEvidence() {
        byte[] salt = new byte[GpuFreshness.SALT_LENGTH];
        random.nextBytes(salt);
        GpuFreshness freshness = new GpuFreshness(clock.instant(), Bytes.of(salt));
        List<EvidenceBundle.GpuEntries> all = new ArrayList<>();
        for (int i = 0; i < gpus.size(); i++) {
            all.add(entries(gpus.get(i), freshness.nonce(i)));
        }
        EvidenceBundle.GpuEntries first = all.getFirst();
        return Optional.of(new GpuEvidence(
                first.report(),
                first.endorsements(),
                freshness,
                Optional.empty(),
                first.ocsp(),
                all.subList(1, all.size())));
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
