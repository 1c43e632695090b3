package dev.cloister.infer.nvml;

/** {@code nvmlDeviceArchitecture_t} ({@code NVML_DEVICE_ARCH_*}). */
public enum DeviceArchitecture {
    KEPLER(2),
    MAXWELL(3),
    PASCAL(4),
    VOLTA(5),
    TURING(6),
    AMPERE(7),
    ADA(8),
    HOPPER(9),
    BLACKWELL(10),
    /** {@code NVML_DEVICE_ARCH_UNKNOWN} (0xffffffff). */
    UNKNOWN(-1);

    private final int value;

    DeviceArchitecture(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    static DeviceArchitecture of(int raw) throws NvmlException {
        for (DeviceArchitecture a : values()) {
            if (a.value == raw) {
                return a;
            }
        }
        throw NvmlException.unexpected(
                "nvmlDeviceGetArchitecture",
                "architecture " + Integer.toUnsignedString(raw) + " is not a value this binding knows");
    }
}
