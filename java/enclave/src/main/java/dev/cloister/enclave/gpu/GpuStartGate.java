package dev.cloister.enclave.gpu;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.ReferenceValue;
import dev.cloister.attest.bundle.EvidenceBundle;
import dev.cloister.attest.nvgpu.NvidiaGpuClaims;
import dev.cloister.attest.nvgpu.NvidiaGpuEndorsements;
import dev.cloister.attest.nvgpu.NvidiaGpuEvidence;
import dev.cloister.attest.nvgpu.NvidiaGpuIdentity;
import dev.cloister.attest.nvgpu.NvidiaGpuPolicy;
import dev.cloister.attest.nvgpu.NvidiaGpuVerifier;
import dev.cloister.attest.ratls.GpuFreshness;
import dev.cloister.infer.nvml.ConfCompute;
import dev.cloister.infer.nvml.DeviceArchitecture;
import dev.cloister.infer.nvml.GpuAttestationReport;
import dev.cloister.infer.nvml.GpuCertificate;
import dev.cloister.infer.nvml.Nvml;
import dev.cloister.infer.nvml.NvmlException;
import dev.cloister.infer.nvml.NvmlReturn;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What the enclave checks before it uses a GPU (issue 17), in order, each step refusing with its own reason: NVML
 * loads; the confidential-computing settings say production, CC on, developer tools off, multi-GPU mode none; the
 * driver found the CPU TEE the enclave runs in and CC-capable GPUs; exactly the expected number of Hopper or Blackwell
 * GPUs, each with protected memory and its own UUID; each GPU attests itself (a fresh nonce, its report and
 * certificate chain, appraised by {@link NvidiaGpuVerifier} under the enclave's policy, with RIMs when the release
 * names them), and no two GPUs are the same GPU ({@link NvidiaGpuIdentity}); and only
 * then the GPUs are set to accept work, and the state read back. Until that last step CUDA cannot use the GPUs (in CC
 * mode they start not accepting); the gate changes nothing else and nothing before it.
 *
 * <p>Several GPUs run in multi-GPU mode none: each GPU is in CC mode on its own and attests on its own, and data
 * between GPUs goes through the CPU's encrypted bounce buffers. Protected PCIe (PPCIe, HGX boards whose GPUs talk over
 * NVLink through NVSwitches) and NVLink encryption (NVLE) are refused: their trust rests on the NVSwitches' evidence
 * too, which this gate does not collect and clients do not appraise.
 *
 * <p>NVML's {@code ccFeature} and {@code devToolsMode} are what the local driver reports: a precondition, not proof.
 * The client's proof is the RIM match of the report the evidence source serves.
 */
public final class GpuStartGate {

    /** The gate's steps, in the order they run. */
    public enum Step {
        LOAD_NVML("load NVML"),
        CC_SETTINGS("confidential-computing settings"),
        CC_CAPABILITIES("confidential-computing capabilities"),
        DEVICES("devices"),
        SELF_ATTESTATION("GPU self-attestation"),
        READY_STATE("ready state");

        private final String label;

