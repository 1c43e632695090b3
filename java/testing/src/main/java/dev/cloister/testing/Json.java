package dev.cloister.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * The test vectors' JSON, read with Jackson into maps, lists, strings, longs, doubles and booleans. Integers above
 * 2^63-1 (uint64 probes) wrap to negative longs, as the vectors' Go sources treat them.
 */
public final class Json {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Json() {}

    public static Object parse(String text) {
        try {
            return wrapUnsigned(MAPPER.readValue(text, Object.class));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(String text) {
        return (Map<String, Object>) parse(text);
    }

    @SuppressWarnings("unchecked")
    private static Object wrapUnsigned(Object value) {
        if (value instanceof BigInteger big) {
            return big.longValue();
        }
        if (value instanceof Integer small) {
            return small.longValue();
        }
        if (value instanceof Map<?, ?> map) {
            ((Map<String, Object>) map).replaceAll((k, v) -> wrapUnsigned(v));
        } else if (value instanceof List<?> list) {
            ((List<Object>) list).replaceAll(Json::wrapUnsigned);
        }
        return value;
    }
}
