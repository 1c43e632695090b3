package dev.cloister.attest.measure;

import dev.cloister.base.Bytes;

/**
 * The SEV hashes table QEMU places at OVMF's {@code SEV_HASH_TABLE_RV} address ({@code target/i386/sev.c},
 * {@code SevHashTable} / {@code PaddedSevHashTable}): a header GUID and length, then three entries
 * {@code GUID ‖ u16 50 ‖ SHA-256} for the command line, the initrd and the kernel, padded to a multiple of 16 bytes.
 * OVMF checks the kernel, initrd and command line it loads against it; SEV-SNP measures the page that holds it.
 */
final class SevHashesTable {

    static final EfiGuid HEADER = EfiGuid.of("9438d606-4f22-4cc9-b479-a793d411fd21");
    static final EfiGuid KERNEL = EfiGuid.of("4de79437-abd2-427f-b835-d5b172d2045b");
    static final EfiGuid INITRD = EfiGuid.of("44baf731-3a2f-4bd7-9af1-41e29169781d");
    static final EfiGuid CMDLINE = EfiGuid.of("97d02dd8-bd20-4c94-aa78-e7714d36ab2a");

    static final int ENTRY = 16 + 2 + 32;
    static final int TABLE = 16 + 2 + 3 * ENTRY;
    static final int PADDED = (TABLE + 15) & ~15;

    private SevHashesTable() {}

    /** The padded table (176 bytes). */
    static byte[] table(KernelHashes hashes) {
        byte[] t = new byte[PADDED];
        HEADER.bytes().copyTo(t, 0);
        t[16] = (byte) TABLE;
        t[17] = (byte) (TABLE >>> 8);
        entry(t, 18, CMDLINE, Bytes.of(hashes.cmdlineHash()));
        entry(t, 18 + ENTRY, INITRD, hashes.initrd());
        entry(t, 18 + 2 * ENTRY, KERNEL, hashes.kernel());
        return t;
    }

    /** The 4 KiB page holding the table at {@code offset} within it (the table GPA's low 12 bits). */
    static byte[] page(KernelHashes hashes, int offset) throws MeasurementException {
        if (offset < 0 || offset + PADDED > OvmfSection.PAGE) {
            throw new MeasurementException("sev_hashes_table_gpa: the table (" + PADDED + " bytes) at page offset 0x"
                    + Integer.toHexString(offset) + " does not fit in its page");
        }
        byte[] page = new byte[(int) OvmfSection.PAGE];
        System.arraycopy(table(hashes), 0, page, offset, PADDED);
        return page;
    }

    private static void entry(byte[] t, int at, EfiGuid guid, Bytes hash) {
        guid.bytes().copyTo(t, at);
        t[at + 16] = (byte) ENTRY;
        t[at + 17] = 0;
        hash.copyTo(t, at + 18);
    }
}
