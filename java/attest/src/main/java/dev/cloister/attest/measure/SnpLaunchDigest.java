package dev.cloister.attest.measure;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;

/**
 * The SEV-SNP launch digest as the PSP computes it while the VMM adds pages (SEV-SNP firmware ABI, SNP_LAUNCH_UPDATE,
 * "PAGE_INFO" table): for each page, {@code LD = SHA-384(LD ‖ contents ‖ u16 0x70 ‖ u8 page_type ‖ u8 is_imi ‖
 * u8 vmpl3_perms ‖ u8 vmpl2_perms ‖ u8 vmpl1_perms ‖ u8 0 ‖ u64 gpa)}, where contents is the SHA-384 of a normal or
 * VMSA page and zero for the others. Starts at 48 zero bytes or at a given digest (the OVMF pages already folded in).
 */
final class SnpLaunchDigest {

    static final int SIZE = 48;
    static final int PAGE_INFO = 0x70;
    static final long VMSA_GPA = 0xFFFFFFFFF000L;

    enum PageType {
        NORMAL(1),
        VMSA(2),
        ZERO(3),
        UNMEASURED(4),
        SECRETS(5),
        CPUID(6);

        final int value;

        PageType(int value) {
            this.value = value;
        }
    }

    private final MessageDigest pageInfoHash = Digests.sha384();
    private final MessageDigest contentsHash = Digests.sha384();
    private final ByteBuffer info = ByteBuffer.allocate(PAGE_INFO).order(ByteOrder.LITTLE_ENDIAN);
    private final byte[] contents = new byte[SIZE];

    SnpLaunchDigest(byte[] seed) {
        if (seed.length != SIZE) {
            throw new IllegalArgumentException("launch digest seed must be 48 bytes");
        }
        info.put(0, seed);
    }

    SnpLaunchDigest() {
        this(new byte[SIZE]);
    }

    byte[] digest() {
        byte[] out = new byte[SIZE];
        info.get(0, out);
        return out;
    }

    private void update(PageType type, long gpa, byte[] pageContents) {
        info.put(SIZE, pageContents, 0, SIZE);
        info.putShort(96, (short) PAGE_INFO);
        info.put(98, (byte) type.value);
        info.put(99, (byte) 0); // is_imi
        info.putInt(100, 0); // vmpl3, vmpl2, vmpl1 perms, reserved
        info.putLong(104, gpa);
        pageInfoHash.update(info.array());
        byte[] ld = pageInfoHash.digest();
        info.put(0, ld);
    }

    void normalPages(long gpa, byte[] data, int offset, int length) {
        for (int at = 0; at < length; at += (int) OvmfSection.PAGE) {
            contentsHash.update(data, offset + at, (int) OvmfSection.PAGE);
            try {
                contentsHash.digest(contents, 0, SIZE);
            } catch (java.security.DigestException e) {
                throw new IllegalStateException(e);
            }
            update(PageType.NORMAL, gpa + at, contents);
        }
    }

    void vmsaPage(byte[] page) {
        update(PageType.VMSA, VMSA_GPA, contentsHash.digest(page));
    }

    void emptyPages(PageType type, long gpa, long length) {
        byte[] zero = new byte[SIZE];
        for (long at = 0; at < length; at += OvmfSection.PAGE) {
            update(type, gpa + at, zero);
        }
    }
}
