package dev.cloister.protocol;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.protocol.AssistantRequest.ChatMessage;
import dev.cloister.protocol.AssistantRequest.Invalid;
import dev.cloister.protocol.AssistantRequest.Limits;
import dev.cloister.protocol.AssistantRequest.Rewrite;
import dev.cloister.protocol.AssistantRequest.Summarize;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** One set of rules for both sides: what the client builds, the enclave parses back to the same request. */
class AssistantRequestTest {

    private static final Limits LIMITS = Limits.DEFAULT;
    private static final Instant T = Instant.parse("2026-11-28T09:00:00Z");

    private static ChatMessage message(String id, String sender, String text) {
        return new ChatMessage(id, sender, T, text);
    }

    private static Invalid refused(int status, Executable check) {
        Invalid e = assertThrows(Invalid.class, check);
        assertEquals(status, e.status(), e.getMessage());
        return e;
    }

    @Test
    void whatTheClientEncodesTheEnclaveParsesBack() throws Invalid {
        Summarize summary = new Summarize(
                List.of(message("m1", "Alice", "lunch at noon?"), message("m2", "Bob", "yes ☕")), Style.BULLETS);
        assertEquals(summary, AssistantRequest.parse("/v1/summarize", summary.encode(), LIMITS));
        Rewrite rewrite = new Rewrite("see you tmrw", Tone.FORMAL);
        assertEquals(rewrite, AssistantRequest.parse(UseCase.REWRITE.path(), rewrite.encode(), LIMITS));
    }

    @Test
    void defaultsWhenStyleOrToneIsAbsent() throws Invalid {
        Summarize s = (Summarize) AssistantRequest.parse(
                "/v1/summarize",
                ("{\"messages\":[{\"id\":\"1\",\"sender\":\"a\","
                                + "\"time\":\"2026-11-28T09:00:00Z\",\"text\":\"hi\"}]}")
                        .getBytes(StandardCharsets.UTF_8),
                LIMITS);
        assertEquals(Style.BRIEF, s.style());
        Rewrite r = (Rewrite)
                AssistantRequest.parse("/v1/rewrite", "{\"draft\":\"d\"}".getBytes(StandardCharsets.UTF_8), LIMITS);
        assertEquals(Tone.FRIENDLY, r.tone());
    }

    @Test
    void summaryChecks() {
        List<ChatMessage> ok = List.of(message("m1", "Alice", "hello"));
        assertDoesNotThrow(() -> new Summarize(ok, Style.BULLETS).check(LIMITS));
        refused(400, () -> new Summarize(List.of(), Style.BRIEF).check(LIMITS));
        refused(400, () -> new Summarize(ok, null).check(LIMITS));
        refused(400, () -> new Summarize(List.of(message("", "Alice", "hi")), Style.BRIEF).check(LIMITS));
        refused(413, () -> new Summarize(List.of(message("m1", "a".repeat(257), "hi")), Style.BRIEF).check(LIMITS));
        refused(
                413,
                () -> new Summarize(List.of(message("m1", "Alice", "t".repeat(8 * 1024 + 1))), Style.BRIEF)
                        .check(LIMITS));
        assertDoesNotThrow(() ->
                new Summarize(List.of(message("m1", "Alice", "t".repeat(8 * 1024))), Style.BRIEF).check(LIMITS));
        Invalid many = refused(
                413,
                () -> new Summarize(Collections.nCopies(201, message("m1", "Alice", "hi")), Style.BRIEF).check(LIMITS));
        assertTrue(many.getMessage().contains("201 messages"), many.getMessage());
        refused(
                400,
                () -> new Summarize(Collections.singletonList(new ChatMessage("m", "s", null, "t")), Style.BRIEF)
                        .check(LIMITS));
    }

    @Test
    void rewriteChecksAndUnknownNamesAreNeverEchoed() {
        assertDoesNotThrow(() -> new Rewrite("a draft", Tone.CONCISE).check(LIMITS));
        refused(400, () -> new Rewrite("", Tone.FORMAL).check(LIMITS));
        refused(400, () -> new Rewrite(null, Tone.FORMAL).check(LIMITS));
        refused(413, () -> new Rewrite("d".repeat(8 * 1024 + 1), Tone.FORMAL).check(LIMITS));
        Invalid tone = refused(400, () -> Tone.parse("secret-tone"));
        assertEquals("tone must be one of friendly, formal, concise", tone.getMessage());
        Invalid style = refused(400, () -> Style.parse("secret-style"));
        assertFalse(style.getMessage().contains("secret"));
        refused(400, () -> Style.parse(null));
    }

    @Test
    void theEnclaveRefusesMalformedBodiesNamingTheFieldNotTheContent() {
        refused(404, () -> AssistantRequest.parse("/v1/translate", "{}".getBytes(StandardCharsets.UTF_8), LIMITS));
        refused(400, () -> AssistantRequest.parse("/v1/rewrite", "[1]".getBytes(StandardCharsets.UTF_8), LIMITS));
        refused(400, () -> AssistantRequest.parse("/v1/rewrite", "not json".getBytes(StandardCharsets.UTF_8), LIMITS));
        refused(
                400,
                () -> AssistantRequest.parse("/v1/rewrite", "{\"draft\":7}".getBytes(StandardCharsets.UTF_8), LIMITS));
        Invalid time = refused(
                400,
                () -> AssistantRequest.parse(
                        "/v1/summarize",
                        ("{\"messages\":[{\"id\":\"1\","
                                        + "\"sender\":\"a\",\"time\":\"secret o'clock\",\"text\":\"hi\"}]}")
                                .getBytes(StandardCharsets.UTF_8),
                        LIMITS));
        assertFalse(time.getMessage().contains("secret"), time.getMessage());
        refused(413, () -> AssistantRequest.parse("/v1/rewrite", new byte[64 * 1024 + 1], LIMITS));
        refused(413, () -> AssistantRequest.checkSize(5_600_000, LIMITS));
        assertDoesNotThrow(() -> AssistantRequest.checkSize(64 * 1024, LIMITS));
    }

    @Test
    void limitsArePositive() {
        assertThrows(IllegalArgumentException.class, () -> new Limits(0, 1, 1));
    }
}
