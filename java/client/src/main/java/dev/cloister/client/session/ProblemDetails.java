package dev.cloister.client.session;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/** Problem documents (RFC 9457) from the gateway or the enclave, as the user is shown them. */
final class ProblemDetails {

    private ProblemDetails() {}

    /**
     * The detail of an RFC 9457 problem document: a fixed text the enclave or gateway chose (never the user's
     * content), shown to the user; control characters are replaced and the length is bounded.
     */
    static String detail(byte[] problem) {
        String detail;
        try {
            detail = new JsonObject(new String(problem, StandardCharsets.UTF_8)).getString("detail", "");
        } catch (RuntimeException e) {
            return "";
        }
        if (detail == null) return "";
        StringBuilder shown = new StringBuilder();
        detail.codePoints()
                .limit(MAX_DETAIL_CHARS)
                .forEach(c -> shown.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return shown.toString();
    }

    /** The longest problem detail shown. */
    static final int MAX_DETAIL_CHARS = 300;
}
