package dev.cloister.tokens.store;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.SecureRandom;

/**
 * A compact set of 32-byte nonces: open addressing with linear probing over a {@code long[]} (four longs per slot),
 * about 64 bytes per nonce at the maximum load of one half. The slot hash is keyed with a per-set random key, since
 * clients choose their nonces. The all-zero nonce marks an empty slot, so it is tracked apart. Not thread-safe.
 */
final class NonceSet {
    private static final SecureRandom SEEDS = new SecureRandom();
    private final long k0 = SEEDS.nextLong() | 1;
    private final long k1 = SEEDS.nextLong() | 1;
    private long[] table;
    private int mask;
    private int size;
    private boolean containsZero;

    NonceSet() {
        table = new long[4 * 1024];
        mask = 1024 - 1;
    }

    int size() {
        return size + (containsZero ? 1 : 0);
    }

    /** Adds the nonce; false if it was present. */
    boolean add(byte[] nonce) {
        ByteBuffer b = ByteBuffer.wrap(nonce).order(ByteOrder.BIG_ENDIAN);
        long a0 = b.getLong(0);
        long a1 = b.getLong(8);
        long a2 = b.getLong(16);
        long a3 = b.getLong(24);
        if ((a0 | a1 | a2 | a3) == 0) {
            boolean fresh = !containsZero;
            containsZero = true;
            return fresh;
        }
        if (2 * (size + 1) > mask + 1) {
            grow();
        }
        return insert(a0, a1, a2, a3);
    }

    boolean contains(byte[] nonce) {
        ByteBuffer b = ByteBuffer.wrap(nonce).order(ByteOrder.BIG_ENDIAN);
        long a0 = b.getLong(0);
        long a1 = b.getLong(8);
        long a2 = b.getLong(16);
        long a3 = b.getLong(24);
        if ((a0 | a1 | a2 | a3) == 0) {
            return containsZero;
        }
        int i = slot(a0, a1, a2, a3);
        while (true) {
            int o = 4 * i;
            long t0 = table[o], t1 = table[o + 1], t2 = table[o + 2], t3 = table[o + 3];
            if ((t0 | t1 | t2 | t3) == 0) {
                return false;
            }
            if (t0 == a0 && t1 == a1 && t2 == a2 && t3 == a3) {
                return true;
            }
            i = (i + 1) & mask;
        }
    }

    private boolean insert(long a0, long a1, long a2, long a3) {
        int i = slot(a0, a1, a2, a3);
        while (true) {
            int o = 4 * i;
            long t0 = table[o], t1 = table[o + 1], t2 = table[o + 2], t3 = table[o + 3];
            if ((t0 | t1 | t2 | t3) == 0) {
                table[o] = a0;
                table[o + 1] = a1;
                table[o + 2] = a2;
                table[o + 3] = a3;
                size++;
                return true;
            }
            if (t0 == a0 && t1 == a1 && t2 == a2 && t3 == a3) {
                return false;
            }
            i = (i + 1) & mask;
        }
    }

    private int slot(long a0, long a1, long a2, long a3) {
        long h = (a0 ^ k0) * 0x9E3779B97F4A7C15L;
        h = (h ^ Long.rotateLeft(a1, 17) ^ k1) * 0xC2B2AE3D27D4EB4FL;
        h = (h ^ Long.rotateLeft(a2, 31)) * 0x165667B19E3779F9L;
        h = (h ^ Long.rotateLeft(a3, 47)) * 0x9E3779B97F4A7C15L;
        h ^= h >>> 29;
        return (int) h & mask;
    }

    private void grow() {
        long[] old = table;
        int capacity = (mask + 1) * 2;
        if (capacity > (1 << 27)) {
            throw new IllegalStateException("nonce set full: " + size + " nonces in one epoch");
        }
        table = new long[4 * capacity];
        mask = capacity - 1;
        size = 0;
        for (int o = 0; o < old.length; o += 4) {
            if ((old[o] | old[o + 1] | old[o + 2] | old[o + 3]) != 0) {
                insert(old[o], old[o + 1], old[o + 2], old[o + 3]);
            }
        }
    }
}
