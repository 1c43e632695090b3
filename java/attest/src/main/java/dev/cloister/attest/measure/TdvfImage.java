package dev.cloister.attest.measure;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * A TDX firmware image (TDVF, Intel "TDX Virtual Firmware Design Guide" section 11): the footer table's TDX metadata
 * entry points at a {@code "TDVF"} descriptor, version 1, whose 32-byte section entries say which part of the file
 * goes where in guest memory. {@link #mrtd(PageAddOrder)} computes the build-time measurement: for each section,
 * TDH.MEM.PAGE.ADD of every 4 KiB page (unless PAGE_AUG) and TDH.MR.EXTEND of every 256-byte chunk of the pages
 * marked MR_EXTEND, as the TDX module hashes them (a 128-byte buffer naming the operation and GPA, then the chunk).
 */
public final class TdvfImage {

    static final EfiGuid TDX_METADATA = EfiGuid.of("e47a6535-984a-4798-865e-4685a7bf8ec2");
    public static final int MAX_SIZE = OvmfImage.MAX_SIZE;
    static final int DESCRIPTOR = 16;
    static final int SECTION = 32;
    static final int MAX_SECTIONS = 64;
    static final long PAGE = 4096;
    static final int CHUNK = 256;
    static final int ATTR_MR_EXTEND = 0x1;
    static final int ATTR_PAGE_AUG = 0x2;
    /** Bound on the memory one image may describe (a TD's firmware area is a few MiB; TD-HOB and temp memory too). */
    static final long MAX_MEMORY = 256L * 1024 * 1024;

    /** In which order QEMU adds pages: all PAGE.ADDs of a section, then its MR.EXTENDs (QEMU 8), or page by page. */
    public enum PageAddOrder {
        TWO_PASS,
        SINGLE_PASS
    }

    /**
     * One TDVF section.
     *
     * @param dataOffset where its bytes start in the file
     * @param rawSize how many bytes of the file it has
     * @param gpa guest-physical address (page-aligned)
     * @param memorySize bytes of guest memory (page multiple, at least rawSize)
     * @param type the TDVF section type (0 BFV, 1 CFV, 2 TD_HOB, 3 TempMem, ...)
     * @param attributes bit 0 MR_EXTEND, bit 1 PAGE_AUG
     */
    public record Section(long dataOffset, long rawSize, long gpa, long memorySize, long type, long attributes) {}

    private final byte[] data;
    private final List<Section> sections;

    private TdvfImage(byte[] data, List<Section> sections) {
        this.data = data;
        this.sections = sections;
    }

    /**
     * @throws MeasurementException naming the structure and its offset when the image is malformed
     */
    public static TdvfImage parse(byte[] data) throws MeasurementException {
        String image = "TDVF";
        if (data.length == 0 || data.length > MAX_SIZE) {
            throw new MeasurementException(image + ": size " + data.length + " bytes is not in (0, " + MAX_SIZE + "]");
        }
        FirmwareFooterTable table = FirmwareFooterTable.parse(image, data);
        if (table.isEmpty()) {
            throw MeasurementException.at(
                    image,
                    "footer table",
                    Math.max(0, data.length - 50L),
                    "no footer table (GUID " + FirmwareFooterTable.FOOTER + ")");
        }
        long offsetFromEnd = table.u32Entry(image, "TDX metadata", TDX_METADATA)
                .orElseThrow(() -> new MeasurementException(
                        image + ": the footer table has no TDX metadata entry (" + TDX_METADATA + ")"));
        if (offsetFromEnd < DESCRIPTOR || offsetFromEnd > data.length) {
            throw MeasurementException.at(
                    image,
                    "TDX metadata offset-from-end",
                    data.length - 32L,
                    offsetFromEnd + " does not point into the image (size " + data.length + ")");
        }
        int start = (int) (data.length - offsetFromEnd);
        if (data[start] != 'T' || data[start + 1] != 'D' || data[start + 2] != 'V' || data[start + 3] != 'F') {
            throw MeasurementException.at(image, "TDVF descriptor signature", start, "not \"TDVF\"");
        }
        long length = FirmwareFooterTable.u32(data, start + 4);
        long version = FirmwareFooterTable.u32(data, start + 8);
        long count = FirmwareFooterTable.u32(data, start + 12);
        if (version != 1) {
            throw MeasurementException.at(image, "TDVF descriptor version", start + 8, version + ", only 1 is defined");
        }
        if (count == 0 || count > MAX_SECTIONS) {
            throw MeasurementException.at(
                    image, "TDVF section count", start + 12, count + " is outside [1, " + MAX_SECTIONS + "]");
        }
        if (length < DESCRIPTOR + count * SECTION || length > offsetFromEnd) {
            throw MeasurementException.at(
                    image,
                    "TDVF descriptor length",
                    start + 4,
                    length + " does not hold " + count + " sections or runs past the end of the image");
        }
        List<Section> sections = new ArrayList<>();
        long memory = 0;
        for (int i = 0; i < count; i++) {
            int at = start + DESCRIPTOR + i * SECTION;
            Section s = new Section(
                    FirmwareFooterTable.u32(data, at),
                    FirmwareFooterTable.u32(data, at + 4),
                    FirmwareFooterTable.u64(data, at + 8),
                    FirmwareFooterTable.u64(data, at + 16),
                    FirmwareFooterTable.u32(data, at + 24),
                    FirmwareFooterTable.u32(data, at + 28));
            String what = "TDVF section " + i;
            if (s.gpa() < 0 || s.gpa() % PAGE != 0) {
                throw MeasurementException.at(image, what + " memory address", at + 8, "not 4 KiB aligned");
            }
            if (s.memorySize() < 0
                    || s.memorySize() % PAGE != 0
                    || s.memorySize() > MAX_MEMORY
                    || s.memorySize() < s.rawSize()) {
                throw MeasurementException.at(
                        image,
                        what + " memory size",
                        at + 16,
                        "0x"
                                + Long.toHexString(s.memorySize())
                                + " is not a multiple of 4 KiB, at least the raw size 0x"
                                + Long.toHexString(s.rawSize()) + " and at most 256 MiB");
            }
            if (s.dataOffset() + s.rawSize() > data.length) {
                throw MeasurementException.at(
                        image,
                        what + " raw data",
                        at,
                        "offset 0x" + Long.toHexString(s.dataOffset()) + " + size 0x" + Long.toHexString(s.rawSize())
                                + " runs past the end of the image");
            }
            if ((s.attributes() & ATTR_MR_EXTEND) != 0 && s.rawSize() != s.memorySize()) {
                throw MeasurementException.at(
                        image,
                        what + " raw size",
                        at + 4,
                        "an MR_EXTEND section must have as "
                                + "many file bytes as memory bytes (0x" + Long.toHexString(s.rawSize()) + " vs 0x"
                                + Long.toHexString(s.memorySize()) + ")");
            }
            if ((s.attributes() & ~(long) (ATTR_MR_EXTEND | ATTR_PAGE_AUG)) != 0) {
                throw MeasurementException.at(
                        image,
                        what + " attributes",
                        at + 28,
                        "0x" + Long.toHexString(s.attributes()) + " has bits other than MR_EXTEND and PAGE_AUG");
            }
            memory += s.memorySize();
            if (memory > MAX_MEMORY) {
                throw MeasurementException.at(image, what, at, "the sections describe more than 256 MiB");
            }
            sections.add(s);
        }
        return new TdvfImage(data, List.copyOf(sections));
    }

    public List<Section> sections() {
        return sections;
    }

    /** MRTD: the SHA-384 of the TDX module's build-time measurement stream. */
    public byte[] mrtd(PageAddOrder order) {
        MessageDigest md = Digests.sha384();
        byte[] buffer = new byte[128];
        for (Section s : sections) {
            long pages = s.memorySize() / PAGE;
            if (order == PageAddOrder.TWO_PASS) {
                for (long p = 0; p < pages; p++) {
                    pageAdd(md, buffer, s, p);
                }
                for (long p = 0; p < pages; p++) {
                    extend(md, buffer, s, p);
                }
            } else {
                for (long p = 0; p < pages; p++) {
                    pageAdd(md, buffer, s, p);
                    extend(md, buffer, s, p);
                }
            }
        }
        return md.digest();
    }

    private static void pageAdd(MessageDigest md, byte[] buffer, Section s, long page) {
        if ((s.attributes() & ATTR_PAGE_AUG) == 0) {
            operation(md, buffer, "MEM.PAGE.ADD", s.gpa() + page * PAGE);
        }
    }

    private void extend(MessageDigest md, byte[] buffer, Section s, long page) {
        if ((s.attributes() & ATTR_MR_EXTEND) != 0) {
            for (int i = 0; i < PAGE / CHUNK; i++) {
                long offset = page * PAGE + (long) i * CHUNK;
                operation(md, buffer, "MR.EXTEND", s.gpa() + offset);
                md.update(data, (int) (s.dataOffset() + offset), CHUNK);
            }
        }
    }

    private static void operation(MessageDigest md, byte[] buffer, String name, long gpa) {
        java.util.Arrays.fill(buffer, (byte) 0);
        for (int i = 0; i < name.length(); i++) {
            buffer[i] = (byte) name.charAt(i);
        }
        for (int i = 0; i < 8; i++) {
            buffer[16 + i] = (byte) (gpa >>> (8 * i));
        }
        md.update(buffer);
    }
}
