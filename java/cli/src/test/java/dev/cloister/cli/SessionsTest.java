package dev.cloister.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.client.session.SessionFailure;
import org.junit.jupiter.api.Test;

/** A refusal printed by {@code summarize} or {@code rewrite} always says why. */
class SessionsTest {

    @Test
    void aRefusalWithoutDetailStillCarriesAReason() {
        // What the gateway's bare 401 (no problem detail) gives for a token it already saw.
        String reason =
                Sessions.reason(new SessionFailure(SessionFailure.Kind.TOKEN, "the gateway refused the token: ", null));
        assertTrue(reason.startsWith("the gateway refused the token: "), reason);
        assertTrue(reason.length() > "the gateway refused the token: ".length() + 10, reason);
        assertTrue(reason.contains("spent"), reason);

        assertEquals("no reason given", Sessions.reason(new SessionFailure(SessionFailure.Kind.ENCLAVE, null, null)));
        assertEquals(
                "closed by peer",
                Sessions.reason(new SessionFailure(
                        SessionFailure.Kind.TRANSPORT, "", new java.io.IOException("closed by peer"))));
        assertEquals(
                "the enclave is gone",
                Sessions.reason(new SessionFailure(SessionFailure.Kind.ENCLAVE, "the enclave is gone", null)));
    }
}
