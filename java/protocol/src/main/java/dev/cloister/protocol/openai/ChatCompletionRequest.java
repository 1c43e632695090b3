package dev.cloister.protocol.openai;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The body of {@code POST /v1/chat/completions} as the OpenAI API defines it, restricted to what the enclave honours:
 * {@code model}, {@code messages} (system, developer, user and assistant; text content as a string or as text parts),
 * {@code max_tokens} or {@code max_completion_tokens}, {@code temperature}, {@code top_p}, {@code seed}, {@code stop},
 * {@code n} (1 only), {@code stream} with {@code stream_options.include_usage}; {@code user} is ignored. A field the
 * enclave cannot honour (tools, logprobs, penalties, non-text content) is refused rather than silently dropped.
 * One parser ({@link #parse}) with one set of limits serves the enclave, the SDK's check before a token is spent,
 * and the proxy; refusals name the parameter, never the content.
 *
 * @param maxTokens the most tokens to generate (absent: the enclave's default)
 * @param seed the sampler's seed (absent: the enclave draws one)
 */
public record ChatCompletionRequest(
        String model,
        List<Message> messages,
        OptionalInt maxTokens,
        float temperature,
        float topP,
        OptionalLong seed,
        List<String> stop,
        boolean stream,
        boolean includeUsage) {

    /** The most tokens one request may ask for. */
    public static final int MAX_TOKENS = 1 << 20;
    /** OpenAI's limit on stop sequences. */
    public static final int MAX_STOP_SEQUENCES = 4;
    /** The longest stop sequence, in UTF-8 bytes. */
    public static final int MAX_STOP_BYTES = 256;
    /** The longest model name. */
    public static final int MAX_MODEL_CHARS = 256;

    /**
     * Who speaks a message, in the OpenAI API's words; the enclave maps these to its chat template's roles
     * ({@code developer} is OpenAI's newer name for {@code system}).
     */
    public enum Role {
        SYSTEM,
        DEVELOPER,
        USER,
        ASSISTANT;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Optional<Role> ofWireName(String name) {
            for (Role role : values()) {
                if (role.wireName().equals(name)) return Optional.of(role);
            }
            return Optional.empty();
        }
    }

    /** One message: user data, never logged; {@link #toString()} shows its size only. */
    public record Message(Role role, String content) {
        public Message {
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(content, "content");
        }

        @Override
        public String toString() {
            return "Message[" + role.wireName() + ", " + content.length() + " chars]";
        }
    }

    /** Limits per request. */
    public record Limits(int maxBodyBytes, int maxMessages, int maxContentChars) {
        public static final Limits DEFAULT = new Limits(256 * 1024, 256, 128 * 1024);

        public Limits {
            if (maxBodyBytes < 1 || maxMessages < 1 || maxContentChars < 1) {
                throw new IllegalArgumentException("request limits must be positive");
            }
        }
    }

    public ChatCompletionRequest {
        messages = List.copyOf(messages);
        stop = List.copyOf(stop);
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(maxTokens, "maxTokens");
        Objects.requireNonNull(seed, "seed");
    }

    /** A request with the API's defaults: temperature 1, top_p 1, no seed, no stop, not streamed. */
    public static ChatCompletionRequest of(String model, List<Message> messages) {
        return new ChatCompletionRequest(
                model, messages, OptionalInt.empty(), 1f, 1f, OptionalLong.empty(), List.of(), false, false);
    }

    public ChatCompletionRequest withMaxTokens(int n) {
        return new ChatCompletionRequest(
                model, messages, OptionalInt.of(n), temperature, topP, seed, stop, stream, includeUsage);
    }

    public ChatCompletionRequest withSampling(float temperature, float topP, OptionalLong seed) {
        return new ChatCompletionRequest(
                model, messages, maxTokens, temperature, topP, seed, stop, stream, includeUsage);
    }

    public ChatCompletionRequest withStop(List<String> stop) {
        return new ChatCompletionRequest(
                model, messages, maxTokens, temperature, topP, seed, stop, stream, includeUsage);
    }

    /** Streamed as {@code chat.completion.chunk} events; with {@code includeUsage}, a last chunk carries the usage. */
    public ChatCompletionRequest streamed(boolean includeUsage) {
        return new ChatCompletionRequest(model, messages, maxTokens, temperature, topP, seed, stop, true, includeUsage);
    }

    /** Refuses what the enclave would refuse under {@code limits} (the same rules as {@link #parse}). */
    public void check(Limits limits) throws OpenAiError {
        if (model.isEmpty() || model.length() > MAX_MODEL_CHARS) {
            throw OpenAiError.invalid("model", "model must be a string of 1 to " + MAX_MODEL_CHARS + " characters");
        }
        if (messages.isEmpty()) {
            throw OpenAiError.invalid("messages", "messages must be a non-empty array");
        }
        if (messages.size() > limits.maxMessages()) {
            throw OpenAiError.tooLong(
                    "messages", "too_many_messages", messages.size() + " messages exceed " + limits.maxMessages());
        }
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i).content().length() > limits.maxContentChars()) {
                throw OpenAiError.tooLong(
                        "messages[" + i + "].content",
                        "content_too_long",
                        "messages[" + i + "].content exceeds " + limits.maxContentChars() + " characters");
            }
        }
        if (maxTokens.isPresent() && (maxTokens.getAsInt() < 1 || maxTokens.getAsInt() > MAX_TOKENS)) {
            throw OpenAiError.invalid("max_tokens", "max_tokens must be an integer from 1 to " + MAX_TOKENS);
        }
        if (!(temperature >= 0f && temperature <= 2f)) {
            throw OpenAiError.invalid("temperature", "temperature must be a number from 0 to 2");
        }
        if (!(topP > 0f && topP <= 1f)) {
            throw OpenAiError.invalid("top_p", "top_p must be a number above 0 and at most 1");
        }
        if (stop.size() > MAX_STOP_SEQUENCES) {
            throw OpenAiError.invalid("stop", "stop takes at most " + MAX_STOP_SEQUENCES + " sequences");
        }
        for (String s : stop) {
            int bytes = s.getBytes(StandardCharsets.UTF_8).length;
            if (bytes < 1 || bytes > MAX_STOP_BYTES) {
                throw OpenAiError.invalid("stop", "each stop sequence must be 1 to " + MAX_STOP_BYTES + " bytes");
            }
        }
        if (includeUsage && !stream) {
            throw OpenAiError.invalid("stream_options", "stream_options is only allowed when stream is true");
        }
    }

    /** The JSON body, UTF-8. */
    public byte[] encode() {
        JsonArray array = new JsonArray();
        for (Message m : messages) {
            array.add(new JsonObject().put("role", m.role().wireName()).put("content", m.content()));
        }
        JsonObject json = new JsonObject().put("model", model).put("messages", array);
        maxTokens.ifPresent(n -> json.put("max_completion_tokens", n));
        json.put("temperature", (double) temperature).put("top_p", (double) topP);
        seed.ifPresent(s -> json.put("seed", s));
        if (!stop.isEmpty()) json.put("stop", new JsonArray(new ArrayList<>(stop)));
        json.put("stream", stream);
        if (stream) json.put("stream_options", new JsonObject().put("include_usage", includeUsage));
        return json.encode().getBytes(StandardCharsets.UTF_8);
    }

    /** Parses and checks a body. The size is checked before anything is parsed. */
    public static ChatCompletionRequest parse(byte[] body, Limits limits) throws OpenAiError {
        if (body.length > limits.maxBodyBytes()) {
            throw OpenAiError.tooLong(
                    null,
                    "request_too_large",
                    "request body of " + body.length + " bytes exceeds " + limits.maxBodyBytes());
        }
        JsonObject json;
        try {
            json = new JsonObject(new String(body, StandardCharsets.UTF_8));
        } catch (RuntimeException e) { // DecodeException, or a JSON value that is not an object
            throw OpenAiError.invalid(null, "the body is not a JSON object");
        }
        if (!(json.getValue("model") instanceof String model)) {
            throw OpenAiError.invalid("model", "model must be a string");
        }
        if (!(json.getValue("messages") instanceof JsonArray array) || array.isEmpty()) {
            throw OpenAiError.invalid("messages", "messages must be a non-empty array");
        }
        if (array.size() > limits.maxMessages()) {
            throw OpenAiError.tooLong(
                    "messages", "too_many_messages", array.size() + " messages exceed " + limits.maxMessages());
        }
        List<Message> messages = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            messages.add(message(array.getValue(i), "messages[" + i + "]"));
        }
        refuseUnsupported(json);
        Integer maxTokens = optionalInt(json, "max_completion_tokens");
        if (maxTokens == null) maxTokens = optionalInt(json, "max_tokens");
        Object n = json.getValue("n");
        if (n != null && !(n instanceof Number number && isInteger(number) && number.longValue() == 1)) {
            throw OpenAiError.invalid("n", "n must be 1");
        }
        float temperature = optionalNumber(json, "temperature", 1f);
        float topP = optionalNumber(json, "top_p", 1f);
        Object seedValue = json.getValue("seed");
        OptionalLong seed;
        if (seedValue == null) {
            seed = OptionalLong.empty();
        } else if (seedValue instanceof Integer || seedValue instanceof Long) {
            seed = OptionalLong.of(((Number) seedValue).longValue());
        } else {
            throw OpenAiError.invalid("seed", "seed must be a 64-bit integer");
        }
        List<String> stop = stop(json.getValue("stop"));
        Object streamValue = json.getValue("stream");
        if (streamValue != null && !(streamValue instanceof Boolean)) {
            throw OpenAiError.invalid("stream", "stream must be a boolean");
        }
        boolean stream = Boolean.TRUE.equals(streamValue);
        boolean includeUsage = false;
        Object options = json.getValue("stream_options");
        if (options != null) {
            if (!(options instanceof JsonObject o)
                    || (o.getValue("include_usage") != null && !(o.getValue("include_usage") instanceof Boolean))) {
                throw OpenAiError.invalid("stream_options", "stream_options must be {\"include_usage\": boolean}");
            }
            if (!stream) {
                throw OpenAiError.invalid("stream_options", "stream_options is only allowed when stream is true");
            }
            includeUsage = Boolean.TRUE.equals(o.getValue("include_usage"));
        }
        ChatCompletionRequest request = new ChatCompletionRequest(
                model,
                messages,
                maxTokens == null ? OptionalInt.empty() : OptionalInt.of(maxTokens),
                temperature,
                topP,
                seed,
                stop,
                stream,
                includeUsage);
        request.check(limits);
        return request;
    }

    private static Message message(Object value, String where) throws OpenAiError {
        if (!(value instanceof JsonObject m)) {
            throw OpenAiError.invalid(where, where + " must be an object");
        }
        if (!(m.getValue("role") instanceof String name)) {
            throw OpenAiError.invalid(where + ".role", where + ".role must be a string");
        }
        Role role = Role.ofWireName(name)
                .orElseThrow(() -> OpenAiError.invalid(
                        where + ".role", where + ".role must be system, developer, user or assistant"));
        if (m.containsKey("tool_calls") || m.containsKey("function_call")) {
            throw OpenAiError.invalid(where, "tool calls are not supported");
        }
        Object content = m.getValue("content");
        if (content instanceof String text) {
            return new Message(role, text);
        }
        if (content instanceof JsonArray parts) {
            StringBuilder text = new StringBuilder();
            for (int j = 0; j < parts.size(); j++) {
                String part = where + ".content[" + j + "]";
                if (!(parts.getValue(j) instanceof JsonObject p)
                        || !"text".equals(p.getValue("type"))
                        || !(p.getValue("text") instanceof String piece)) {
                    throw OpenAiError.invalid(part, part + " must be a text part {\"type\":\"text\",\"text\":...}");
                }
                text.append(piece);
            }
            return new Message(role, text.toString());
        }
        throw OpenAiError.invalid(where + ".content", where + ".content must be a string or an array of text parts");
    }

    /** Fields whose meaning the enclave cannot honour: refused, so that a caller is never silently misled. */
    private static void refuseUnsupported(JsonObject json) throws OpenAiError {
        for (String field : List.of("tools", "functions", "tool_choice", "function_call", "audio", "modalities")) {
            Object value = json.getValue(field);
            if (value != null && !"none".equals(value)) {
                throw OpenAiError.invalid(field, field + " is not supported");
            }
        }
        if (Boolean.TRUE.equals(json.getValue("logprobs")) || json.getValue("top_logprobs") != null) {
            throw OpenAiError.invalid("logprobs", "logprobs are not supported");
        }
        if (json.getValue("response_format") instanceof JsonObject format && !"text".equals(format.getValue("type"))) {
            throw OpenAiError.invalid("response_format", "only the text response format is supported");
        }
        if (json.getValue("logit_bias") instanceof JsonObject bias && !bias.isEmpty()) {
            throw OpenAiError.invalid("logit_bias", "logit_bias is not supported");
        }
        for (String penalty : List.of("frequency_penalty", "presence_penalty")) {
            Object value = json.getValue(penalty);
            if (value != null && !(value instanceof Number number && number.doubleValue() == 0d)) {
                throw OpenAiError.invalid(penalty, penalty + " is not supported (0 only)");
            }
        }
    }

    private static List<String> stop(Object value) throws OpenAiError {
        if (value == null) return List.of();
        if (value instanceof String s) return List.of(s);
        if (value instanceof JsonArray array) {
            if (array.size() > MAX_STOP_SEQUENCES) {
                throw OpenAiError.invalid("stop", "stop takes at most " + MAX_STOP_SEQUENCES + " sequences");
            }
            List<String> stops = new ArrayList<>(array.size());
            for (int i = 0; i < array.size(); i++) {
                if (!(array.getValue(i) instanceof String s)) {
                    throw OpenAiError.invalid("stop", "stop must be a string or an array of strings");
                }
                stops.add(s);
            }
            return stops;
        }
        throw OpenAiError.invalid("stop", "stop must be a string or an array of strings");
    }

    private static Integer optionalInt(JsonObject json, String key) throws OpenAiError {
        Object value = json.getValue(key);
        if (value == null) return null;
        if (!(value instanceof Number number)
                || !isInteger(number)
                || number.longValue() < 1
                || number.longValue() > MAX_TOKENS) {
            throw OpenAiError.invalid(key, key + " must be an integer from 1 to " + MAX_TOKENS);
        }
        return number.intValue();
    }

    private static float optionalNumber(JsonObject json, String key, float absent) throws OpenAiError {
        Object value = json.getValue(key);
        if (value == null) return absent;
        if (!(value instanceof Number number) || !Double.isFinite(number.doubleValue())) {
            throw OpenAiError.invalid(key, key + " must be a number");
        }
        return number.floatValue();
    }

    private static boolean isInteger(Number number) {
        return number instanceof Integer || number instanceof Long;
    }

    @Override
    public String toString() {
        return "ChatCompletionRequest[model=" + model + ", messages=" + messages.size() + ", maxTokens=" + maxTokens
                + ", stop=" + stop.size() + ", stream=" + stream + "]";
    }
}
