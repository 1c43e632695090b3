package dev.cloister.tokens.json;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A small, bounded RFC 8259 JSON tree: enough for the Privacy Pass issuer directory (RFC 9578 §4) and the test vector
 * files, without a JSON library dependency. Parse with {@link JsonParser}, write with {@link #toJson()}.
 */
public sealed interface JsonValue {

    /** The JSON text of this value, compact, object members in insertion order. */
    default String toJson() {
        StringBuilder sb = new StringBuilder();
        JsonParser.write(this, sb);
        return sb.toString();
    }

    record JsonObject(Map<String, JsonValue> members) implements JsonValue {
        public JsonObject {
            members = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(members));
        }

        public Optional<JsonValue> get(String name) {
            return Optional.ofNullable(members.get(name));
        }
    }

    record JsonArray(List<JsonValue> elements) implements JsonValue {
        public JsonArray {
            elements = List.copyOf(elements);
        }
    }

    record JsonString(String value) implements JsonValue {
        public JsonString {
            java.util.Objects.requireNonNull(value, "value");
        }
    }

    record JsonNumber(BigDecimal value) implements JsonValue {
        public JsonNumber {
            java.util.Objects.requireNonNull(value, "value");
        }
    }

    record JsonBoolean(boolean value) implements JsonValue {}

    record JsonNull() implements JsonValue {}
}
