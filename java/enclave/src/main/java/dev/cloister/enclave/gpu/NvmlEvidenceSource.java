package dev.cloister.enclave.gpu;

import dev.cloister.attest.bundle.EvidenceBundle;
import dev.cloister.attest.ratls.EvidenceSource;
import dev.cloister.attest.ratls.GpuFreshness;
import dev.cloister.base.Bytes;
import dev.cloister.infer.nvml.GpuCertificate;
import dev.cloister.infer.nvml.Nvml;
import dev.cloister.infer.nvml.NvmlException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An {@link EvidenceSource} whose GPU evidence comes from NVML, after {@link GpuStartGate} passed, and whose CPU
 * reports come from another source (configfs-tsm, or the simulated SEV-SNP platform). Each GPU report is requested
 * with the nonce of a new {@link GpuFreshness}; with a refresh interval of zero every call (every handshake) gets a
 * new report, otherwise one report serves until the interval has passed. The certificate chain is the one the gate
 * verified, and the RIMs the gate matched are stapled to each report ({@code gpu-rims}), so that a client can check
 * they are the ones a logged release names.
 *
 * <p>With several GPUs every GPU the gate attested is served, in NVML's order: at each refresh GPU {@code i}'s report is
 * requested with {@code freshness.nonce(i)} and goes into the bundle with its own certificate chain (and its own OCSP
 * responses), so that a client appraises each GPU and counts them.
 *
 * <p>After {@link GpuStartGate.Mode#INSECURE_CC_OFF} the GPU entry is {@link EvidenceBundle#NVIDIA_CC_OFF}: no report,
 * and every client refuses it.
 */
public final class NvmlEvidenceSource implements EvidenceSource, AutoCloseable {

    static final byte[] CC_OFF_REASON =
            "GPU confidential computing is off (--insecure-gpu-cc-off)".getBytes(StandardCharsets.US_ASCII);

    private final EvidenceSource cpu;
    private final GpuStartGate.Passed gate;
    private final Duration refresh;
    private final Clock clock;
    private final SecureRandom random;
    private final List<Nvml.Device> devices;
    private final List<EvidenceBundle.Entry> endorsements;
    private final Optional<EvidenceBundle.Entry> rims;
    private final List<java.nio.file.Path> ocspFiles;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile GpuEvidence current;
    private volatile Duration lastReportLatency = Duration.ZERO;

    /**
     * @param cpu where CPU reports come from (its own GPU evidence, if any, is not used)
     * @param gate what the start gate passed (its NVML is closed with this source)
     * @param refresh how long a GPU report serves; zero: a new one for every call
     * @param rims the signed RIM documents stapled to every report (the ones the gate matched), or none
     */
    public NvmlEvidenceSource(
            EvidenceSource cpu,
            GpuStartGate.Passed gate,
            Duration refresh,
            List<byte[]> rims,
            Clock clock,
            SecureRandom random) {
        this(cpu, gate, refresh, rims, List.of(), clock, random);
    }

    /**
     * As above, stapling OCSP responses for the GPU's certificate chain to every report ({@code gpu-ocsp}): one DER
     * file per certificate below the root, leaf first, read again for each report so that a job outside the enclave
     * can refresh them from NVIDIA's OCSP service (they are untrusted here: the client checks their signatures and
     * age). A missing or oversized file fails the report. With several GPUs the files are GPU 0's, then GPU 1's, and
     * so on, the same number for each GPU.
     *
     * @param ocspFiles the OCSP response files, leaf first, GPU by GPU; empty: none stapled (clients that require them
     *     refuse)
     */
    public NvmlEvidenceSource(
            EvidenceSource cpu,
            GpuStartGate.Passed gate,
            Duration refresh,
            List<byte[]> rims,
            List<java.nio.file.Path> ocspFiles,
            Clock clock,
            SecureRandom random) {
        this.ocspFiles = List.copyOf(ocspFiles);
        int n = gate.gpus().size();
        if (this.ocspFiles.size() % n != 0 || this.ocspFiles.size() / n > EvidenceBundle.MAX_OCSP_RESPONSES) {
            throw new IllegalArgumentException("the same number of OCSP responses for each of the " + n
                    + " GPU(s), at most " + EvidenceBundle.MAX_OCSP_RESPONSES + " each; got " + ocspFiles.size());
        }
        if (n > EvidenceBundle.MAX_GPUS) {
            throw new IllegalArgumentException(n + " GPUs, at most " + EvidenceBundle.MAX_GPUS + " in one bundle");
        }
        this.rims = rims.isEmpty() ? Optional.empty() : Optional.of(EvidenceBundle.rims(rims));
        this.cpu = Objects.requireNonNull(cpu, "cpu");
        this.gate = Objects.requireNonNull(gate, "gate");
        this.refresh = Objects.requireNonNull(refresh, "refresh");
        if (refresh.isNegative()) {
            throw new IllegalArgumentException("refresh must not be negative");
        }
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        this.devices = gate.gpus().stream().map(GpuStartGate.CheckedGpu::device).toList();
        this.endorsements = gate.gpus().stream()
                .map(g -> new EvidenceBundle.Entry(
                        EvidenceBundle.PEM_CHAIN,
                        g.certificate()
                                .map(GpuCertificate::attestationCertChain)
                                .orElse(Bytes.EMPTY)))
                .toList();
        if (gate.mode() == GpuStartGate.Mode.CONFIDENTIAL
                && gate.gpus().stream().anyMatch(g -> g.certificate().isEmpty())) {
            throw new IllegalArgumentException("a confidential gate result without a GPU's certificate chain");
        }
    }

    @Override
    public Optional<GpuEvidence> currentGpuEvidence() throws IOException {
        Instant now = clock.instant();
        GpuEvidence g = current;
        if (g != null
                && !refresh.isZero()
                && now.isBefore(g.freshness().refreshedAt().plus(refresh))) {
            return Optional.of(g);
        }
        lock.lock();
        try {
            g = current;
            if (g == null
                    || refresh.isZero()
                    || !now.isBefore(g.freshness().refreshedAt().plus(refresh))) {
                g = request(now);
                current = g;
            }
            return Optional.of(g);
        } finally {
            lock.unlock();
        }
    }

    private GpuEvidence request(Instant now) throws IOException {
        byte[] salt = new byte[GpuFreshness.SALT_LENGTH];
        random.nextBytes(salt);
        GpuFreshness freshness = new GpuFreshness(now, Bytes.of(salt));
        if (gate.mode() == GpuStartGate.Mode.INSECURE_CC_OFF) {
            return new GpuEvidence(
                    new EvidenceBundle.Entry(EvidenceBundle.NVIDIA_CC_OFF, Bytes.of(CC_OFF_REASON)),
                    endorsements.getFirst(),
                    freshness);
        }
        long start = System.nanoTime();
        List<EvidenceBundle.GpuEntries> gpus = new java.util.ArrayList<>(devices.size());
        for (int i = 0; i < devices.size(); i++) {
            byte[] report;
            try {
                report = gate.nvml()
                        .attestationReport(devices.get(i), freshness.nonce(i))
                        .report()
                        .toByteArray();
            } catch (NvmlException e) {
                throw new IOException("GPU " + i + " gave no attestation report: " + e.getMessage(), e);
            }
            gpus.add(new EvidenceBundle.GpuEntries(
                    new EvidenceBundle.Entry(EvidenceBundle.NVIDIA_SPDM_REPORT, Bytes.of(report)),
                    endorsements.get(i),
                    stapledOcsp(i)));
        }
        lastReportLatency = Duration.ofNanos(System.nanoTime() - start);
        EvidenceBundle.GpuEntries first = gpus.getFirst();
        return new GpuEvidence(
                first.report(), first.endorsements(), freshness, rims, first.ocsp(), gpus.subList(1, gpus.size()));
    }

    /** GPU {@code gpu}'s share of the OCSP response files, read now. */
    private Optional<EvidenceBundle.Entry> stapledOcsp(int gpu) throws IOException {
        if (ocspFiles.isEmpty()) {
            return Optional.empty();
        }
        int each = ocspFiles.size() / devices.size();
        List<byte[]> responses = new java.util.ArrayList<>();
        for (java.nio.file.Path f : ocspFiles.subList(gpu * each, (gpu + 1) * each)) {
            long size = java.nio.file.Files.size(f);
            if (size > 16 * 1024) {
                throw new IOException("the OCSP response file " + f + " holds " + size + " bytes, more than 16 KiB");
            }
            responses.add(java.nio.file.Files.readAllBytes(f));
        }
        return Optional.of(EvidenceBundle.ocspResponses(responses));
    }

    /** How long the last refresh's NVML attestation report calls took, all GPUs together. */
    public Duration lastReportLatency() {
        return lastReportLatency;
    }

    @Override
    public CpuEvidence cpuReport(byte[] reportData) throws IOException {
        return cpu.cpuReport(reportData);
    }

    @Override
    public void close() throws NvmlException {
        gate.nvml().close();
    }

    @Override
    public String toString() {
        return "NvmlEvidenceSource[" + gate.mode() + ", refresh=" + refresh + ", cpu=" + cpu + "]";
    }
}
