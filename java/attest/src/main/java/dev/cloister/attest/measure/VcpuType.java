package dev.cloister.attest.measure;

/**
 * The QEMU CPU models an SEV guest may run as, with the CPUID Fn0000_0001_EAX signature QEMU puts in the VMSA's RDX
 * (AMD CPUID specification #25481: family, model, stepping with extended family and model).
 */
public enum VcpuType {
    EPYC("EPYC", 23, 1, 2),
    EPYC_V1("EPYC-v1", 23, 1, 2),
    EPYC_V2("EPYC-v2", 23, 1, 2),
    EPYC_IBPB("EPYC-IBPB", 23, 1, 2),
    EPYC_V3("EPYC-v3", 23, 1, 2),
    EPYC_V4("EPYC-v4", 23, 1, 2),
    EPYC_ROME("EPYC-Rome", 23, 49, 0),
    EPYC_ROME_V1("EPYC-Rome-v1", 23, 49, 0),
    EPYC_ROME_V2("EPYC-Rome-v2", 23, 49, 0),
    EPYC_ROME_V3("EPYC-Rome-v3", 23, 49, 0),
    EPYC_MILAN("EPYC-Milan", 25, 1, 1),
    EPYC_MILAN_V1("EPYC-Milan-v1", 25, 1, 1),
    EPYC_MILAN_V2("EPYC-Milan-v2", 25, 1, 1),
    EPYC_GENOA("EPYC-Genoa", 25, 17, 0),
    EPYC_GENOA_V1("EPYC-Genoa-v1", 25, 17, 0),
    EPYC_TURIN("EPYC-Turin", 26, 0, 0);

    private final String qemuName;
    private final int signature;

    VcpuType(String qemuName, int family, int model, int stepping) {
        this.qemuName = qemuName;
        int familyLow = Math.min(family, 0xf);
        int familyHigh = family > 0xf ? (family - 0xf) & 0xff : 0;
        this.signature =
                familyHigh << 20 | ((model >> 4) & 0xf) << 16 | familyLow << 8 | (model & 0xf) << 4 | (stepping & 0xf);
    }

    /** QEMU's {@code -cpu} name, e.g. {@code EPYC-v4}. */
    public String qemuName() {
        return qemuName;
    }

    /** The CPUID signature, e.g. 0x00800F12 for EPYC-v4. */
    public int signature() {
        return signature;
    }

    /** By QEMU name (exact spelling). */
    public static VcpuType parse(String name) {
        for (VcpuType t : values()) {
            if (t.qemuName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("vcpu_type: \"" + name + "\" is not a QEMU EPYC model (e.g. EPYC-v4, "
                + "EPYC-Milan, EPYC-Genoa, EPYC-Turin)");
    }
}
