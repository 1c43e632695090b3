package dev.cloister.attest.measure;

import java.util.Locale;

/**
 * Whose VMM launches the guest: the initial register state it puts in the VMSA and how it places OVMF's sections
 * differ (sev-snp-measure {@code vmsa.py}, {@code guest.py}).
 */
public enum VmmType {
    /** QEMU/KVM: RDX = the vCPU signature, x87/SSE state initialised. */
    QEMU,
    /** AWS EC2: RDX 0x600, CS not accessed on the BSP, the CPUID page measured after all other sections. */
    EC2,
    /** Google Compute Engine: RDX 0x600, its own PAT, SEC memory as unmeasured pages. */
    GCE;

    public static VmmType parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "qemu" -> QEMU;
            case "ec2" -> EC2;
            case "gce" -> GCE;
            default -> throw new IllegalArgumentException("vmm: \"" + name + "\" is not qemu, ec2 or gce");
        };
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
