package dev.cloister.ledger.entry;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;

/**
 * The TDX registers a release fixes by itself for direct boot: RTMR1 (the kernel) and RTMR2 (command line and initrd).
 * MRTD and RTMR0 depend on the host's firmware, ACPI tables and VM shape and come from per-platform entries; RTMR3
 * is extended at run time. {@code struct { opaque rtmr1[48]; opaque rtmr2[48]; }}.
 */
public record TdxRuntime(Bytes rtmr1, Bytes rtmr2) {

    public TdxRuntime {
        if (rtmr1.length() != PlatformMeasurement.REGISTER_SIZE
                || rtmr2.length() != PlatformMeasurement.REGISTER_SIZE) {
            throw new IllegalArgumentException(
                    "TDX RTMR1/RTMR2 of " + rtmr1.length() + "/" + rtmr2.length() + " bytes, want 48");
        }
    }

    void write(CanonicalWriter w) {
        w.fixed(rtmr1).fixed(rtmr2);
    }

    static TdxRuntime read(CanonicalReader r) throws FormatException {
        Bytes rtmr1 = Bytes.of(r.fixed(PlatformMeasurement.REGISTER_SIZE, "TDX RTMR1"));
        Bytes rtmr2 = Bytes.of(r.fixed(PlatformMeasurement.REGISTER_SIZE, "TDX RTMR2"));
        return new TdxRuntime(rtmr1, rtmr2);
    }

    @Override
    public String toString() {
        return "TdxRuntime[rtmr1=" + rtmr1.hex() + ", rtmr2=" + rtmr2.hex() + "]";
    }
}
