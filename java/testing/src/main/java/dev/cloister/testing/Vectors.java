package dev.cloister.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The published vectors in the repository's {@code testdata/vectors}, whose path the build passes as the system
 * property {@code cloister.vectors}. A missing property, directory or file fails the test: vector tests never skip.
 */
public final class Vectors {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Vectors() {}

    /** The vectors directory. */
    public static Path root() {
        String dir = System.getProperty("cloister.vectors");
        if (dir == null || dir.isBlank()) {
            throw new AssertionError(
                    "system property cloister.vectors is not set (the build sets it to testdata/vectors)");
        }
        Path root = Path.of(dir);
        if (!Files.isDirectory(root)) {
            throw new AssertionError("vector directory missing: " + root.toAbsolutePath());
        }
        return root;
    }

    /** A folder of the vectors, e.g. {@code dir("sev-snp")}. */
    public static Path dir(String sub) {
        Path dir = root().resolve(sub);
        if (!Files.isDirectory(dir)) {
            throw new AssertionError("vector directory missing: " + dir.toAbsolutePath());
        }
        return dir;
    }

    /** A file of the vectors, by its path relative to the vectors directory. */
    public static Path file(String relative) {
        Path file = root().resolve(relative);
        if (!Files.isRegularFile(file)) {
            throw new AssertionError("vector file missing: " + file.toAbsolutePath());
        }
        return file;
    }

    public static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new AssertionError("cannot read vector file " + file, e);
        }
    }

    /** The text of {@code sub/file}. */
    public static String read(String sub, String file) {
        try {
            return Files.readString(dir(sub).resolve(file));
        } catch (IOException e) {
            throw new AssertionError("cannot read vector file " + sub + "/" + file, e);
        }
    }

    /** A JSON vector file (gunzipped when its name ends in {@code .gz}). */
    public static JsonNode json(String relative) {
        Path file = file(relative);
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = relative.endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
            return MAPPER.readTree(in);
        } catch (IOException e) {
            throw new AssertionError("vector file " + relative + " is not JSON", e);
        }
    }

    public static JsonNode json(String sub, String file) {
        return json(sub + "/" + file);
    }

    /** Hex as the vectors write it, with or without a {@code 0x} prefix. */
    public static byte[] hex(String text) {
        return HexFormat.of().parseHex(text.startsWith("0x") ? text.substring(2) : text);
    }

    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    /** The hex string field {@code name} of a vector object, decoded. */
    public static byte[] hex(JsonNode vector, String name) {
        return hex(str(vector, name));
    }

    public static JsonNode get(JsonNode vector, String name) {
        JsonNode field = vector.get(name);
        if (field == null) {
            throw new AssertionError("vector lacks field " + name);
        }
        return field;
    }

    public static String str(JsonNode vector, String name) {
        JsonNode field = get(vector, name);
        if (!field.isTextual()) {
            throw new AssertionError(name + " is not a string");
        }
        return field.textValue();
    }

    public static List<JsonNode> list(JsonNode array) {
        if (!array.isArray()) {
            throw new AssertionError("not an array");
        }
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }
}
