package dev.cloister.attest.measure;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * What QEMU writes into the SEV hashes table for a direct boot ({@code target/i386/sev.c},
 * {@code sev_add_kernel_loader_hashes}): the SHA-256 of the kernel file, of the initrd (of nothing when there is
 * none) and of the command line followed by its NUL terminator (just the NUL when it is empty).
 *
 * @param kernel SHA-256 of the kernel image
 * @param initrd SHA-256 of the initrd
 * @param cmdline the command line as appended (kept: the launch description publishes it)
 */
public record KernelHashes(byte[] kernel, byte[] initrd, String cmdline) {

    /** A command line the kernel accepts is far shorter; QEMU's table entry hashes whatever it is given. */
    public static final int MAX_CMDLINE = 64 * 1024;

    public KernelHashes {
        if (kernel.length != 32 || initrd.length != 32) {
            throw new IllegalArgumentException("kernel and initrd hashes are SHA-256 (32 bytes)");
        }
        if (cmdline.length() > MAX_CMDLINE || cmdline.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(
                    "cmdline: longer than " + MAX_CMDLINE + " characters or holds a NUL character");
        }
        kernel = kernel.clone();
        initrd = initrd.clone();
    }

    /** Hashes the files (streamed); {@code initrd} may be null (no initrd). */
    public static KernelHashes ofFiles(Path kernel, Path initrd, String cmdline) throws IOException {
        return new KernelHashes(
                sha256(kernel), initrd == null ? sha256(new byte[0]) : sha256(initrd), cmdline == null ? "" : cmdline);
    }

    /** SHA-256 over the UTF-8 command line and a NUL byte. */
    public byte[] cmdlineHash() {
        byte[] text = cmdline.getBytes(StandardCharsets.UTF_8);
        return sha256(Arrays.copyOf(text, text.length + 1));
    }

    @Override
    public byte[] kernel() {
        return kernel.clone();
    }

    @Override
    public byte[] initrd() {
        return initrd.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KernelHashes k
                && Arrays.equals(kernel, k.kernel)
                && Arrays.equals(initrd, k.initrd)
                && cmdline.equals(k.cmdline);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(kernel) * 31 + Arrays.hashCode(initrd) * 7 + cmdline.hashCode();
    }

    @Override
    public String toString() {
        HexFormat hex = HexFormat.of();
        return "KernelHashes[kernel=" + hex.formatHex(kernel) + ", initrd=" + hex.formatHex(initrd) + ", cmdline "
                + cmdline.length() + " characters]";
    }

    static byte[] sha256(byte[] data) {
        return Digests.sha256().digest(data);
    }

    static byte[] sha256(Path file) throws IOException {
        MessageDigest md = Digests.sha256();
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                md.update(buffer, 0, n);
            }
        }
        return md.digest();
    }
}
