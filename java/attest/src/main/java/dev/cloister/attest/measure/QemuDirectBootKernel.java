package dev.cloister.attest.measure;

/**
 * The kernel as QEMU hands it to TDX firmware for a direct boot ({@code -kernel K -initrd I}): QEMU's
 * {@code x86_load_linux} (hw/i386/x86-common.c, QEMU 8 and later on a q35 machine) writes its loader fields into the
 * bzImage's setup header (Linux Documentation/arch/x86/boot.rst) before the firmware reads the file through fw_cfg, so
 * the image OVMF measures into RTMR1 is the patched one (for SEV guests QEMU leaves the header alone, for TDX it does
 * not). Fields written, by boot protocol version:
 * <ul>
 *   <li>≥ 2.00: {@code type_of_loader} (0x210) = 0xb0 (QEMU);</li>
 *   <li>≥ 2.01: {@code loadflags} (0x211) |= CAN_USE_HEAP, {@code heap_end_ptr} (0x224) = cmdline − real-mode base −
 *       0x200;</li>
 *   <li>≥ 2.02: {@code cmd_line_ptr} (0x228) = 0x20000 (0x9a000 for a kernel not LOADED_HIGH);</li>
 *   <li>with an initrd: {@code ramdisk_image} (0x218) and {@code ramdisk_size} (0x21c). The initrd goes at the top of
 *       the highest address it may use, page-aligned down: {@code initrd_addr_max} (0x22c, protocol ≥ 2.03, else
 *       0x37ffffff; 4 GiB − 1 when {@code xloadflags} (0x236) has CAN_BE_LOADED_ABOVE_4G, protocol ≥ 2.12), capped
 *       below the low RAM less QEMU's ACPI area (0x28000 bytes). q35's low RAM is the guest memory up to 0xb0000000,
 *       or 0x80000000 when the guest has 0xb0000000 bytes or more.</li>
 * </ul>
 * So RTMR1 depends on the initrd's size and, below 0xb0000000 bytes of guest memory (except at exactly 2 GiB), on the
 * memory size; from there on it is one value per kernel and initrd.
 *
 * <p>What this class does not model it refuses ({@link MeasurementException}): a boot protocol below 2.02 (QEMU then
 * places the command line and heap differently, and writes the old 0xa33f command-line magic), and a {@code vga=}
 * option on the command line (QEMU then writes the video mode into {@code vid_mode}, 0x1fa).
 */
public final class QemuDirectBootKernel {

    /** QEMU's {@code acpi_data_size} for the q35 machine types (0x20000 of tables plus 0x8000). */
    static final long ACPI_DATA_SIZE = 0x28000;
    /** Guest memory from which q35's low RAM is fixed at 2 GiB. */
    public static final long HIGH_MEMORY = 0xb000_0000L;
    /** The least memory a guest is given here (QEMU itself boots with less, but no enclave does). */
    public static final long MIN_MEMORY = 256L * 1024 * 1024;
    /** The most memory a guest may be described with (64 TiB). */
    public static final long MAX_MEMORY = 1L << 46;

    private QemuDirectBootKernel() {}

    /**
     * The bzImage with QEMU's loader fields written.
     *
     * @param cmdline the command line given to QEMU ({@code -append})
     * @param initrdSize bytes of the initrd (0: none)
     * @param memoryBytes the guest's memory ({@code -m})
     * @throws MeasurementException when the image has no setup header QEMU can load, its boot protocol is below 2.02,
     *     the command line has a {@code vga=} option, or the initrd does not fit
     */
    public static byte[] patched(byte[] kernel, String cmdline, long initrdSize, long memoryBytes)
            throws MeasurementException {
        String name = "kernel setup header";
        if (cmdline.contains("vga=")) {
            throw new MeasurementException("the command line has a vga= option: QEMU then writes a video mode into the "
                    + "kernel's setup header (vid_mode, 0x1fa), which this calculator does not model");
        }
        if (kernel.length < 0x1000 || kernel.length > Authenticode.MAX_SIZE) {
            throw new MeasurementException(
                    name + ": a bzImage of " + kernel.length + " bytes, want 4 KiB to " + Authenticode.MAX_SIZE);
        }
        if (memoryBytes < MIN_MEMORY || memoryBytes > MAX_MEMORY) {
            throw new MeasurementException(
                    "guest memory of " + memoryBytes + " bytes, want " + MIN_MEMORY + " to " + MAX_MEMORY);
        }
        if (initrdSize < 0 || initrdSize > 0xffff_ffffL) {
            throw new MeasurementException("initrd of " + initrdSize + " bytes, want 0 to 4 GiB - 1");
        }
        byte[] k = kernel.clone();
        int protocol = Authenticode.u32(k, 0x202) == 0x53726448 ? Authenticode.u16(k, 0x206) : 0;
        if (protocol < 0x202) {
            throw MeasurementException.at(
                    name,
                    "version",
                    0x206,
                    protocol == 0
                            ? "no bzImage setup header (HdrS)"
                            : String.format(
                                    "boot protocol %d.%02d; below 2.02 is not modelled",
                                    protocol >> 8, protocol & 0xff));
        }
        boolean loadedHigh = (k[0x211] & 0x01) != 0;
        long realAddress = loadedHigh ? 0x10000 : 0x90000;
        long cmdlineAddress = loadedHigh ? 0x20000 : 0x9a000;
        k[0x210] = (byte) 0xb0;
        k[0x211] |= (byte) 0x80;
        put32(k, 0x224, cmdlineAddress - realAddress - 0x200);
        put32(k, 0x228, cmdlineAddress);
        if (initrdSize > 0) {
            long initrdMax;
            if (protocol >= 0x20c && (Authenticode.u16(k, 0x236) & 0x40) != 0) {
                initrdMax = 0xffff_ffffL;
            } else if (protocol >= 0x203) {
                long max = Authenticode.u32(k, 0x22c);
                initrdMax = max == 0 ? 0x37ff_ffffL : max;
            } else {
                initrdMax = 0x37ff_ffffL;
            }
            long lowmem = memoryBytes >= HIGH_MEMORY ? 0x8000_0000L : HIGH_MEMORY;
            long below4g = Math.min(memoryBytes, lowmem);
            if (initrdMax >= below4g - ACPI_DATA_SIZE) {
                initrdMax = below4g - ACPI_DATA_SIZE - 1;
            }
            if (initrdSize >= initrdMax) {
                throw new MeasurementException("initrd of " + initrdSize + " bytes does not fit below 0x"
                        + Long.toHexString(initrdMax) + " in " + memoryBytes + " bytes of guest memory");
            }
            put32(k, 0x218, (initrdMax - initrdSize) & ~4095L);
            put32(k, 0x21c, initrdSize);
        }
        return k;
    }

    /** The SHA-384 Authenticode digest of the patched kernel: the first event OVMF extends RTMR1 with. */
    public static byte[] authenticodeSha384(byte[] kernel, String cmdline, long initrdSize, long memoryBytes)
            throws MeasurementException {
        return Authenticode.firmwareSha384(patched(kernel, cmdline, initrdSize, memoryBytes));
    }

    private static void put32(byte[] b, int at, long v) {
        for (int i = 0; i < 4; i++) b[at + i] = (byte) (v >>> (8 * i));
    }
}
