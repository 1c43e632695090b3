package dev.cloister.infer.nvml;

/**
 * The values of NVML's confidential-computing calls, with nvml.h's numbers ({@code NVML_CC_*}). A number this binding
 * does not know is refused by the call that read it ({@link NvmlException}), never mapped to a guess.
 */
public final class ConfCompute {

    private ConfCompute() {}

    /** {@code NVML_CC_SYSTEM_ENVIRONMENT_*}: whether the system runs with a production or simulated CC setup. */
    public enum Environment {
        UNAVAILABLE,
        SIM,
        PROD
    }

    /** {@code NVML_CC_SYSTEM_FEATURE_*}: whether confidential computing is on. */
    public enum Feature {
        DISABLED,
        ENABLED
    }

    /** {@code NVML_CC_SYSTEM_DEVTOOLS_MODE_*}: developer tools (debuggers, profilers) that can read protected memory. */
    public enum DevToolsMode {
        OFF,
        ON
    }

    /** {@code NVML_CC_SYSTEM_MULTIGPU_*}: how several GPUs protect their links. */
    public enum MultiGpuMode {
        NONE,
        PROTECTED_PCIE,
        NVLE
    }

    /** {@code NVML_CC_SYSTEM_CPU_CAPS_*}: the CPU TEE the driver found. */
    public enum CpuCaps {
        NONE,
        AMD_SEV,
        INTEL_TDX,
        AMD_SEV_SNP,
        AMD_SNP_VTOM
    }

    /** {@code NVML_CC_SYSTEM_GPUS_CC_*}: whether the GPUs can do confidential computing. */
    public enum GpusCaps {
        NOT_CAPABLE,
        CAPABLE
    }

    /** {@code NVML_CC_ACCEPTING_CLIENT_REQUESTS_*}: whether the GPUs accept work (CUDA fails until they do). */
    public enum ReadyState {
        NOT_ACCEPTING,
        ACCEPTING
    }

    /**
     * {@code nvmlConfComputeSystemState_t}.
     *
     * @param environment production, simulated or none
     * @param ccFeature whether CC is on
     * @param devToolsMode whether developer tools are on
     */
    public record State(Environment environment, Feature ccFeature, DevToolsMode devToolsMode) {}

    /**
     * {@code nvmlSystemConfComputeSettings_v1_t} (version {@code 0x01000014}).
     *
     * @param environment production, simulated or none
     * @param ccFeature whether CC is on
     * @param devToolsMode whether developer tools are on
     * @param multiGpuMode multi-GPU protection mode
     */
    public record Settings(
            Environment environment, Feature ccFeature, DevToolsMode devToolsMode, MultiGpuMode multiGpuMode) {}

    /** {@code nvmlConfComputeSystemCaps_t}. */
    public record Capabilities(CpuCaps cpuCaps, GpusCaps gpusCaps) {}

    /** {@code nvmlConfComputeMemSizeInfo_t}, in KiB. */
    public record MemSizeInfo(long protectedMemSizeKib, long unprotectedMemSizeKib) {}

    static <E extends Enum<E>> E value(Class<E> type, int raw, String function, String field) throws NvmlException {
        E[] all = type.getEnumConstants();
        if (raw < 0 || raw >= all.length) {
            throw NvmlException.unexpected(
                    function, field + " " + Integer.toUnsignedString(raw) + " is not a value this binding knows");
        }
        return all[raw];
    }
}
