package dev.cloister.client.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** How an enclave's or gateway's reason is shown to the user: bounded, without control characters. */
class ProblemDetailTest {

    @Test
    void theEnclavesReasonIsShownBoundedAndWithoutControlCharacters() {
        assertEquals(
                "draft exceeds 8192 characters",
                ProblemDetails.detail("{\"status\":413,\"detail\":\"draft exceeds 8192 characters\"}"
                        .getBytes(StandardCharsets.UTF_8)));
        assertEquals("a?[2Jb", ProblemDetails.detail("{\"detail\":\"a\\u001b[2Jb\"}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(
                300,
                ProblemDetails.detail(("{\"detail\":\"" + "x".repeat(5000) + "\"}").getBytes(StandardCharsets.UTF_8))
                        .length());
        assertEquals("", ProblemDetails.detail("not json".getBytes(StandardCharsets.UTF_8)));
    }
}
