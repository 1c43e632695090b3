package dev.cloister.protocol.membership;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class GatewayAuthorizationTest {

    private static final Instant NOW = Instant.parse("2026-12-06T09:00:00Z");
    private static final String PATH = "/sessions/AAAAAAAAAAAAAAAAAAAAAA";

    private static byte[] secret(int length, int fill) {
        byte[] s = new byte[length];
        Arrays.fill(s, (byte) fill);
        return s;
    }

    private static GatewayAuthorization at(Instant now, byte[] secret) {
        return GatewayAuthorization.of(secret, Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void theGatewaysHeaderIsAcceptedForItsMethodAndPathOnly() throws Exception {
        GatewayAuthorization gateway = at(NOW, secret(32, 7));
        GatewayAuthorization enclave = at(NOW.plusSeconds(30), secret(32, 7));
        String header = gateway.header("POST", PATH);
        assertTrue(header.startsWith("Cloister-Gateway-HMAC-SHA256 " + NOW.getEpochSecond() + "."), header);
        assertDoesNotThrow(() -> enclave.check("POST", PATH, header));
        assertEquals(
                "gateway authorization does not verify",
                assertThrows(GatewayAuthorization.Refused.class, () -> enclave.check("DELETE", PATH, header))
                        .getMessage());
        assertThrows(
                GatewayAuthorization.Refused.class,
                () -> enclave.check("POST", "/sessions/BAAAAAAAAAAAAAAAAAAAAA", header),
                "another session's path");
    }

    @Test
    void refusesAMissingMalformedForeignOrStaleHeader() {
        GatewayAuthorization enclave = at(NOW, secret(32, 7));
        assertEquals(
                "no gateway authorization",
                assertThrows(GatewayAuthorization.Refused.class, () -> enclave.check("POST", PATH, null))
                        .getMessage());
        for (String bad : new String[] {
            "",
            "Bearer abc",
            "Cloister-Gateway-HMAC-SHA256 ",
            "Cloister-Gateway-HMAC-SHA256 1.abc",
            "Cloister-Gateway-HMAC-SHA256 -1." + "A".repeat(43),
            "Cloister-Gateway-HMAC-SHA256 " + "9".repeat(13) + "." + "A".repeat(43),
            "Cloister-Gateway-HMAC-SHA256 1." + "A".repeat(44),
            "x".repeat(100_000)
        }) {
            assertEquals(
                    "malformed gateway authorization",
                    assertThrows(GatewayAuthorization.Refused.class, () -> enclave.check("POST", PATH, bad))
                            .getMessage(),
                    bad.length() > 80 ? "long" : bad);
        }
        String foreign = at(NOW, secret(32, 8)).header("POST", PATH);
        assertEquals(
                "gateway authorization does not verify",
                assertThrows(GatewayAuthorization.Refused.class, () -> enclave.check("POST", PATH, foreign))
                        .getMessage());
        for (Duration skew : new Duration[] {Duration.ofSeconds(61), Duration.ofSeconds(-61)}) {
            String stale = at(NOW.plus(skew), secret(32, 7)).header("POST", PATH);
            assertEquals(
                    "gateway authorization too old or too new",
                    assertThrows(GatewayAuthorization.Refused.class, () -> enclave.check("POST", PATH, stale))
                            .getMessage());
        }
    }

    @Test
    void refusesAShortSecretAndNeverShowsIt() {
        assertThrows(IllegalArgumentException.class, () -> at(NOW, secret(31, 7)));
        assertFalse(at(NOW, secret(32, 0x41)).toString().contains("AAAA"));
    }
}
