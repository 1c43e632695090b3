package dev.cloister.attest.measure;

/**
 * One item of OVMF's SEV metadata ({@code OvmfPkg/ResetVector/X64/OvmfSevMetadata.asm}): a range of guest memory the
 * VMM must prepare before launch, in the order the table lists it.
 *
 * @param gpa guest-physical address, 4 KiB aligned, below 4 GiB
 * @param size bytes, a positive multiple of 4 KiB
 * @param type what the VMM puts there
 */
public record OvmfSection(long gpa, long size, Type type) {

    static final long PAGE = 4096;
    /** Bound on one section (real ones are at most a few hundred KiB): keeps a crafted table from costing minutes. */
    static final long MAX_SIZE = 64L * 1024 * 1024;

    /** The section types OVMF defines (value = the table's u32). */
    public enum Type {
        SNP_SEC_MEM(1),
        SNP_SECRETS(2),
        CPUID(3),
        SVSM_CAA(4),
        SNP_KERNEL_HASHES(0x10);

        private final int value;

        Type(int value) {
            this.value = value;
        }

        public int value() {
            return value;
        }

        static Type of(long value) {
            for (Type t : values()) {
                if (t.value == value) {
                    return t;
                }
            }
            return null;
        }
    }

    /**
     * @throws MeasurementException naming {@code field} when the range is not page-aligned, empty, too large, above
     *     4 GiB, or (kernel hashes) not exactly one page
     */
    static OvmfSection of(String field, long gpa, long size, long type) throws MeasurementException {
        Type t = Type.of(type);
        if (t == null) {
            throw new MeasurementException(
                    field + ".section_type: " + type + " is not an OVMF SEV metadata section type (1, 2, 3, 4 or 16)");
        }
        if (gpa < 0 || gpa > 0xffff_ffffL || gpa % PAGE != 0) {
            throw new MeasurementException(
                    field + ".gpa: 0x" + Long.toHexString(gpa) + " is not a 4 KiB aligned address below 4 GiB");
        }
        if (size <= 0 || size % PAGE != 0 || size > MAX_SIZE || gpa + size > 0x1_0000_0000L) {
            throw new MeasurementException(field + ".size: 0x" + Long.toHexString(size)
                    + " is not a positive multiple of 4 KiB of at most 64 MiB ending below 4 GiB");
        }
        if (t == Type.SNP_KERNEL_HASHES && size != PAGE) {
            throw new MeasurementException(field + ".size: the SNP_KERNEL_HASHES section must be one page, not 0x"
                    + Long.toHexString(size) + " bytes");
        }
        return new OvmfSection(gpa, size, t);
    }
}
