package dev.cloister.attest.measure;

import dev.cloister.base.Bytes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * TDX runtime measurement registers (Intel TDX module spec, TDG.MR.RTMR.EXTEND): each of RTMR0–3 starts at 48 zero
 * bytes and is extended as {@code RTMR = SHA-384(RTMR ‖ digest)}. {@link #replay(List)} recomputes the four registers
 * from an event log (the CCEL the firmware hands the guest, or a copy of it); {@link #directBootRtmr1(byte[])} and
 * {@link #directBootRtmr2(String, byte[])} predict what OVMF measures for a QEMU direct boot.
 */
public final class Rtmr {

    public static final int COUNT = 4;
    public static final int SIZE = 48;
    /** Far more than a boot logs (dstack: 28 events). */
    public static final int MAX_EVENTS = 4096;

    /** One event of the log: the register it extends (0–3) and the SHA-384 digest it extends it with. */
    public record Event(int register, Bytes digest) {
        public Event {
            if (register < 0 || register >= COUNT) {
                throw new IllegalArgumentException("event register " + register + " is not RTMR0-3");
            }
            if (digest.length() != SIZE) {
                throw new IllegalArgumentException("event digest is " + digest.length() + " bytes, not 48 (SHA-384)");
            }
        }

        @Override
        public String toString() {
            return "RTMR" + register + " += " + digest.hex();
        }
    }

    private Rtmr() {}

    /** The four registers after extending each with its events, in log order. */
    public static List<byte[]> replay(List<Event> events) throws MeasurementException {
        if (events.size() > MAX_EVENTS) {
            throw new MeasurementException("event log: " + events.size() + " events, more than " + MAX_EVENTS);
        }
        byte[][] registers = new byte[COUNT][SIZE];
        MessageDigest md = Digests.sha384();
        for (Event e : events) {
            md.update(registers[e.register()]);
            e.digest.updateDigest(md);
            registers[e.register()] = md.digest();
        }
        return List.of(registers);
    }

    /** One register extended with {@code digests} in order. */
    public static byte[] fold(List<byte[]> digests) {
        List<Event> events = new ArrayList<>();
        for (byte[] d : digests) {
            events.add(new Event(0, Bytes.of(d)));
        }
        try {
            return replay(events).get(0);
        } catch (MeasurementException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * RTMR1 of a direct boot through OVMF (the events of dstack-mr {@code kernel.rs} {@code rtmr1_log}, which the
     * dstack vector's log carries): the kernel's Authenticode SHA-384 (as loaded, after QEMU patched its setup
     * header), then EV_EFI_ACTION "Calling EFI Application from Boot Option", the separator (four zero bytes),
     * "Exit Boot Services Invocation" and "Exit Boot Services Returned with Success".
     */
    public static byte[] directBootRtmr1(byte[] kernelAuthenticodeSha384) {
        if (kernelAuthenticodeSha384.length != SIZE) {
            throw new IllegalArgumentException("kernel Authenticode digest must be 48 bytes (SHA-384)");
        }
        return fold(directBootRtmr1Log(kernelAuthenticodeSha384));
    }

    static List<byte[]> directBootRtmr1Log(byte[] kernelAuthenticodeSha384) {
        return List.of(
                kernelAuthenticodeSha384.clone(),
                action("Calling EFI Application from Boot Option"),
                Digests.sha384(new byte[4]),
                action("Exit Boot Services Invocation"),
                action("Exit Boot Services Returned with Success"));
    }

    /**
     * RTMR2 of a direct boot: the kernel command line as OVMF passes it to the kernel (UTF-16LE with its NUL
     * terminator; pass the load options exactly, e.g. with the {@code initrd=initrd} OVMF appends where it does), then
     * the initrd.
     */
    public static byte[] directBootRtmr2(String loadOptions, byte[] initrdSha384) {
        if (initrdSha384.length != SIZE) {
            throw new IllegalArgumentException("initrd digest must be 48 bytes (SHA-384)");
        }
        return fold(List.of(cmdlineDigest(loadOptions), initrdSha384.clone()));
    }

    /**
     * The load options OVMF hands a directly booted kernel: QEMU's command line followed by {@code " initrd=initrd"}
     * (with its leading space, even after an empty line) when QEMU passes an initrd of at least one byte, so that the
     * EFI stub loads it. RTMR2 measures these, not the line given to QEMU. QEMU's {@code x86_load_linux} passes the
     * command line through fw_cfg unchanged; the suffix is OVMF's. In the edk2 the image's firmware is built from
     * (Debian's edk2 2025.02-8+deb13u1, pinned in cvm-boot/packages.lock), both loaders, OvmfPkg X86QemuLoadImageLib
     * (OvmfPkgX64 and IntelTdxX64, the TDX firmware) and GenericQemuLoadImageLib (AmdSevX64), format the options in
     * {@code QemuLoadKernelImage} as {@code "%a%a%a", Shim ? "kernel " : "", (CommandLineSize == 0) ? "" :
     * CommandLine, (InitrdSize == 0) ? "" : " initrd=initrd"}; {@code cvm-boot/ovmf-amdsev.sh} refuses a source whose
     * loaders format them otherwise. The {@code "kernel "} prefix appears only when QEMU passes a shim ({@code
     * -shim}), which the image's launch never does.
     */
    public static String ovmfLoadOptions(String cmdline, long initrdSize) {
        if (initrdSize <= 0) return cmdline;
        return cmdline + " initrd=initrd";
    }

    /** SHA-384 of the command line in UTF-16LE followed by a 16-bit NUL. */
    public static byte[] cmdlineDigest(String loadOptions) {
        byte[] utf16 = loadOptions.getBytes(StandardCharsets.UTF_16LE);
        return Digests.sha384(Arrays.copyOf(utf16, utf16.length + 2));
    }

    private static byte[] action(String text) {
        return Digests.sha384(text.getBytes(StandardCharsets.US_ASCII));
    }
}