        Step(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** The CPU TEE the enclave runs in, and the NVML CPU capabilities that name it. */
    public enum CpuTee {
        SEV_SNP(Set.of(ConfCompute.CpuCaps.AMD_SEV_SNP, ConfCompute.CpuCaps.AMD_SNP_VTOM)),
        TDX(Set.of(ConfCompute.CpuCaps.INTEL_TDX));

        private final Set<ConfCompute.CpuCaps> caps;

        CpuTee(Set<ConfCompute.CpuCaps> caps) {
            this.caps = caps;
        }

        public Set<ConfCompute.CpuCaps> caps() {
            return caps;
        }
    }

    /** Whether confidential computing is required (always, except for development with {@code --insecure-gpu-cc-off}). */
    public enum Mode {
        CONFIDENTIAL,
        /**
         * Development only: the CC checks, self-attestation and ready state are skipped, and the evidence source marks
         * its GPU evidence so that every client refuses it.
         */
        INSECURE_CC_OFF
    }

    /** Architectures with GPU confidential computing. */
    public static final Set<DeviceArchitecture> CC_ARCHITECTURES =
            Set.of(DeviceArchitecture.HOPPER, DeviceArchitecture.BLACKWELL);

    /**
     * What the gate requires.
     *
     * @param gpus how many GPUs NVML must show (exactly: a GPU the gate did not attest must not become usable)
     * @param tee the CPU TEE the enclave runs in
     * @param mode confidential, or insecure for development
     * @param policy how each GPU's report is appraised (its nonce is set per report)
     */
    public record Requirements(int gpus, CpuTee tee, Mode mode, NvidiaGpuPolicy policy) {
        public Requirements {
            if (gpus < 1 || gpus > EvidenceBundle.MAX_GPUS) {
                throw new IllegalArgumentException(
                        "between 1 and " + EvidenceBundle.MAX_GPUS + " GPUs (one evidence bundle), got " + gpus);
            }
            Objects.requireNonNull(tee, "tee");
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(policy, "policy");
        }
    }

    /**
     * One GPU the gate checked.
     *
     * @param claims what its self-attestation established (empty in {@link Mode#INSECURE_CC_OFF})
     */
    public record CheckedGpu(
            Nvml.Device device,
            String uuid,
            DeviceArchitecture architecture,
            String vbiosVersion,
            long protectedMemKib,
            Optional<NvidiaGpuClaims> claims,
            Optional<GpuCertificate> certificate) {}

    /**
     * The gate passed: NVML stays open for the evidence source (its owner closes it).
     *
     * @param reportLatency the slowest NVML attestation report call of the self-attestation (zero when skipped)
     * @param elapsed the whole gate
     */
    public record Passed(
            Nvml nvml,
            Mode mode,
            String driverVersion,
            List<CheckedGpu> gpus,
            Duration reportLatency,
            Duration elapsed) {
        public Passed {
            gpus = List.copyOf(gpus);
        }
    }

    private final Requirements requirements;
    private final NvidiaGpuVerifier verifier;
    private final Supplier<GpuFreshness> freshness;
    private final Clock clock;
    private final Consumer<String> log;

    /**
     * @param freshness a fresh nonce source for each self-attestation report
     * @param log start-up lines (constant text, versions, counts and timings only)
     */
    public GpuStartGate(
            Requirements requirements,
            NvidiaGpuVerifier verifier,
            Supplier<GpuFreshness> freshness,
            Clock clock,
            Consumer<String> log) {
        this.requirements = Objects.requireNonNull(requirements, "requirements");
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.freshness = Objects.requireNonNull(freshness, "freshness");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.log = Objects.requireNonNull(log, "log");
    }

    /** Runs every step on {@code library}; blocking. */
    public Passed run(Path library) throws GpuGateRefusal {
        long start = System.nanoTime();
        Nvml nvml;
        try {
            nvml = Nvml.open(library, Nvml.Access.READ_WRITE);
        } catch (NvmlException e) {
            throw new GpuGateRefusal(
                    Step.LOAD_NVML, "a GPU was requested but NVML is unavailable: " + e.getMessage(), e);
        }
        try {
            Passed p = run(nvml, start);
            log.accept("GPU start gate passed in "
                    + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms ("
                    + p.gpus().size() + " GPU(s), slowest attestation report "
                    + p.reportLatency().toMillis() + " ms)");
            return p;
        } catch (GpuGateRefusal | RuntimeException e) {
            try {
                nvml.close();
            } catch (NvmlException c) {
                e.addSuppressed(c);
            }
            throw e;
        }
    }

    private Passed run(Nvml nvml, long start) throws GpuGateRefusal {
        String driver = read(Step.LOAD_NVML, nvml::driverVersion);
        log.accept("NVML loaded from " + nvml.library() + ", driver " + driver);
        boolean insecure = requirements.mode() == Mode.INSECURE_CC_OFF;
        if (insecure) {
            log.accept("WARNING: --insecure-gpu-cc-off: the GPU's confidential-computing mode is NOT checked; the host "
                    + "can read prompts, answers and the KV cache over PCIe; clients refuse this enclave's evidence");
        } else {
            settings(nvml);
            capabilities(nvml);
        }
        List<CheckedGpu> gpus = devices(nvml, insecure);
        if (insecure) {
            return new Passed(nvml, Mode.INSECURE_CC_OFF, driver, gpus, Duration.ZERO, since(start));
        }
        List<CheckedGpu> attested = new ArrayList<>();
        Duration slowest = Duration.ZERO;
        for (CheckedGpu g : gpus) {
            long t = System.nanoTime();
            attested.add(selfAttest(nvml, g));
            Duration d = Duration.ofNanos(System.nanoTime() - t);
            slowest = d.compareTo(slowest) > 0 ? d : slowest;
        }
        distinct(attested);
        readyState(nvml);
        return new Passed(nvml, Mode.CONFIDENTIAL, driver, attested, slowest, since(start));
    }

    private static Duration since(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private void settings(Nvml nvml) throws GpuGateRefusal {
        ConfCompute.Settings s;
        try {
            s = nvml.confComputeSettings();
        } catch (NvmlException e) {
            if (!Set.of(
                            NvmlReturn.ERROR_FUNCTION_NOT_FOUND,
                            NvmlReturn.ERROR_ARGUMENT_VERSION_MISMATCH,
                            NvmlReturn.ERROR_NOT_SUPPORTED)
                    .contains(e.returned())) {
                throw new GpuGateRefusal(Step.CC_SETTINGS, "cannot read the settings: " + e.getMessage(), e);
            }
            // Drivers before the versioned settings struct: the state has the same fields but the multi-GPU mode,
            // which they do not support.
            ConfCompute.State st = read(Step.CC_SETTINGS, nvml::confComputeState);
            s = new ConfCompute.Settings(
                    st.environment(), st.ccFeature(), st.devToolsMode(), ConfCompute.MultiGpuMode.NONE);
        }
        if (s.ccFeature() != ConfCompute.Feature.ENABLED) {
            throw new GpuGateRefusal(
                    Step.CC_SETTINGS,
                    "confidential computing is off (ccFeature=0, environment=" + s.environment() + ")",
                    null);
        }
        if (s.environment() != ConfCompute.Environment.PROD) {
            throw new GpuGateRefusal(
                    Step.CC_SETTINGS,
                    "the CC environment is " + s.environment() + ", not PROD (environment="
                            + s.environment().ordinal() + ")",
                    null);
        }
        if (s.devToolsMode() != ConfCompute.DevToolsMode.OFF) {
            throw new GpuGateRefusal(
                    Step.CC_SETTINGS,
                    "developer tools are on (devToolsMode=1): debuggers and profilers can read GPU memory",
                    null);
        }
        if (s.multiGpuMode() != ConfCompute.MultiGpuMode.NONE) {
            throw new GpuGateRefusal(
                    Step.CC_SETTINGS,
                    "multi-GPU mode " + s.multiGpuMode() + " is not supported (multiGpuMode="
                            + s.multiGpuMode().ordinal() + "): its GPUs trust the NVSwitches and NVLink, whose "
                            + "evidence this enclave does not collect and clients do not appraise; run the GPUs in "
                            + "multi-GPU mode none (each GPU in CC mode on its own)",
                    null);
        }
    }

    private void capabilities(Nvml nvml) throws GpuGateRefusal {
        ConfCompute.Capabilities c = read(Step.CC_CAPABILITIES, nvml::confComputeCapabilities);
        if (c.gpusCaps() != ConfCompute.GpusCaps.CAPABLE) {
            throw new GpuGateRefusal(Step.CC_CAPABILITIES, "the GPUs are not CC-capable (gpusCaps=0)", null);
        }
        if (!requirements.tee().caps().contains(c.cpuCaps())) {
            throw new GpuGateRefusal(
                    Step.CC_CAPABILITIES,
                    "the driver found CPU TEE " + c.cpuCaps() + ", the enclave runs in " + requirements.tee()
                            + " (cpuCaps=" + c.cpuCaps().ordinal() + ")",
                    null);
        }
    }

    private List<CheckedGpu> devices(Nvml nvml, boolean insecure) throws GpuGateRefusal {
        int count = read(Step.DEVICES, nvml::deviceCount);
        if (count != requirements.gpus()) {
            throw new GpuGateRefusal(
                    Step.DEVICES, "NVML shows " + count + " GPU(s), --gpus says " + requirements.gpus(), null);
        }
        List<CheckedGpu> out = new ArrayList<>();
        Set<String> uuids = new java.util.HashSet<>();
        for (int i = 0; i < count; i++) {
            int index = i;
            Nvml.Device d = read(Step.DEVICES, () -> nvml.device(index));
            DeviceArchitecture arch = read(Step.DEVICES, () -> nvml.architecture(d));
            String uuid = read(Step.DEVICES, () -> nvml.uuid(d));
            String vbios = read(Step.DEVICES, () -> nvml.vbiosVersion(d));
            if (!uuids.add(uuid)) {
                throw new GpuGateRefusal(
                        Step.DEVICES, d + " has the UUID of another GPU (" + uuid + "): one GPU counted twice", null);
            }
            long protectedKib = 0;
            if (!insecure) {
                if (!CC_ARCHITECTURES.contains(arch)) {
                    throw new GpuGateRefusal(
                            Step.DEVICES,
                            d + " is " + arch + ": confidential computing needs Hopper or Blackwell",
                            null);
                }
                protectedKib = read(Step.DEVICES, () -> nvml.memSizeInfo(d)).protectedMemSizeKib();
                if (protectedKib <= 0) {
                    throw new GpuGateRefusal(
                            Step.DEVICES, d + " has no protected memory (protectedMemSizeKib=0)", null);
                }
            }
            log.accept(d + ": " + arch + ", VBIOS " + vbios + ", protected memory " + protectedKib / 1024 + " MiB");
            out.add(new CheckedGpu(d, uuid, arch, vbios, protectedKib, Optional.empty(), Optional.empty()));
        }
        return out;
    }

    private CheckedGpu selfAttest(Nvml nvml, CheckedGpu g) throws GpuGateRefusal {
        GpuFreshness f = freshness.get();
        byte[] nonce = f.nonce();
        GpuAttestationReport report = read(Step.SELF_ATTESTATION, () -> nvml.attestationReport(g.device(), nonce));
        GpuCertificate certificate = read(Step.SELF_ATTESTATION, () -> nvml.certificate(g.device()));
        try {
            NvidiaGpuClaims claims = verifier.verify(
                    clock.instant(),
                    NvidiaGpuEvidence.of(report.report().toByteArray()),
                    NvidiaGpuEndorsements.ofPem(
                            certificate.attestationCertChain().toByteArray()),
                    requirements.policy().withNonce(ReferenceValue.Digests.of(nonce)));
            log.accept(g.device() + " attested: driver " + claims.driverVersion() + ", VBIOS " + claims.vbiosVersion()
                    + (requirements.policy().measurements() instanceof NvidiaGpuPolicy.MatchRims
                            ? ", measurements match the RIMs"
                            : ", measurements NOT compared (no RIMs configured)"));
            return new CheckedGpu(
                    g.device(),
                    g.uuid(),
                    g.architecture(),
                    g.vbiosVersion(),
                    g.protectedMemKib(),
                    Optional.of(claims),
                    Optional.of(certificate));
        } catch (AttestationException e) {
            throw new GpuGateRefusal(
                    Step.SELF_ATTESTATION, g.device() + "'s evidence was refused: " + e.getMessage(), e);
        }
    }

    /** Refuses two GPUs that are one: the same attestation key or device certificate in their chains. */
    private static void distinct(List<CheckedGpu> gpus) throws GpuGateRefusal {
        List<NvidiaGpuEndorsements> chains = new ArrayList<>();
        try {
            for (CheckedGpu g : gpus) {
                chains.add(NvidiaGpuEndorsements.ofPem(
                        g.certificate().orElseThrow().attestationCertChain().toByteArray()));
            }
            NvidiaGpuIdentity.requireDistinct(chains);
        } catch (AttestationException e) {
            throw new GpuGateRefusal(Step.SELF_ATTESTATION, e.getMessage(), e);
        }
    }

    private void readyState(Nvml nvml) throws GpuGateRefusal {
        ConfCompute.ReadyState before = read(Step.READY_STATE, nvml::gpusReadyState);
        if (before != ConfCompute.ReadyState.ACCEPTING) {
            try {
                nvml.setGpusReadyState(ConfCompute.ReadyState.ACCEPTING);
            } catch (NvmlException e) {
                throw new GpuGateRefusal(Step.READY_STATE, "cannot set the GPUs to accept work: " + e.getMessage(), e);
            }
        }
        ConfCompute.ReadyState after = read(Step.READY_STATE, nvml::gpusReadyState);
        if (after != ConfCompute.ReadyState.ACCEPTING) {
            throw new GpuGateRefusal(
                    Step.READY_STATE,
                    "the GPUs still do not accept work after it was set (ready state " + after + ")",
                    null);
        }
        log.accept("GPUs set to accept work (ready state was " + before + ")");
    }

    private interface NvmlRead<T> {
        T read() throws NvmlException;
    }

    private static <T> T read(Step step, NvmlRead<T> call) throws GpuGateRefusal {
        try {
            return call.read();
        } catch (NvmlException e) {
            throw new GpuGateRefusal(step, e.getMessage(), e);
        }
    }
}
