package dev.cloister.tokens;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/** The shared test vectors, found through the {@code cloister.vectors} system property. Missing vectors fail the test. */
public final class Vectors {
    private Vectors() {}

    public static Path dir(String sub) {
        String root = System.getProperty("cloister.vectors");
        if (root == null || root.isBlank()) {
            throw new AssertionError("system property cloister.vectors is not set: the vector tests cannot run");
        }
        Path p = Path.of(root, sub);
        if (!Files.isDirectory(p)) {
            throw new AssertionError("vector directory missing: " + p.toAbsolutePath());
        }
        return p;
    }

    public static String read(String sub, String file) {
        try {
            return Files.readString(dir(sub).resolve(file));
        } catch (IOException e) {
            throw new AssertionError("cannot read vector file " + sub + "/" + file, e);
        }
    }

    public static JsonNode json(String sub, String file) {
        try {
            return new ObjectMapper().readTree(read(sub, file));
        } catch (IOException e) {
            throw new AssertionError("vector file " + sub + "/" + file + " is not JSON", e);
        }
    }

    public static byte[] hex(String s) {
        String h = s.startsWith("0x") ? s.substring(2) : s;
        return HexFormat.of().parseHex(h);
    }

    public static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    public static String str(JsonNode v, String name) {
        JsonNode field = get(v, name);
        if (!field.isTextual()) throw new AssertionError(name + " is not a string");
        return field.textValue();
    }

    public static JsonNode get(JsonNode v, String name) {
        JsonNode field = v.get(name);
        if (field == null) throw new AssertionError("no " + name);
        return field;
    }

    public static java.util.List<JsonNode> list(JsonNode v) {
        if (!v.isArray()) throw new AssertionError("not an array");
        java.util.List<JsonNode> out = new java.util.ArrayList<>();
        v.forEach(out::add);
        return out;
    }
}
