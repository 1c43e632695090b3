package dev.cloister.attest.tdx;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cloister.attest.AttestationException;
import dev.cloister.base.Hex;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/** Strict readers for the fields of Intel's PCS JSON (after its signature was checked): wrong types are refused. */
final class PcsJson {

    private static final ObjectMapper MAPPER =
            new ObjectMapper(PcsSignedBody.JSON).enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    private PcsJson() {}

    static JsonNode parse(byte[] signedObject, String what) throws AttestationException {
        try {
            JsonNode n = MAPPER.readTree(signedObject);
            if (n == null || !n.isObject()) {
                throw new AttestationException(what + " is not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new AttestationException(what + " is not valid JSON", e);
        }
    }

    static JsonNode field(JsonNode o, String name) throws AttestationException {
        JsonNode v = o.get(name);
        if (v == null || v.isNull()) {
            throw new AttestationException("field \"" + name + "\" is missing");
        }
        return v;
    }

    static String string(JsonNode o, String name) throws AttestationException {
        JsonNode v = field(o, name);
        if (!v.isTextual()) {
            throw new AttestationException("field \"" + name + "\" is not a string");
        }
        return v.textValue();
    }

    static int integer(JsonNode o, String name, int max) throws AttestationException {
        JsonNode v = field(o, name);
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0 || v.intValue() > max) {
            throw new AttestationException("field \"" + name + "\" is not an integer in 0.." + max);
        }
        return v.intValue();
    }

    static byte[] hex(JsonNode o, String name, int len) throws AttestationException {
        String s = string(o, name);
        try {
            byte[] b = Hex.parse(s);
            if (b.length != len) {
                throw AttestationException.mismatch("field \"" + name + "\" length", len + " bytes", b.length);
            }
            return b;
        } catch (IllegalArgumentException e) {
            throw new AttestationException("field \"" + name + "\" is not hex (" + e.getMessage() + ")", e);
        }
    }

    static Instant instant(JsonNode o, String name) throws AttestationException {
        String s = string(o, name);
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new AttestationException("field \"" + name + "\" is not an ISO-8601 UTC time", e);
        }
    }

    static List<JsonNode> array(JsonNode o, String name, int min, int max) throws AttestationException {
        JsonNode v = field(o, name);
        if (!v.isArray() || v.size() < min || v.size() > max) {
            throw new AttestationException(
                    "field \"" + name + "\" is not an array of " + min + ".." + max + " elements");
        }
        List<JsonNode> out = new ArrayList<>();
        v.forEach(out::add);
        return out;
    }

    static List<String> advisories(JsonNode level) throws AttestationException {
        if (!level.has("advisoryIDs")) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (JsonNode a : array(level, "advisoryIDs", 0, 1024)) {
            if (!a.isTextual()) {
                throw new AttestationException("advisoryIDs holds a non-string");
            }
            out.add(a.textValue());
        }
        return List.copyOf(out);
    }
}
