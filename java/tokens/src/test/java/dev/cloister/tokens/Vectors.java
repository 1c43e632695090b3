package dev.cloister.tokens;

import dev.cloister.tokens.json.JsonException;
import dev.cloister.tokens.json.JsonParser;
import dev.cloister.tokens.json.JsonValue;
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

    public static JsonValue json(String sub, String file) {
        try {
            return JsonParser.parse(read(sub, file), 1 << 24, 64);
        } catch (JsonException e) {
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

    public static String str(JsonValue v, String name) {
        return ((JsonValue.JsonString) ((JsonValue.JsonObject) v).get(name).orElseThrow(() -> new AssertionError("no " + name))).value();
    }

    public static JsonValue get(JsonValue v, String name) {
        return ((JsonValue.JsonObject) v).get(name).orElseThrow(() -> new AssertionError("no " + name));
    }

    public static java.util.List<JsonValue> list(JsonValue v) {
        return ((JsonValue.JsonArray) v).elements();
    }
}
