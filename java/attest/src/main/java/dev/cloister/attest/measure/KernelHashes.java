package dev.cloister.attest.measure;

import dev.cloister.base.Bytes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * What QEMU writes into the SEV hashes table for a direct boot ({@code target/i386/sev.c},
 * {@code sev_add_kernel_loader_hashes}): the SHA-256 of the kernel file, of the initrd (of nothing when there is
 * none) and of the command line followed by its NUL terminator (just the NUL when it is empty).
 *
 * @param kernel SHA-256 of the kernel image
 * @param initrd SHA-256 of the initrd
 * @param cmdline the command line as appended (kept: the launch description publishes it)
 */
public record KernelHashes(Bytes kernel, Bytes initrd, String cmdline) {

    /** A command line the kernel accepts is far shorter; QEMU's table entry hashes whatever it is given. */
    public static final int MAX_CMDLINE = 64 * 1024;

    public KernelHashes {
        if (kernel.length() != 32 || initrd.length() != 32) {
            throw new IllegalArgumentException("kernel and initrd hashes are SHA-256 (32 bytes)");
        }
        if (cmdline.length() > MAX_CMDLINE || cmdline.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(
                    "cmdline: longer than " + MAX_CMDLINE + " characters or holds a NUL character");
        }
    }

    /** Hashes the files (streamed); {@code initrd} may be null (no initrd). */
    public static KernelHashes ofFiles(Path kernel, Path initrd, String cmdline) throws IOException {
        return new KernelHashes(
                Bytes.of(sha256(kernel)),
                Bytes.of(initrd == null ? sha256(new byte[0]) : sha256(initrd)),
                cmdline == null ? "" : cmdline);
    }

    /** SHA-256 over the UTF-8 command line and a NUL byte. */
    public byte[] cmdlineHash() {
        byte[] text = cmdline.getBytes(StandardCharsets.UTF_8);
        return sha256(Arrays.copyOf(text, text.length + 1));
    }

    @Override
    public String toString() {
        return "KernelHashes[kernel=" + kernel.hex() + ", initrd=" + initrd.hex() + ", cmdline " + cmdline.length()
                + " characters]";
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
