package dev.cloister.attest.ratls;

import dev.cloister.attest.bundle.EvidenceBundle;
import dev.cloister.attest.nvgpu.NvidiaGpuEndorsements;
import dev.cloister.attest.sevsnp.SevSnpEndorsements;
import dev.cloister.attest.sim.SimulatedNvidiaGpu;
import dev.cloister.attest.sim.SimulatedReportRequest;
import dev.cloister.attest.sim.SimulatedSevSnpPlatform;
import dev.cloister.attest.sim.SimulatedTdxPlatform;
import dev.cloister.attest.tdx.TcbStatus;
import dev.cloister.base.Bytes;
import dev.cloister.base.Pem;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An {@link EvidenceSource} over the simulated SEV-SNP or TDX platform and (optionally) the simulated NVIDIA GPU. Proves
 * nothing: only a policy that trusts the simulators' roots accepts its evidence. Like real hardware it produces one CPU
 * report at a time, and it can add a fixed latency per report ({@code reportLatency}) to stand in for the firmware
 * (a TDX quote takes about 39 ms; 20 ms is used for the batching measurements).
 *
 * <p>It staples revocation status as a real enclave does: a CRL in the format of AMD's KDS signed by the simulated ARK
 * (reissued every {@value #CRL_REISSUE_HOURS} hours, as an enclave would fetch KDS's), or on TDX the simulated PCS
 * collateral (TCB info, QE identity, CRLs; reissued on the same schedule), and with each GPU report an OCSP
 * response for the simulated device certificate signed by the simulated GPU's CA.
 */
public final class SimulatedEvidenceSource implements EvidenceSource {

    /** The simulated CPU firmware: SEV-SNP (with its launch digest) or TDX (with its registers). */
    private sealed interface Firmware {}

    private record SevSnpFirmware(SimulatedSevSnpPlatform platform, byte[] measurement) implements Firmware {}

    private record TdxFirmware(SimulatedTdxPlatform platform, SimulatedTdxPlatform.TdRegisters registers)
            implements Firmware {}

    private final Firmware cpu;
    private final Optional<SimulatedNvidiaGpu> gpu;
    private final Duration reportLatency;
    private final Duration gpuRefresh;
    private final Clock clock;
    private final SecureRandom random;
    private final Optional<EvidenceBundle.Entry> cpuEndorsements;
    private final Optional<EvidenceBundle.Entry> gpuEndorsements;
    private final ReentrantLock firmware = new ReentrantLock(true);
    private final ReentrantLock gpuLock = new ReentrantLock();
    private volatile GpuEvidence currentGpu;
    /** How often the stapled CRL is reissued (its thisUpdate is a day before it is made). */
    static final int CRL_REISSUE_HOURS = 12;

    private volatile StapledCrl crl;

    private record StapledCrl(Instant madeAt, EvidenceBundle.Entry entry) {}

    /**
     * @param cpu the simulated SEV-SNP platform
     * @param gpu the simulated GPU, or empty for a CPU-only enclave
     * @param measurement the 48-byte launch digest the simulated firmware reports (the "release")
     * @param reportLatency added to every CPU report, serialized (zero for none)
     * @param gpuRefresh how long a GPU report stays in force before the next one is requested
     */
    public SimulatedEvidenceSource(
            SimulatedSevSnpPlatform cpu,
            Optional<SimulatedNvidiaGpu> gpu,
            byte[] measurement,
            Duration reportLatency,
            Duration gpuRefresh,
            Clock clock,
            SecureRandom random) {
        this(
                new SevSnpFirmware(Objects.requireNonNull(cpu, "cpu"), measurement(measurement)),
                gpu,
                reportLatency,
                gpuRefresh,
                clock,
                random);
    }

    /**
     * A TD on the simulated TDX platform: its quotes carry {@code registers} (the MRTD and RTMRs of the image and host
     * it stands for) and the simulated platform's PCS collateral, reissued every {@value #CRL_REISSUE_HOURS} hours.
     *
     * @param gpu the simulated GPU, or empty for a CPU-only enclave
     */
    public SimulatedEvidenceSource(
            SimulatedTdxPlatform cpu,
            SimulatedTdxPlatform.TdRegisters registers,
            Optional<SimulatedNvidiaGpu> gpu,
            Duration reportLatency,
            Duration gpuRefresh,
            Clock clock,
            SecureRandom random) {
        this(
                new TdxFirmware(Objects.requireNonNull(cpu, "cpu"), Objects.requireNonNull(registers, "registers")),
                gpu,
                reportLatency,
                gpuRefresh,
                clock,
                random);
    }

    private static byte[] measurement(byte[] measurement) {
        if (measurement.length != 48) {
            throw new IllegalArgumentException("measurement is 48 bytes, got " + measurement.length);
        }
        return measurement.clone();
    }

    private SimulatedEvidenceSource(
            Firmware cpu,
            Optional<SimulatedNvidiaGpu> gpu,
            Duration reportLatency,
            Duration gpuRefresh,
            Clock clock,
            SecureRandom random) {
        this.cpu = cpu;
        this.gpu = Objects.requireNonNull(gpu, "gpu");
        this.reportLatency = Objects.requireNonNull(reportLatency, "reportLatency");
        this.gpuRefresh = Objects.requireNonNull(gpuRefresh, "gpuRefresh");
        if (reportLatency.isNegative() || gpuRefresh.isNegative() || gpuRefresh.isZero()) {
            throw new IllegalArgumentException("reportLatency ≥ 0 and gpuRefresh > 0");
        }
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        this.cpuEndorsements = switch (cpu) {
            case SevSnpFirmware f -> {
                SevSnpEndorsements e = f.platform().endorsements();
                StringBuilder pem = new StringBuilder(Pem.encode(Pem.CERTIFICATE, e.signingCertificate()));
                e.chain().forEach(c -> pem.append(Pem.encode(Pem.CERTIFICATE, c)));
                yield Optional.of(new EvidenceBundle.Entry(
                        EvidenceBundle.PEM_CHAIN, Bytes.of(pem.toString().getBytes(StandardCharsets.US_ASCII))));
            }
            case TdxFirmware f -> Optional.empty();
        };
        this.gpuEndorsements = gpu.map(g -> {
            NvidiaGpuEndorsements ge = g.endorsements();
            StringBuilder p = new StringBuilder();
            ge.chain().forEach(c -> p.append(Pem.encode(Pem.CERTIFICATE, c)));
            return new EvidenceBundle.Entry(
                    EvidenceBundle.PEM_CHAIN, Bytes.of(p.toString().getBytes(StandardCharsets.US_ASCII)));
        });
        // Fails here, at start, if the simulated platform's directory predates its ARK key (it cannot sign a CRL).
        this.crl = newCrl(clock.instant());
    }

    /** SEV-SNP: AMD's CRL (stapled as {@code cpu-crl}); TDX: Intel's PCS collateral (as {@code cpu-endorsements}). */
    private StapledCrl newCrl(Instant now) {
        return new StapledCrl(
                now,
                switch (cpu) {
                    case SevSnpFirmware f -> EvidenceBundle.crl(f.platform().crl(now, false, false));
                    case TdxFirmware f ->
                        EvidenceBundle.tdxCollateral(f.platform()
                                .collateral(now, TcbStatus.UP_TO_DATE, false)
                                .parts());
                });
    }

    /** The CRL to staple now, reissued when it is {@value #CRL_REISSUE_HOURS} hours old. */
    private EvidenceBundle.Entry currentCrl() {
        Instant now = clock.instant();
        StapledCrl c = crl;
        if (!now.isBefore(c.madeAt().plus(Duration.ofHours(CRL_REISSUE_HOURS)))) {
            c = newCrl(now);
            crl = c;
        }
        return c.entry();
    }

    @Override
    public Optional<GpuEvidence> currentGpuEvidence() {
        if (gpu.isEmpty()) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        GpuEvidence g = currentGpu;
        if (g != null && now.isBefore(g.freshness().refreshedAt().plus(gpuRefresh))) {
            return Optional.of(g);
        }
        gpuLock.lock();
        try {
            g = currentGpu;
            if (g == null || !now.isBefore(g.freshness().refreshedAt().plus(gpuRefresh))) {
                g = refreshGpu(now);
                currentGpu = g;
            }
            return Optional.of(g);
        } finally {
            gpuLock.unlock();
        }
    }

    /** Requests a new GPU report now (what the refresh schedule does when the current one ages out). */
    public GpuEvidence refreshGpu(Instant now) {
        SimulatedNvidiaGpu g = gpu.orElseThrow(() -> new IllegalStateException("no simulated GPU"));
        byte[] salt = new byte[GpuFreshness.SALT_LENGTH];
        random.nextBytes(salt);
        GpuFreshness freshness = new GpuFreshness(now, Bytes.of(salt));
        byte[][] blocks = new byte[64][48];
        for (int i = 0; i < blocks.length; i++) {
            java.util.Arrays.fill(blocks[i], (byte) (i + 1));
        }
        byte[] report = g.report(freshness.nonce(), blocks, random).report();
        GpuEvidence e = new GpuEvidence(
                new EvidenceBundle.Entry(EvidenceBundle.NVIDIA_SPDM_REPORT, Bytes.of(report)),
                gpuEndorsements.orElseThrow(),
                freshness,
                Optional.empty(),
                Optional.of(EvidenceBundle.ocspResponses(java.util.List.of(g.ocspResponse(now, false)))));
        currentGpu = e;
        return e;
    }

    @Override
    public CpuEvidence cpuReport(byte[] reportData) throws IOException {
        firmware.lock();
        try {
            if (!reportLatency.isZero()) {
                Thread.sleep(reportLatency);
            }
            return switch (cpu) {
                case SevSnpFirmware f -> {
                    byte[] report = f.platform()
                            .report(SimulatedReportRequest.of(reportData, f.measurement()))
                            .report();
                    yield new CpuEvidence(
                            new EvidenceBundle.Entry(EvidenceBundle.SEV_SNP_REPORT, Bytes.of(report)),
                            cpuEndorsements.orElseThrow(),
                            Optional.empty(),
                            Optional.of(currentCrl()));
                }
                case TdxFirmware f -> {
                    byte[] quote = f.platform()
                            .quote(
                                    reportData,
                                    f.registers().mrTd(),
                                    f.registers().rtmrs(),
                                    false)
                            .quote();
                    yield new CpuEvidence(
                            new EvidenceBundle.Entry(EvidenceBundle.TDX_QUOTE, Bytes.of(quote)),
                            currentCrl(),
                            Optional.empty(),
                            Optional.empty());
                }
            };
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the simulated firmware");
        } finally {
            firmware.unlock();
        }
    }

    @Override
    public String toString() {
        return "SimulatedEvidenceSource[" + (cpu instanceof TdxFirmware ? "tdx" : "sev-snp") + ", latency="
                + reportLatency + ", gpu=" + gpu.isPresent() + "]";
    }
}
