package dev.cloister.enclave.gpu;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.bundle.EvidenceBundle;
import dev.cloister.attest.nvgpu.NvidiaGpuPolicy;
import dev.cloister.attest.nvgpu.NvidiaGpuVerifier;
import dev.cloister.attest.nvgpu.NvidiaRim;
import dev.cloister.attest.ratls.GpuFreshness;
import dev.cloister.base.Bytes;
import dev.cloister.infer.nvml.Nvml;
import dev.cloister.ledger.entry.Digest;
import dev.cloister.ledger.entry.GpuReferenceValue;
import dev.cloister.server.command.UsageException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The enclave's GPU options, checked together: {@code --gpu none|sim|nvml}, {@code --gpus N}, {@code --nvml-library}
 * (tests only), {@code --gpu-rims DIR}, {@code --gpu-refresh} and {@code --insecure-gpu-cc-off}.
 *
 * <p>{@code --nvml-library} loads a library other than the driver's {@link Nvml#DRIVER_LIBRARY} (the fake of the
 * tests). The production image carries the file {@value #PRODUCTION_MARKER_PATH} (its measurement covers it), and where
 * that file exists the option is refused: the measured enclave can only load the driver's NVML.
 *
 * @param kind which GPU evidence
 * @param library the NVML library the gate loads
 * @param refresh how long one GPU report serves (zero: per handshake)
 */
public record GpuStartOptions(
        Kind kind, int gpus, Path library, Optional<Path> rims, Duration refresh, GpuStartGate.Mode mode) {

    public static final String PRODUCTION_MARKER_PATH = "/etc/cloister/production";
    /** Present in the production CVM image: test-only options are refused there. */
    public static final Path PRODUCTION_MARKER = Path.of(PRODUCTION_MARKER_PATH);

    /** Where GPU evidence comes from. */
    public enum Kind {
        NONE,
        SIM,
        NVML
    }

    /**
     * Checks the options (usage errors name the option).
     *
     * @param platform {@code sim} or {@code configfs-tsm}
     * @param gpu {@code --gpu}, or null for the platform's default
     * @param productionMarker where the production marker would be ({@link #PRODUCTION_MARKER})
     */
    public static GpuStartOptions of(
            String platform,
            String gpu,
            int gpus,
            Path nvmlLibrary,
            Path rims,
            Duration refresh,
            boolean insecureCcOff,
            Path productionMarker) {
        Kind kind;
        if (gpu == null) {
            kind = platform.equals("sim") ? Kind.SIM : Kind.NONE;
        } else {
            kind = switch (gpu) {
                case "none" -> Kind.NONE;
                case "sim" -> Kind.SIM;
                case "nvml" -> Kind.NVML;
                default -> throw new UsageException("--gpu " + gpu, "must be none, sim or nvml");
            };
        }
        if (kind == Kind.SIM && !platform.equals("sim")) {
            throw new UsageException("--gpu sim", "needs --platform sim (a simulated GPU proves nothing)");
        }
        if (kind != Kind.NVML && (nvmlLibrary != null || rims != null || insecureCcOff || gpus != 1)) {
            throw new UsageException(
                    "--gpus, --nvml-library, --gpu-rims, --insecure-gpu-cc-off", "only go with --gpu nvml");
        }
        if (gpus < 1 || gpus > EvidenceBundle.MAX_GPUS) {
            throw new UsageException(
                    "--gpus " + gpus, "must be between 1 and " + EvidenceBundle.MAX_GPUS + " (one evidence bundle)");
        }
        if (refresh == null || refresh.isNegative()) {
            throw new UsageException("--gpu-refresh " + refresh, "must be zero or positive");
        }
        if (nvmlLibrary != null && Files.exists(productionMarker)) {
            throw new UsageException(
                    "--nvml-library " + nvmlLibrary,
                    "is for tests only and this is a production image (" + productionMarker + " exists)");
        }
        return new GpuStartOptions(
                kind,
                gpus,
                nvmlLibrary != null ? nvmlLibrary : Nvml.DRIVER_LIBRARY,
                Optional.ofNullable(rims),
                refresh,
                insecureCcOff ? GpuStartGate.Mode.INSECURE_CC_OFF : GpuStartGate.Mode.CONFIDENTIAL);
    }

    /**
     * With {@code --gpu nvml}, runs the start gate (blocking); otherwise nothing. The CPU TEE is SEV-SNP: the only
     * CPU evidence the bundle carries, from configfs-tsm or the simulated platform.
     */
    public Optional<GpuStartGate.Passed> runGate(Clock clock, SecureRandom random, Consumer<String> log)
            throws GpuGateRefusal {
        if (kind != Kind.NVML) {
            return Optional.empty();
        }
        NvidiaGpuPolicy policy = NvidiaGpuPolicy.genuineNvidia();
        if (rims.isPresent()) {
            try {
                // As clients require: RIMs for both the driver and the VBIOS, each matching.
                policy = policy.withMeasurements(
                        new NvidiaGpuPolicy.MatchDriverAndVbiosRims(readRims(rims.get(), clock)));
            } catch (AttestationException | IOException | IllegalArgumentException e) {
                throw new GpuGateRefusal(
                        GpuStartGate.Step.SELF_ATTESTATION,
                        "the RIMs of --gpu-rims are unusable: " + e.getMessage(),
                        e);
            }
        }
        GpuStartGate gate = new GpuStartGate(
                new GpuStartGate.Requirements(gpus, GpuStartGate.CpuTee.SEV_SNP, mode, policy),
                new NvidiaGpuVerifier(),
                () -> {
                    byte[] salt = new byte[GpuFreshness.SALT_LENGTH];
                    random.nextBytes(salt);
                    return new GpuFreshness(clock.instant(), dev.cloister.base.Bytes.of(salt));
                },
                clock,
                log);
        return Optional.of(gate.run(library));
    }

    /**
     * What the release published in the ledger names for this GPU: the SHA-384 digests of the driver RIM and the VBIOS
     * RIM the gate matched (by version), with the GPU's architecture as its model; empty without {@code --gpu-rims}.
     */
    public Optional<GpuReferenceValue> referenceValue(GpuStartGate.Passed gate, Clock clock)
            throws IOException, AttestationException {
        if (rims.isEmpty() || gate.mode() != GpuStartGate.Mode.CONFIDENTIAL) {
            return Optional.empty();
        }
        var claims = gate.gpus().getFirst().claims().orElseThrow();
        Digest driver = null;
        Digest vbios = null;
        for (byte[] xml : readRimDocuments(rims.get())) {
            NvidiaRim rim = NvidiaRim.verify(clock.instant(), xml);
            Digest d = new Digest(Digest.Algorithm.SHA_384, Bytes.of(sha384(xml)));
            if (rim.colloquialVersion().equalsIgnoreCase(String.valueOf(claims.driverVersion()))) {
                driver = d;
            } else if (rim.colloquialVersion().equalsIgnoreCase(String.valueOf(claims.vbiosVersion()))) {
                vbios = d;
            }
        }
        if (driver == null || vbios == null) {
            throw new AttestationException("--gpu-rims lacks the driver or the VBIOS RIM of the attested GPU");
        }
        return Optional.of(
                new GpuReferenceValue(gate.gpus().getFirst().architecture().name(), driver, vbios));
    }

    private static byte[] sha384(byte[] data) {
        try {
            return java.security.MessageDigest.getInstance("SHA-384").digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The signed RIM documents of {@code --gpu-rims} (none without it), for the evidence to staple. */
    public List<byte[]> rimDocuments() throws IOException, AttestationException {
        return rims.isPresent() ? readRimDocuments(rims.get()) : List.of();
    }

    static List<NvidiaRim> readRims(Path dir, Clock clock) throws IOException, AttestationException {
        List<NvidiaRim> out = new ArrayList<>();
        for (byte[] xml : readRimDocuments(dir)) {
            out.add(NvidiaRim.verify(clock.instant(), xml));
        }
        return out;
    }

    static List<byte[]> readRimDocuments(Path dir) throws IOException, AttestationException {
        List<byte[]> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p ->
                            p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".swidtag"))
                    .sorted()
                    .limit(EvidenceBundle.MAX_RIMS + 1)
                    .toList()) {
                byte[] xml;
                try (InputStream in = Files.newInputStream(f)) {
                    xml = in.readNBytes(NvidiaRim.MAX_RIM_BYTES + 1);
                }
                if (xml.length > NvidiaRim.MAX_RIM_BYTES) {
                    throw new AttestationException(f + " is larger than " + NvidiaRim.MAX_RIM_BYTES + " bytes");
                }
                out.add(xml);
            }
        }
        if (out.isEmpty() || out.size() > EvidenceBundle.MAX_RIMS) {
            throw new AttestationException(
                    dir + " holds " + out.size() + " *.swidtag; 1 to " + EvidenceBundle.MAX_RIMS + " are stapled");
        }
        return out;
    }
}
