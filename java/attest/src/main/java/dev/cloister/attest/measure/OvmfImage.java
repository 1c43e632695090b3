package dev.cloister.attest.measure;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An OVMF firmware image as an AMD SEV guest's VMM loads it: the whole file is mapped so that it ends at 4 GiB, and
 * the GUIDed footer table names the SEV metadata (the ranges to prepare, in order), the SEV-ES reset block (where the
 * application processors start) and the SEV hashes table (where QEMU writes the kernel, initrd and command-line
 * hashes). This is what sev-snp-measure's {@code ovmf.py} reads, with every length checked before it is used.
 */
public final class OvmfImage {

    static final EfiGuid SEV_HASH_TABLE_RV = EfiGuid.of("7255371f-3a3b-4b04-927b-1da6efa8d454");
    static final EfiGuid SEV_ES_RESET_BLOCK = EfiGuid.of("00f771de-1a7e-4fcb-890e-68c77e2fb44e");
    static final EfiGuid SEV_META_DATA = EfiGuid.of("dc886566-984a-4798-a75e-5585a7bf67cc");

    /** An OVMF build is 2–4 MiB; 64 MiB is the most the calculator reads into memory. */
    public static final int MAX_SIZE = 64 * 1024 * 1024;

    static final long FOUR_GIB = 0x1_0000_0000L;
    static final int METADATA_HEADER = 16;
    static final int METADATA_ITEM = 12;
    static final int MAX_SECTIONS = 64;

    private final byte[] data;
    private final List<OvmfSection> sections;
    private final Optional<Long> sevEsResetEip;
    private final Optional<Long> sevHashesTableGpa;

    private OvmfImage(byte[] data, List<OvmfSection> sections, Optional<Long> resetEip, Optional<Long> hashesGpa) {
        this.data = data;
        this.sections = sections;
        this.sevEsResetEip = resetEip;
        this.sevHashesTableGpa = hashesGpa;
    }

    /**
     * Parses an OVMF image (the bytes are kept, not copied: the caller must not change them).
     *
     * @throws MeasurementException naming the structure and its offset when the image is malformed
     */
    public static OvmfImage parse(byte[] data) throws MeasurementException {
        String image = "OVMF";
        if (data.length == 0 || data.length % OvmfSection.PAGE != 0 || data.length > MAX_SIZE) {
            throw new MeasurementException(image + ": size " + data.length
                    + " bytes is not a positive multiple of 4 KiB of at most " + MAX_SIZE);
        }
        FirmwareFooterTable table = FirmwareFooterTable.parse(image, data);
        Optional<Long> resetEip = table.u32Entry(image, "SEV-ES reset block", SEV_ES_RESET_BLOCK);
        Optional<Long> hashesGpa = table.u32Entry(image, "SEV hashes table", SEV_HASH_TABLE_RV);
        Optional<Long> metadataOffset = table.u32Entry(image, "SEV metadata", SEV_META_DATA);
        List<OvmfSection> sections = metadataOffset.isEmpty() ? List.of() : metadata(image, data, metadataOffset.get());
        return new OvmfImage(data, sections, resetEip, hashesGpa);
    }

    private static List<OvmfSection> metadata(String image, byte[] data, long offsetFromEnd)
            throws MeasurementException {
        if (offsetFromEnd < METADATA_HEADER || offsetFromEnd > data.length) {
            throw MeasurementException.at(
                    image,
                    "SEV metadata offset-from-end",
                    data.length - 32L,
                    offsetFromEnd + " does not point into the image (size " + data.length + ")");
        }
        int start = (int) (data.length - offsetFromEnd);
        if (data[start] != 'A' || data[start + 1] != 'S' || data[start + 2] != 'E' || data[start + 3] != 'V') {
            throw MeasurementException.at(image, "SEV metadata signature", start, "not \"ASEV\"");
        }
        long size = FirmwareFooterTable.u32(data, start + 4);
        long version = FirmwareFooterTable.u32(data, start + 8);
        long count = FirmwareFooterTable.u32(data, start + 12);
        if (version != 1) {
            throw MeasurementException.at(image, "SEV metadata version", start + 8, version + ", only 1 is defined");
        }
        if (count > MAX_SECTIONS) {
            throw MeasurementException.at(
                    image, "SEV metadata item count", start + 12, count + " exceeds " + MAX_SECTIONS);
        }
        if (size < METADATA_HEADER + count * METADATA_ITEM || size > offsetFromEnd) {
            throw MeasurementException.at(
                    image,
                    "SEV metadata size",
                    start + 4,
                    size + " does not hold " + count + " items or runs past the end of the image");
        }
        List<OvmfSection> sections = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int at = start + METADATA_HEADER + i * METADATA_ITEM;
            try {
                sections.add(OvmfSection.of(
                        "SEV metadata item " + i,
                        FirmwareFooterTable.u32(data, at),
                        FirmwareFooterTable.u32(data, at + 4),
                        FirmwareFooterTable.u32(data, at + 8)));
            } catch (MeasurementException e) {
                throw MeasurementException.at(image, "SEV metadata item " + i, at, e.getMessage());
            }
        }
        return List.copyOf(sections);
    }

    /** The image bytes (shared: do not change them). */
    byte[] data() {
        return data;
    }

    public int size() {
        return data.length;
    }

    /** The guest-physical address of the first byte: the image ends at 4 GiB. */
    public long gpa() {
        return FOUR_GIB - data.length;
    }

    /** The SEV metadata sections in table order (empty without SEV metadata). */
    public List<OvmfSection> sections() {
        return sections;
    }

    public boolean hasSection(OvmfSection.Type type) {
        return sections.stream().anyMatch(s -> s.type() == type);
    }

    /** The application processors' reset EIP from the SEV-ES reset block, if the table has one. */
    public Optional<Long> sevEsResetEip() {
        return sevEsResetEip;
    }

    /** The GPA of the SEV hashes table, if the table has the entry (0 means the build has no table). */
    public Optional<Long> sevHashesTableGpa() {
        return sevHashesTableGpa;
    }

    /** Whether QEMU can measure a kernel, initrd and command line through this firmware (SEV and SEV-ES). */
    public boolean supportsSevHashesTable() {
        return sevHashesTableGpa.isPresent() && sevHashesTableGpa.get() != 0;
    }
}
