package dev.cloister.attest.measure;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The initial VMSA (VM save area, AMD APM vol. 2 table B-4; Linux {@code struct sev_es_save_area}) of one vCPU as the
 * VMM creates it for an SEV-ES or SEV-SNP launch: real-mode segments, CS based at the reset vector's 64 KiB page,
 * RIP its low 16 bits, the architectural reset values of EFER/CR0/CR4/DR6/DR7/RFLAGS/PAT/XCR0, RDX = the CPU
 * signature, and SEV_FEATURES. Every other byte of the 4 KiB page is zero.
 */
final class Vmsa {

    static final int SIZE = 4096;
    /** Where the bootstrap processor starts. */
    static final long BSP_EIP = 0xfffffff0L;

    private Vmsa() {}

    /**
     * @param eip the reset EIP (the BSP's, or the APs' from the SEV-ES reset block)
     * @param sevFeatures the guest features (SEV_FEATURES; 0 for SEV-ES)
     * @param vcpuSignature RDX under QEMU (ignored by EC2 and GCE, which put 0x600)
     */
    static byte[] page(VmmType vmm, long eip, long sevFeatures, int vcpuSignature) {
        int csFlags = 0x9b;
        int ssFlags = 0x93;
        int trFlags = 0x8b;
        long gPat = 0x0007040600070406L;
        long rdx;
        int mxcsr;
        int fcw;
        switch (vmm) {
            case QEMU -> {
                rdx = vcpuSignature & 0xffffffffL;
                mxcsr = 0x1f80;
                fcw = 0x37f;
            }
            case EC2 -> {
                if (eip == BSP_EIP) {
                    csFlags = 0x9a;
                }
                ssFlags = 0x92;
                trFlags = 0x83;
                rdx = 0x600;
                mxcsr = 0;
                fcw = 0;
            }
            case GCE -> {
                gPat = 0x00070106L;
                rdx = 0x600;
                mxcsr = 0;
                fcw = 0;
            }
            default -> throw new IllegalStateException(vmm.name());
        }
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        segment(b, 0x00, 0, 0x93, 0xffff, 0); // ES
        segment(b, 0x10, 0xf000, csFlags, 0xffff, eip & 0xffff0000L); // CS
        segment(b, 0x20, 0, ssFlags, 0xffff, 0); // SS
        segment(b, 0x30, 0, 0x93, 0xffff, 0); // DS
        segment(b, 0x40, 0, 0x93, 0xffff, 0); // FS
        segment(b, 0x50, 0, 0x93, 0xffff, 0); // GS
        segment(b, 0x60, 0, 0, 0xffff, 0); // GDTR
        segment(b, 0x70, 0, 0x82, 0xffff, 0); // LDTR
        segment(b, 0x80, 0, 0, 0xffff, 0); // IDTR
        segment(b, 0x90, 0, trFlags, 0xffff, 0); // TR
        b.putLong(0xd0, 0x1000); // EFER.SVME
        b.putLong(0x148, 0x40); // CR4.MCE
        b.putLong(0x158, 0x10); // CR0.ET
        b.putLong(0x160, 0x400); // DR7
        b.putLong(0x168, 0xffff0ff0L); // DR6
        b.putLong(0x170, 0x2); // RFLAGS
        b.putLong(0x178, eip & 0xffff); // RIP
        b.putLong(0x268, gPat); // G_PAT
        b.putLong(0x310, rdx); // RDX
        b.putLong(0x3b0, sevFeatures); // SEV_FEATURES
        b.putLong(0x3e8, 0x1); // XCR0
        b.putInt(0x408, mxcsr); // MXCSR
        b.putShort(0x410, (short) fcw); // x87 FCW
        return b.array();
    }

    private static void segment(ByteBuffer b, int at, int selector, int attrib, int limit, long base) {
        b.putShort(at, (short) selector);
        b.putShort(at + 2, (short) attrib);
        b.putInt(at + 4, limit);
        b.putLong(at + 8, base);
    }
}
