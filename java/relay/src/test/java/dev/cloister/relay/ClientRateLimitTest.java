package dev.cloister.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ClientRateLimitTest {

    private static final long T = 1_000_000_000L;

    @Test
    void ipv6ClientsShareABucketPerSlash64AndIpv4PerAddress() {
        ClientRateLimit limit = new ClientRateLimit(1, 2);
        assertEquals(limit.chargedTo("2001:db8:1:2::1", T), limit.chargedTo("2001:db8:1:2:ffff::9", T));
        assertNotEquals(limit.chargedTo("2001:db8:1:2::1", T), limit.chargedTo("2001:db8:1:3::1", T));
        assertEquals("192.0.2.7", limit.chargedTo("192.0.2.7", T));
        assertEquals("20010db800010002::/64", limit.chargedTo("2001:db8:1:2::1", T));
    }

    @Test
    void bucketsRefillAndIdleOnesAreSwept() {
        ClientRateLimit limit = new ClientRateLimit(1, 2);
        assertEquals(0, limit.tryAcquire("a", T));
        assertEquals(0, limit.tryAcquire("a", T));
        assertTrue(limit.tryAcquire("a", T) >= 1, "burst of 2 used");
        assertEquals(0, limit.tryAcquire("a", T + 1_000_000_000L), "one token back after a second");
        assertEquals(0, limit.tryAcquire("2001:db8::1", T));
        limit.sweep(T + 10_000_000_000L);
        assertEquals(0, limit.size(), "full buckets carry nothing and are dropped, children first");
    }

    @Test
    void oneSlash48SprayingItsSlash64sGetsABoundedNumberOfBuckets() {
        ClientRateLimit limit = new ClientRateLimit(1, 2, 1_000);
        // 65,536 distinct /64s of 2001:db8:7::/48, each sending once.
        for (int i = 0; i < 65_536; i++) {
            limit.tryAcquire(String.format("2001:db8:7:%x::1", i), T);
        }
        int cap = 1 + ClientRateLimit.FAN_OUT + ClientRateLimit.FAN_OUT * ClientRateLimit.FAN_OUT;
        assertTrue(limit.size() <= cap, "one /48 owns at most " + cap + " buckets, has " + limit.size());
        // Beyond the fan-out the sprayed /64s share their /56's or /48's bucket, which is soon empty.
        assertTrue(limit.tryAcquire("2001:db8:7:ffff::2", T) > 0, "the sprayer's shared bucket is exhausted");
        // A client elsewhere still gets a bucket of its own, not the overflow bucket.
        assertEquals("20010db800990001::/64", limit.chargedTo("2001:db8:99:1::1", T));
        assertEquals(0, limit.tryAcquire("2001:db8:99:1::1", T));
        assertEquals(0, limit.tryAcquire("192.0.2.1", T));
    }

    @Test
    void theFirstSlash64sOfASlash56KeepTheirOwnBuckets() {
        ClientRateLimit limit = new ClientRateLimit(1, 1);
        for (int i = 0; i < ClientRateLimit.FAN_OUT; i++) {
            assertEquals(0, limit.tryAcquire(String.format("2001:db8:5:%x::1", i), T), "own bucket " + i);
        }
        String seventeenth = String.format("2001:db8:5:%x::1", ClientRateLimit.FAN_OUT);
        assertEquals("20010db8000500::/56", limit.chargedTo(seventeenth, T), "the /56 bucket, shared");
    }

    @Test
    void aFullTableSendsNewClientsToTheOverflowBucket() {
        ClientRateLimit limit = new ClientRateLimit(1, 1, 10);
        for (int i = 0; i < 10; i++) limit.tryAcquire("192.0.2." + i, T);
        assertEquals("overflow", limit.chargedTo("198.51.100.1", T));
        assertTrue(limit.size() <= 11);
    }
}
