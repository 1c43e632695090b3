package dev.cloister.protocol.openai;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A refusal in the OpenAI API's error shape, {@code {"error":{"message","type","param","code"}}}, with the HTTP status
 * it is answered with (400 invalid request, 404 unknown model or path, 413 too long, 429 or 503 overloaded with
 * {@code Retry-After}). The message is a fixed text chosen by the code that refuses, never the user's content.
 */
public final class OpenAiError extends Exception {

    private static final long serialVersionUID = 1L;

    /** The {@code type} values this API uses. */
    public static final String INVALID_REQUEST = "invalid_request_error";

    public static final String NOT_FOUND = "not_found_error";
    public static final String SERVER_ERROR = "server_error";
    public static final String AUTHENTICATION = "authentication_error";
    /** A check of the private session failed (key consistency, ledger, token, attestation): nothing was sent. */
    public static final String VERIFICATION = "verification_error";

    private final int status;
    private final String type;
    private final String param;
    private final String code;

    public OpenAiError(int status, String type, String param, String code, String message) {
        super(message);
        if (status < 400 || status > 599) throw new IllegalArgumentException("error status " + status);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400: a field is missing, of the wrong type or out of range. */
    public static OpenAiError invalid(String param, String message) {
        return new OpenAiError(400, INVALID_REQUEST, param, null, message);
    }

    /** 404 for a model this enclave does not serve. */
    public static OpenAiError unknownModel() {
        return new OpenAiError(
                404, INVALID_REQUEST, "model", "model_not_found", "the model does not exist or is not served here");
    }

    /** 413: the body, a field or the prompt is longer than this enclave accepts. */
    public static OpenAiError tooLong(String param, String code, String message) {
        return new OpenAiError(413, INVALID_REQUEST, param, code, message);
    }

    /** 503 with {@code Retry-After}: the enclave is at capacity for now. */
    public static OpenAiError overloaded(String message) {
        return new OpenAiError(503, SERVER_ERROR, null, "overloaded", message);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public Optional<String> param() {
        return Optional.ofNullable(param);
    }

    public Optional<String> code() {
        return Optional.ofNullable(code);
    }

    /** Whether the answer carries {@code Retry-After} (an overload, which a later try may pass). */
    public boolean retryable() {
        return status == 429 || status == 503;
    }

    /** The error document. */
    public JsonObject toJson() {
        return new JsonObject()
                .put(
                        "error",
                        new JsonObject()
                                .put("message", getMessage())
                                .put("type", type)
                                .put("param", param)
                                .put("code", code));
    }

    public byte[] encode() {
        return toJson().encode().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads an error document answered with {@code status}; a body that is not one gives an error with the status
     * alone (the body is not quoted).
     */
    public static OpenAiError decode(int status, byte[] body) {
        int checked = status >= 400 && status <= 599 ? status : 502;
        try {
            JsonObject error = new JsonObject(new String(body, StandardCharsets.UTF_8)).getJsonObject("error");
            if (error != null && error.getValue("message") instanceof String message) {
                return new OpenAiError(
                        checked,
                        error.getValue("type") instanceof String t ? t : SERVER_ERROR,
                        error.getValue("param") instanceof String p ? p : null,
                        error.getValue("code") instanceof String c ? c : null,
                        message);
            }
        } catch (RuntimeException notJson) {
            // fall through
        }
        return new OpenAiError(
                checked, checked < 500 ? INVALID_REQUEST : SERVER_ERROR, null, null, "answered " + checked);
    }
}
