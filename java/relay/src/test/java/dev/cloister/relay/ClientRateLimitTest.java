package dev.cloister.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ClientRateLimitTest {

    @Test
    void ipv6ClientsShareABucketPerSlash64AndIpv4PerAddress() {
        assertEquals(ClientRateLimit.clientKey("2001:db8:1:2::1"), ClientRateLimit.clientKey("2001:db8:1:2:ffff::9"));
        assertNotEquals(ClientRateLimit.clientKey("2001:db8:1:2::1"), ClientRateLimit.clientKey("2001:db8:1:3::1"));
        assertEquals("192.0.2.7", ClientRateLimit.clientKey("192.0.2.7"));
    }

    @Test
    void bucketsRefillAndIdleOnesAreSwept() {
        ClientRateLimit limit = new ClientRateLimit(1, 2);
        long t = 1_000_000_000L;
        assertEquals(0, limit.tryAcquire("a", t));
        assertEquals(0, limit.tryAcquire("a", t));
        assertTrue(limit.tryAcquire("a", t) >= 1, "burst of 2 used");
        assertEquals(0, limit.tryAcquire("a", t + 1_000_000_000L), "one token back after a second");
        limit.sweep(t + 10_000_000_000L);
        assertEquals(0, limit.size(), "full buckets carry nothing and are dropped");
    }
}
