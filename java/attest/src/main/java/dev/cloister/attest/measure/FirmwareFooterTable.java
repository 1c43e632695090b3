package dev.cloister.attest.measure;

import dev.cloister.base.Bytes;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The GUIDed table at the end of an OVMF/TDVF image (edk2 {@code OvmfPkg/ResetVector/Ia16/ResetVectorVtf0.asm}):
 * it ends 32 bytes before the end of the file with a footer entry whose GUID is {@link #FOOTER} and whose length
 * covers the whole table. Each entry is {@code data ‖ u16 length ‖ GUID}, length including the 18-byte header, and
 * the entries are read backwards from the footer.
 *
 * <p>An image whose footer GUID is absent has no table (as sev-snp-measure reads it); a table that is present but
 * does not fit, an entry shorter than its header or longer than what is left, and a GUID found twice are refused.
 */
final class FirmwareFooterTable {

    static final EfiGuid FOOTER = EfiGuid.of("96b582de-1fb2-45f7-baea-a366c55a082d");
    static final int BYTES_AFTER_TABLE = 32;
    static final int ENTRY_HEADER = 2 + EfiGuid.SIZE;
    /** Far more entries than any edk2 build has (it has 5 or 6); the table length (u16) bounds it anyway. */
    static final int MAX_ENTRIES = 64;

    private final Map<EfiGuid, byte[]> entries;

    private FirmwareFooterTable(Map<EfiGuid, byte[]> entries) {
        this.entries = entries;
    }

    static FirmwareFooterTable parse(String image, byte[] fw) throws MeasurementException {
        int footerAt = fw.length - BYTES_AFTER_TABLE - ENTRY_HEADER;
        if (footerAt < 0) {
            throw MeasurementException.at(
                    image,
                    "footer table",
                    0,
                    "the image is " + fw.length + " bytes, too short to hold the footer entry ("
                            + (BYTES_AFTER_TABLE + ENTRY_HEADER) + " bytes)");
        }
        if (!FOOTER.matches(fw, footerAt + 2)) {
            return new FirmwareFooterTable(Map.of());
        }
        int length = u16(fw, footerAt);
        int tableSize = length - ENTRY_HEADER;
        if (tableSize < 0 || tableSize > footerAt) {
            throw MeasurementException.at(
                    image,
                    "footer table length",
                    footerAt,
                    length
                            + " does not fit the image (at most " + (footerAt + ENTRY_HEADER) + ", at least "
                            + ENTRY_HEADER
                            + ")");
        }
        int start = footerAt - tableSize;
        int end = footerAt;
        Map<EfiGuid, byte[]> entries = new LinkedHashMap<>();
        while (end - start >= ENTRY_HEADER) {
            int headerAt = end - ENTRY_HEADER;
            int size = u16(fw, headerAt);
            if (size < ENTRY_HEADER || size > end - start) {
                throw MeasurementException.at(
                        image,
                        "footer table entry length",
                        headerAt,
                        size + " is outside [" + ENTRY_HEADER + ", " + (end - start) + "]");
            }
            byte[] guid = new byte[EfiGuid.SIZE];
            System.arraycopy(fw, headerAt + 2, guid, 0, EfiGuid.SIZE);
            EfiGuid key = new EfiGuid(HexFormat.of().formatHex(guid), Bytes.of(guid));
            byte[] data = new byte[size - ENTRY_HEADER];
            System.arraycopy(fw, end - size, data, 0, data.length);
            if (entries.putIfAbsent(key, data) != null) {
                throw MeasurementException.at(
                        image, "footer table entry", headerAt, "a second entry with GUID bytes " + key.canonical());
            }
            if (entries.size() > MAX_ENTRIES) {
                throw MeasurementException.at(image, "footer table", headerAt, "more than " + MAX_ENTRIES + " entries");
            }
            end -= size;
        }
        return new FirmwareFooterTable(Collections.unmodifiableMap(entries));
    }

    Optional<byte[]> entry(EfiGuid guid) {
        byte[] data = entries.get(guid);
        return data == null ? Optional.empty() : Optional.of(data.clone());
    }

    /** The first four bytes of an entry as an unsigned 32-bit value (the form every entry read here has). */
    Optional<Long> u32Entry(String image, String name, EfiGuid guid) throws MeasurementException {
        byte[] data = entries.get(guid);
        if (data == null) {
            return Optional.empty();
        }
        if (data.length < 4) {
            throw new MeasurementException(image + ": footer table entry " + name + " (" + guid + ") holds "
                    + data.length + " bytes, fewer than the 4 of its value");
        }
        return Optional.of(u32(data, 0));
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    static int u16(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    static long u32(byte[] b, int at) {
        return (b[at] & 0xffL) | (b[at + 1] & 0xffL) << 8 | (b[at + 2] & 0xffL) << 16 | (b[at + 3] & 0xffL) << 24;
    }

    static long u64(byte[] b, int at) {
        return u32(b, at) | u32(b, at + 4) << 32;
    }
}
