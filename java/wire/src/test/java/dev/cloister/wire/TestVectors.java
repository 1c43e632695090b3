package dev.cloister.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;

/** The published vectors in {@code testdata/vectors}, whose path Surefire passes as {@code cloister.vectors}. */
public final class TestVectors {

    private TestVectors() {}

    public static Path root() {
        String dir = System.getProperty("cloister.vectors");
        if (dir == null) {
            throw new IllegalStateException("system property cloister.vectors is not set (run the tests through Maven)");
        }
        Path root = Path.of(dir);
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException("vector directory missing: " + root);
        }
        return root;
    }

    public static Path file(String relative) {
        Path file = root().resolve(relative);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("vector file missing: " + file);
        }
        return file;
    }

    public static JsonNode json(String relative) {
        Path file = file(relative);
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = relative.endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file, e);
        }
    }

    public static byte[] hex(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null) {
            throw new IllegalStateException("vector lacks field " + field);
        }
        return HexFormat.of().parseHex(value.asText());
    }

    public static byte[] hex(String text) {
        return HexFormat.of().parseHex(text);
    }

    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
