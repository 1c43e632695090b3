package dev.cloister.relay;

import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per client address: abuse protection that needs nothing but the address the relay already sees.
 * The table is bounded: when it is full, idle buckets are swept, and if that frees nothing new clients share one
 * overflow bucket (so memory stays bounded under an address-spraying attack).
 */
final class ClientRateLimit {

    private static final int MAX_CLIENTS = 100_000;
    private static final String OVERFLOW = "";

    private final double ratePerNano;
    private final double burst;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    ClientRateLimit(double ratePerSecond, int burst) {
        this.ratePerNano = ratePerSecond / 1e9;
        this.burst = burst;
    }

    private static final class Bucket {
        double tokens;
        long updated;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.updated = now;
        }
    }

    /**
     * The rate-limit key of a client address: the address itself for IPv4, its /64 prefix for IPv6 (one subscriber
     * commonly holds a whole /64, so per-address buckets would let one client fill the table).
     */
    static String clientKey(String address) {
        if (address.indexOf(':') < 0) return address;
        try {
            byte[] bytes = java.net.InetAddress.getByName(address).getAddress();
            if (bytes.length != 16) return address;
            return java.util.HexFormat.of().formatHex(bytes, 0, 8) + "::/64";
        } catch (java.net.UnknownHostException e) {
            return address;
        }
    }

    /** Takes one token for {@code client}; returns 0 if allowed, else the seconds until a token is available. */
    long tryAcquire(String client, long nowNanos) {
        if (buckets.size() >= MAX_CLIENTS && !buckets.containsKey(client)) {
            sweep(nowNanos);
            if (buckets.size() >= MAX_CLIENTS) client = OVERFLOW;
        }
        Bucket bucket = buckets.computeIfAbsent(client, c -> new Bucket(burst, nowNanos));
        synchronized (bucket) {
            bucket.tokens = Math.min(burst, bucket.tokens + (nowNanos - bucket.updated) * ratePerNano);
            bucket.updated = nowNanos;
            if (bucket.tokens >= 1) {
                bucket.tokens -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - bucket.tokens) / ratePerNano / 1e9));
        }
    }

    /** Drops buckets that have refilled completely: they carry no state worth keeping. */
    void sweep(long nowNanos) {
        buckets.entrySet().removeIf(e -> {
            Bucket b = e.getValue();
            synchronized (b) {
                return b.tokens + (nowNanos - b.updated) * ratePerNano >= burst;
            }
        });
    }

    int size() {
        return buckets.size();
    }
}
