package dev.cloister.enclave.gpu;

import java.util.Objects;

/** The GPU start gate refused: which step, and why (the enclave prints it and exits non-zero). */
public final class GpuGateRefusal extends Exception {

    private static final long serialVersionUID = 1L;

    private final GpuStartGate.Step step;

    GpuGateRefusal(GpuStartGate.Step step, String reason, Throwable cause) {
        super("GPU start gate, step " + step.label() + ": " + reason, cause);
        this.step = Objects.requireNonNull(step, "step");
    }

    public GpuStartGate.Step step() {
        return step;
    }
}
