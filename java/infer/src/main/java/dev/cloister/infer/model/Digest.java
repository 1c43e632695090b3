package dev.cloister.infer.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A SHA-256 digest, as lowercase hex. */
public record Digest(String hex) {

    public Digest {
        if (hex == null || !hex.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("a SHA-256 digest is 64 lowercase hex digits");
        }
    }

    public static Digest of(byte[] data, int offset, int length) {
        MessageDigest sha = sha256();
        sha.update(data, offset, length);
        return new Digest(HexFormat.of().formatHex(sha.digest()));
    }

    public static Digest of(byte[] data) {
        return of(data, 0, data.length);
    }

    public static Digest of(Path file) throws IOException {
        MessageDigest sha = sha256();
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                sha.update(buffer, 0, n);
            }
        }
        return new Digest(HexFormat.of().formatHex(sha.digest()));
    }

    /** Throws unless {@code actual} is this digest; the message names what was checked and both values. */
    public void require(Digest actual, String what) {
        if (!equals(actual)) {
            throw new ModelFormatException(what + ": SHA-256 " + actual.hex + ", expected " + hex);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }
}
