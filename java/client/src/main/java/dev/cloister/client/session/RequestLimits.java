package dev.cloister.client.session;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What an enclave accepts in one request, checked by the client before it spends a token: a request the enclave would
 * refuse costs nothing when the client can tell. The defaults are the enclave's own ({@code AssistantRequest.Limits}
 * and its styles and tones; a node test keeps them equal). Refusals name the field and the rule, never the content.
 *
 * @param maxBodyBytes the largest JSON body (UTF-8 bytes) one request may carry
 * @param maxMessages the most chat messages one summary may cover
 * @param maxFieldChars the longest message text or draft, in UTF-16 code units (as the enclave counts)
 */
public record RequestLimits(int maxBodyBytes, int maxMessages, int maxFieldChars) {

    /** The enclave's defaults. */
    public static final RequestLimits DEFAULT = new RequestLimits(64 * 1024, 200, 8 * 1024);
    /** Summary styles the enclave knows. */
    public static final Set<String> STYLES = Set.of("brief", "bullets", "detailed");
    /** Rewrite tones the enclave knows. */
    public static final Set<String> TONES = Set.of("friendly", "formal", "concise");

    /** The enclave's limits on a message's id and sender (UTF-16 code units). */
    private static final int MAX_ID_CHARS = 128;
    private static final int MAX_SENDER_CHARS = 256;

    public RequestLimits {
        if (maxBodyBytes < 1 || maxMessages < 1 || maxFieldChars < 1) {
            throw new IllegalArgumentException("request limits must be positive");
        }
    }

    /** Refuses a summary request the enclave would refuse. */
    void checkSummary(List<CloisterClient.Message> messages, String style) throws SessionFailure {
        if (messages == null || messages.isEmpty()) {
            throw refused("the chat is empty: there is nothing to summarize");
        }
        if (messages.size() > maxMessages) {
            throw refused("the chat is too large: " + messages.size() + " messages, at most " + maxMessages
                    + " in one request");
        }
        for (int i = 0; i < messages.size(); i++) {
            CloisterClient.Message m = messages.get(i);
            if (m == null || m.time() == null) {
                throw refused("messages[" + i + "] has no time");
            }
            field(m.id(), "messages[" + i + "].id", MAX_ID_CHARS);
            field(m.sender(), "messages[" + i + "].sender", MAX_SENDER_CHARS);
            field(m.text(), "messages[" + i + "].text", maxFieldChars);
        }
        if (style == null || !STYLES.contains(style)) {
            throw refused("unknown style: use one of " + String.join(", ", new TreeSet<>(STYLES)));
        }
    }

    /** Refuses a rewrite request the enclave would refuse. */
    void checkRewrite(String draft, String tone) throws SessionFailure {
        field(draft, "the draft", maxFieldChars);
        if (tone == null || !TONES.contains(tone)) {
            throw refused("unknown tone: use one of " + String.join(", ", new TreeSet<>(TONES)));
        }
    }

    /** Refuses a body too large for one request. */
    void checkBody(byte[] json) throws SessionFailure {
        if (json.length > maxBodyBytes) {
            throw refused("the request is too large: " + json.length + " bytes, at most " + maxBodyBytes
                    + " in one request");
        }
    }

    private static void field(String value, String name, int max) throws SessionFailure {
        if (value == null || value.isEmpty()) {
            throw refused(name + " is empty");
        }
        if (value.length() > max) {
            throw refused(name + " is too long: " + value.length() + " characters, at most " + max);
        }
    }

    private static SessionFailure refused(String reason) {
        return new SessionFailure(SessionFailure.Kind.REQUEST, "not sent (no token spent): " + reason, null);
    }
}
