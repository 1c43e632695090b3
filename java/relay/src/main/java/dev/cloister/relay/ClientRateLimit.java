package dev.cloister.relay;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * A token bucket per client: abuse protection that needs nothing but the address the relay already sees.
 *
 * <p>IPv4 clients get a bucket per address. IPv6 clients get one per /64 (a subscriber commonly holds a whole /64),
 * but hierarchically: a /56 holds at most {@link #FAN_OUT} /64 buckets of its own and a /48 at most {@link #FAN_OUT}
 * /56 buckets; the /64s beyond those share their /56's bucket, and the /56s beyond those share their /48's. So one
 * /48 (65,536 /64s) owns at most {@code 1 + FAN_OUT + FAN_OUT²} buckets and cannot fill the table: other clients keep
 * their own buckets. The table is bounded too: when it is full, idle buckets are swept, and if that frees nothing new
 * clients share one overflow bucket (memory stays bounded under any address-spraying attack).
 */
final class ClientRateLimit {

    static final int MAX_CLIENTS = 100_000;

    /** How many child prefixes a /56 or a /48 gives buckets of their own. */
    static final int FAN_OUT = 16;

    private static final String OVERFLOW = "overflow";

    private final double ratePerNano;
    private final double burst;
    private final int maxClients;
    private final Map<String, Bucket> buckets = new HashMap<>();

    ClientRateLimit(double ratePerSecond, int burst) {
        this(ratePerSecond, burst, MAX_CLIENTS);
    }

    ClientRateLimit(double ratePerSecond, int burst, int maxClients) {
        this.ratePerNano = ratePerSecond / 1e9;
        this.burst = burst;
        this.maxClients = maxClients;
    }

    private static final class Bucket {
        final String parent;
        double tokens;
        long updated;
        /** Buckets of child prefixes that charge their own (at most FAN_OUT). */
        int children;

        Bucket(String parent, double tokens, long now) {
            this.parent = parent;
            this.tokens = tokens;
            this.updated = now;
        }
    }

    /**
     * The prefixes of a client address, narrowest first: the address itself for IPv4 (and anything unparsable); the
     * /64, /56 and /48 prefixes for IPv6.
     */
    static String[] prefixes(String address) {
        if (address.indexOf(':') < 0) return new String[] {address};
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(address).getAddress(); // a literal: no lookup
        } catch (UnknownHostException e) {
            return new String[] {address};
        }
        if (bytes.length != 16) return new String[] {address};
        HexFormat hex = HexFormat.of();
        return new String[] {
            hex.formatHex(bytes, 0, 8) + "::/64",
            hex.formatHex(bytes, 0, 7) + "::/56",
            hex.formatHex(bytes, 0, 6) + "::/48"
        };
    }

    /** Takes one token for the client at {@code address}; 0 if allowed, else the seconds until one is available. */
    synchronized long tryAcquire(String address, long nowNanos) {
        Bucket bucket = bucketFor(address, nowNanos);
        bucket.tokens = Math.min(burst, bucket.tokens + (nowNanos - bucket.updated) * ratePerNano);
        bucket.updated = nowNanos;
        if (bucket.tokens >= 1) {
            bucket.tokens -= 1;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((1 - bucket.tokens) / ratePerNano / 1e9));
    }

    /** The name of the bucket a request from {@code address} is charged to (for tests). */
    synchronized String chargedTo(String address, long nowNanos) {
        Bucket bucket = bucketFor(address, nowNanos);
        for (Map.Entry<String, Bucket> e : buckets.entrySet()) {
            if (e.getValue() == bucket) return e.getKey();
        }
        throw new IllegalStateException("a bucket outside the table");
    }

    private Bucket bucketFor(String address, long nowNanos) {
        String[] prefixes = prefixes(address);
        Bucket existing = buckets.get(prefixes[0]);
        if (existing != null) return existing;
        // The widest prefix first: each level gets its own bucket while its parent has room for another child.
        String parent = null;
        for (int level = prefixes.length - 1; level >= 0; level--) {
            String key = prefixes[level];
            Bucket bucket = buckets.get(key);
            if (bucket == null) {
                Bucket owner = parent == null ? null : buckets.get(parent);
                if (owner != null && owner.children >= FAN_OUT) return owner;
                if (buckets.size() >= maxClients) {
                    sweep(nowNanos);
                    owner = parent == null ? null : buckets.get(parent);
                    if (buckets.size() >= maxClients) return overflow(nowNanos);
                }
                bucket = new Bucket(owner == null ? null : parent, burst, nowNanos);
                if (owner != null) owner.children++;
                buckets.put(key, bucket);
            }
            parent = key;
        }
        return buckets.get(prefixes[0]);
    }

    private Bucket overflow(long nowNanos) {
        return buckets.computeIfAbsent(OVERFLOW, k -> new Bucket(null, burst, nowNanos));
    }

    /**
     * Drops buckets that have refilled completely and have no children: they carry no state worth keeping. Three
     * passes: a /48 whose /56s go (whose /64s went) goes too.
     */
    synchronized void sweep(long nowNanos) {
        for (int pass = 0; pass < 3; pass++) {
            if (!sweepOnce(nowNanos)) return;
        }
    }

    private boolean sweepOnce(long nowNanos) {
        return buckets.entrySet().removeIf(e -> {
            Bucket b = e.getValue();
            boolean idle = b.children == 0 && b.tokens + (nowNanos - b.updated) * ratePerNano >= burst;
            if (idle && b.parent != null) {
                Bucket parent = buckets.get(b.parent);
                if (parent != null) parent.children--;
            }
            return idle;
        });
    }

    synchronized int size() {
        return buckets.size();
    }
}
