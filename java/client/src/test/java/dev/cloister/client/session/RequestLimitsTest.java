package dev.cloister.client.session;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checks the client makes before it spends a token, and how an enclave's reason is shown. */
class RequestLimitsTest {

    static final RequestLimits LIMITS = RequestLimits.DEFAULT;

    static CloisterClient.Message message(String id, String sender, String text) {
        return new CloisterClient.Message(id, sender, Instant.parse("2026-11-28T09:00:00Z"), text);
    }

    static SessionFailure refused(org.junit.jupiter.api.function.Executable check) {
        SessionFailure f = assertThrows(SessionFailure.class, check);
        assertEquals(SessionFailure.Kind.REQUEST, f.kind());
        assertFalse(f.retryable());
        return f;
    }

    @Test
    void summaryChecks() {
        List<CloisterClient.Message> ok = List.of(message("m1", "Alice", "hello"));
        assertDoesNotThrow(() -> LIMITS.checkSummary(ok, "bullets"));
        refused(() -> LIMITS.checkSummary(List.of(), "brief"));
        refused(() -> LIMITS.checkSummary(null, "brief"));
        refused(() -> LIMITS.checkSummary(ok, "Brief"));
        refused(() -> LIMITS.checkSummary(ok, null));
        refused(() -> LIMITS.checkSummary(List.of(message("", "Alice", "hi")), "brief"));
        refused(() -> LIMITS.checkSummary(List.of(message("m1", "a".repeat(257), "hi")), "brief"));
        refused(() -> LIMITS.checkSummary(List.of(message("m1", "Alice", "t".repeat(8 * 1024 + 1))), "brief"));
        assertDoesNotThrow(() -> LIMITS.checkSummary(List.of(message("m1", "Alice", "t".repeat(8 * 1024))), "brief"));
        SessionFailure many = refused(() -> LIMITS.checkSummary(
                Collections.nCopies(201, message("m1", "Alice", "hi")), "brief"));
        assertTrue(many.getMessage().contains("201 messages"), many.getMessage());
    }

    @Test
    void rewriteChecksNeverEchoTheInput() {
        assertDoesNotThrow(() -> LIMITS.checkRewrite("a draft", "concise"));
        refused(() -> LIMITS.checkRewrite("", "formal"));
        refused(() -> LIMITS.checkRewrite(null, "formal"));
        refused(() -> LIMITS.checkRewrite("d".repeat(8 * 1024 + 1), "formal"));
        SessionFailure tone = refused(() -> LIMITS.checkRewrite("secret draft", "secret-tone"));
        assertEquals("not sent (no token spent): unknown tone: use one of concise, formal, friendly", tone.getMessage());
    }

    @Test
    void bodySize() {
        assertDoesNotThrow(() -> LIMITS.checkBody(new byte[64 * 1024]));
        SessionFailure big = refused(() -> LIMITS.checkBody(new byte[5_600_000]));
        assertTrue(big.getMessage().contains("too large"), big.getMessage());
    }

    @Test
    void limitsArePositive() {
        assertThrows(IllegalArgumentException.class, () -> new RequestLimits(0, 1, 1));
    }

    @Test
    void theEnclavesReasonIsShownBoundedAndWithoutControlCharacters() {
        assertEquals("draft exceeds 8192 characters", CloisterClient.problemDetail(
                "{\"status\":413,\"detail\":\"draft exceeds 8192 characters\"}".getBytes(StandardCharsets.UTF_8)));
        assertEquals("a?[2Jb", CloisterClient.problemDetail(
                "{\"detail\":\"a\\u001b[2Jb\"}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(300, CloisterClient.problemDetail(("{\"detail\":\"" + "x".repeat(5000) + "\"}")
                .getBytes(StandardCharsets.UTF_8)).length());
        assertEquals("", CloisterClient.problemDetail("not json".getBytes(StandardCharsets.UTF_8)));
    }
}
