package dev.cloister.protocol.membership;

import static org.junit.jupiter.api.Assertions.assertThrows;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

class GatewayAuthorizationFuzzTest {

    private static final GatewayAuthorization ENCLAVE =
            GatewayAuthorization.of(new byte[32], Clock.fixed(Instant.parse("2026-12-06T09:00:00Z"), ZoneOffset.UTC));

    /** Any header but the gateway's own is refused with a reason, never an unchecked exception. */
    @FuzzTest
    void headersAreRefused(byte[] input) {
        String header = new String(input, StandardCharsets.ISO_8859_1);
        assertThrows(
                GatewayAuthorization.Refused.class,
                () -> ENCLAVE.check("POST", "/sessions/AAAAAAAAAAAAAAAAAAAAAA", header));
    }
}
