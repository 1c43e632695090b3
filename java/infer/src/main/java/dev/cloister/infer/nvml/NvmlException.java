package dev.cloister.infer.nvml;

import java.util.Objects;

/**
 * An NVML call failed, or answered a value this binding cannot take as valid: names the function, the return code by
 * its nvml.h name and the number it had ({@code nvmlDeviceGetConfComputeGpuAttestationReport returned
 * NVML_ERROR_NOT_SUPPORTED (3)}). Loading problems use the codes NVML itself uses for them:
 * {@link NvmlReturn#ERROR_LIBRARY_NOT_FOUND} when the library cannot be opened, {@link
 * NvmlReturn#ERROR_FUNCTION_NOT_FOUND} when it lacks a function.
 */
public final class NvmlException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String function;
    private final NvmlReturn returned;
    private final int code;

    NvmlException(String function, int code, String detail, Throwable cause) {
        super(
                function + " returned " + NvmlReturn.of(code).headerName() + " (" + code + ")"
                        + (detail == null ? "" : ": " + detail),
                cause);
        this.function = Objects.requireNonNull(function, "function");
        this.returned = NvmlReturn.of(code);
        this.code = code;
    }

    NvmlException(String function, int code) {
        this(function, code, null, null);
    }

    /** A call that succeeded but answered something out of range ({@code what}). */
    static NvmlException unexpected(String function, String what) {
        return new NvmlException(function, NvmlReturn.SUCCESS.code(), "but " + what, null);
    }

    /** The NVML function (or {@code dlopen} for loading the library). */
    public String function() {
        return function;
    }

    /** The return code as a constant ({@link NvmlReturn#SUCCESS} when the call succeeded with a value out of range). */
    public NvmlReturn returned() {
        return returned;
    }

    /** The return code as NVML gave it (differs from {@code returned().code()} for codes this binding does not know). */
    public int code() {
        return code;
    }
}
