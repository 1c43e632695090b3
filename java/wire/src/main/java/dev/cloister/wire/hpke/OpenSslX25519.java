package dev.cloister.wire.hpke;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The function X25519 of RFC 7748 §5 with a variable base point, computed by OpenSSL 3's {@code libcrypto.so.3}
 * through the JDK's foreign-function API ({@code EVP_PKEY_derive}; OpenSSL's x86-64 X25519 is assembly using MULX and
 * ADX). Nothing else of OpenSSL is used.
 *
 * <p>Every call builds its own OpenSSL objects and frees them before it returns, so calls from any number of threads
 * are independent; the one exception is a {@link KeptKey}, a private key imported once for many calls. The private
 * key enters OpenSSL with its public key ({@code EVP_PKEY_fromdata} with both), so OpenSSL does not recompute the
 * public key (a second scalar multiplication). The native copies of the private key and of the shared secret are
 * zeroed before their memory is released; OpenSSL clears its own copy when the key is freed.
 *
 * <p>Loading ({@link #load()}) fails with a {@link RuntimeException} or {@link LinkageError} where {@code
 * libcrypto.so.3} is missing, is older than 3.0, or native access is denied; {@link X25519Engine} falls back then.
 */
final class OpenSslX25519 {

    static final int SIZE = 32;

    /**
     * The property query of every fetch: OpenSSL's own default provider, whatever providers the system's {@code
     * openssl.cnf} loads (a FIPS or hardware provider would otherwise be chosen by its configuration, not by us).
     */
    static final String PROPERTY_QUERY = "provider=default";

    /** {@code EVP_PKEY_KEYPAIR} and {@code EVP_PKEY_PUBLIC_KEY} of OpenSSL 3's {@code evp.h}. */
    private static final int EVP_PKEY_KEYPAIR = 0x87;

    private static final int EVP_PKEY_PUBLIC_KEY = 0x86;
    /** {@code OSSL_PARAM_OCTET_STRING} and {@code OSSL_PARAM_UNMODIFIED} of {@code params.h}. */
    private static final int OSSL_PARAM_OCTET_STRING = 5;

    private static final long OSSL_PARAM_UNMODIFIED = -1L;

    /** {@code struct ossl_param_st}: key, data_type, data, data_size, return_size (40 bytes on LP64). */
    static final StructLayout OSSL_PARAM = MemoryLayout.structLayout(
            ADDRESS.withName("key"),
            JAVA_INT.withName("data_type"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("data"),
            JAVA_LONG.withName("data_size"),
            JAVA_LONG.withName("return_size"));

    private static final long KEY = OSSL_PARAM.byteOffset(MemoryLayout.PathElement.groupElement("key"));
    private static final long DATA_TYPE = OSSL_PARAM.byteOffset(MemoryLayout.PathElement.groupElement("data_type"));
    private static final long DATA = OSSL_PARAM.byteOffset(MemoryLayout.PathElement.groupElement("data"));
    private static final long DATA_SIZE = OSSL_PARAM.byteOffset(MemoryLayout.PathElement.groupElement("data_size"));
    private static final long RETURN_SIZE = OSSL_PARAM.byteOffset(MemoryLayout.PathElement.groupElement("return_size"));

    /** What one agreement needs in native memory: two parameters, two 32-byte values, a pointer and a length. */
    private static final MemoryLayout WORKSPACE = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(2, OSSL_PARAM),
            MemoryLayout.sequenceLayout(2 * SIZE, JAVA_BYTE),
            ADDRESS,
            JAVA_LONG);

    private final MethodHandle ctxNewFromName;
    private final MethodHandle fromdataInit;
    private final MethodHandle fromdata;
    private final MethodHandle ctxNewFromKey;
    private final MethodHandle deriveInit;
    private final MethodHandle deriveSetPeer;
    private final MethodHandle derive;
    private final MethodHandle ctxFree;
    private final MethodHandle keyFree;
    private final MethodHandle clearErrors;
    /** "X25519", "provider=default", "pub" and "priv" as C strings, for the life of the process. */
    private final MemorySegment algorithmName;

    private final MemorySegment propertyQuery;

    private final MemorySegment pubName;
    private final MemorySegment privName;
    private final long version;

    private OpenSslX25519(SymbolLookup crypto) {
        Linker linker = Linker.nativeLinker();
        MethodHandle versionNum = function(linker, crypto, "OpenSSL_version_num", FunctionDescriptor.of(JAVA_LONG));
        ctxNewFromName = function(
                linker,
                crypto,
                "EVP_PKEY_CTX_new_from_name",
                FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        fromdataInit = function(linker, crypto, "EVP_PKEY_fromdata_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        fromdata = function(
                linker,
                crypto,
                "EVP_PKEY_fromdata",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
        ctxNewFromKey = function(
                linker,
                crypto,
                "EVP_PKEY_CTX_new_from_pkey",
                FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        deriveInit = function(linker, crypto, "EVP_PKEY_derive_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        deriveSetPeer =
                function(linker, crypto, "EVP_PKEY_derive_set_peer", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        derive =
                function(linker, crypto, "EVP_PKEY_derive", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        ctxFree = function(linker, crypto, "EVP_PKEY_CTX_free", FunctionDescriptor.ofVoid(ADDRESS));
        keyFree = function(linker, crypto, "EVP_PKEY_free", FunctionDescriptor.ofVoid(ADDRESS));
        clearErrors = function(linker, crypto, "ERR_clear_error", FunctionDescriptor.ofVoid());
        Arena global = Arena.global();
        algorithmName = global.allocateFrom("X25519");
        propertyQuery = global.allocateFrom(PROPERTY_QUERY);
        pubName = global.allocateFrom("pub");
        privName = global.allocateFrom("priv");
        try {
            version = (long) versionNum.invokeExact();
        } catch (Throwable e) {
            throw new IllegalStateException("OpenSSL_version_num failed", e);
        }
        if (version >>> 28 < 3) {
            throw new IllegalStateException(
                    "libcrypto.so.3 reports version 0x" + Long.toHexString(version) + ", not 3.x");
        }
    }

    /** Binds {@code libcrypto.so.3} (found the way {@code dlopen} finds it) for the life of the process. */
    static OpenSslX25519 load() {
        return new OpenSslX25519(SymbolLookup.libraryLookup("libcrypto.so.3", Arena.global()));
    }

    /** {@code OPENSSL_VERSION_NUMBER} of the library loaded, for operators' logs. */
    String version() {
        return "%d.%d.%d".formatted(version >>> 28, (version >>> 20) & 0xff, (version >>> 4) & 0xff);
    }

    /**
     * The calls linked {@linkplain Linker.Option#critical critical} (no thread-state transition): only those that
     * release or clear and never wait: a lock held by another thread while this one is in a critical call would stall
     * the garbage collector's safepoint for every thread. Every call that fetches an algorithm (OpenSSL's method store
     * takes a lock), allocates or derives is a plain downcall; the transition costs tens of nanoseconds, against tens
     * of microseconds for an agreement.
     */
    private static final Set<String> CRITICAL =
            Set.of("OpenSSL_version_num", "EVP_PKEY_CTX_free", "EVP_PKEY_free", "ERR_clear_error");

    /** A downcall handle for {@code name}, {@linkplain #CRITICAL critical} or not. */
    private static MethodHandle function(
            Linker linker, SymbolLookup crypto, String name, FunctionDescriptor descriptor) {
        MemorySegment symbol =
                crypto.find(name).orElseThrow(() -> new IllegalStateException("libcrypto.so.3 lacks " + name));
        return CRITICAL.contains(name)
                ? linker.downcallHandle(symbol, descriptor, Linker.Option.critical(false))
                : linker.downcallHandle(symbol, descriptor);
    }

    /**
     * {@code X25519(sk, peer)} into {@code out}, where {@code pk} is {@code X25519(sk, 9)}. Returns false, and
     * leaves {@code out} untouched, when OpenSSL refuses to derive: it does so exactly when the result would be all
     * zero (a small-order {@code peer}, RFC 7748 §6.1), the other inputs being of the right length.
     */
    boolean agree(byte[] sk, byte[] pk, byte[] peer, byte[] out) {
        MemorySegment key = importKey(sk, pk);
        try {
            return agree(key, peer, out);
        } finally {
            free(key);
        }
    }

    /**
     * {@code sk} with its public key {@code pk} as a new OpenSSL {@code EVP_PKEY}, never null; the caller frees it
     * with {@link #free}. The native copy of {@code sk} made on the way is zeroed.
     */
    MemorySegment importKey(byte[] sk, byte[] pk) {
        if (sk.length != SIZE || pk.length != SIZE) {
            throw new IllegalArgumentException("X25519 keys are 32 bytes");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = arena.allocate(OSSL_PARAM, 3);
            MemorySegment keyOut = arena.allocate(ADDRESS);
            MemorySegment bytes = arena.allocate(2 * SIZE);
            MemorySegment secret = bytes.asSlice(0, SIZE);
            MemorySegment publicKey = bytes.asSlice(SIZE, SIZE);
            MemorySegment.copy(sk, 0, secret, JAVA_BYTE, 0, SIZE);
            MemorySegment.copy(pk, 0, publicKey, JAVA_BYTE, 0, SIZE);
            MemorySegment ctx = MemorySegment.NULL;
            try {
                ctx = (MemorySegment) ctxNewFromName.invokeExact(MemorySegment.NULL, algorithmName, propertyQuery);
                check(!ctx.equals(MemorySegment.NULL), "EVP_PKEY_CTX_new_from_name");
                octetString(params, 0, pubName, publicKey);
                octetString(params, 1, privName, secret);
                end(params, 2);
                return fromdata(ctx, keyOut, EVP_PKEY_KEYPAIR, params);
            } finally {
                secret.fill((byte) 0);
                if (!ctx.equals(MemorySegment.NULL)) ctxFree.invokeExact(ctx);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("OpenSSL X25519 key import failed", e);
        }
    }

    /** {@code X25519(key, peer)} into {@code out}, with {@code key} from {@link #importKey}: as {@link #agree}. */
    boolean agree(MemorySegment key, byte[] peer, byte[] out) {
        if (peer.length != SIZE || out.length != SIZE) {
            throw new IllegalArgumentException("X25519 keys and output are 32 bytes");
        }
        try (Arena arena = Arena.ofConfined()) {
            // One allocation, sliced: the parameters, the peer's key, the shared secret, two outputs.
            MemorySegment memory = arena.allocate(WORKSPACE.byteSize(), 8);
            MemorySegment params = memory.asSlice(0, 2 * OSSL_PARAM.byteSize());
            MemorySegment peerKeyBytes = memory.asSlice(params.byteSize(), SIZE);
            MemorySegment shared = memory.asSlice(params.byteSize() + SIZE, SIZE);
            MemorySegment keyOut = memory.asSlice(params.byteSize() + 2 * SIZE, ADDRESS.byteSize());
            MemorySegment length = memory.asSlice(params.byteSize() + 2 * SIZE + 8, JAVA_LONG.byteSize());
            MemorySegment.copy(peer, 0, peerKeyBytes, JAVA_BYTE, 0, SIZE);
            MemorySegment peerKey = MemorySegment.NULL;
            MemorySegment ctx = MemorySegment.NULL;
            try {
                // One context: it imports the peer's key (the private key's key manager), then derives.
                ctx = (MemorySegment) ctxNewFromKey.invokeExact(MemorySegment.NULL, key, propertyQuery);
                check(!ctx.equals(MemorySegment.NULL), "EVP_PKEY_CTX_new_from_pkey");
                octetString(params, 0, pubName, peerKeyBytes);
                end(params, 1);
                peerKey = fromdata(ctx, keyOut, EVP_PKEY_PUBLIC_KEY, params);
                check((int) deriveInit.invokeExact(ctx) > 0, "EVP_PKEY_derive_init");
                check((int) deriveSetPeer.invokeExact(ctx, peerKey) > 0, "EVP_PKEY_derive_set_peer");
                length.set(JAVA_LONG, 0, SIZE);
                if ((int) derive.invokeExact(ctx, shared, length) <= 0) {
                    clearErrors.invokeExact();
                    return false;
                }
                check(length.get(JAVA_LONG, 0) == SIZE, "EVP_PKEY_derive's length");
                MemorySegment.copy(shared, JAVA_BYTE, 0, out, 0, SIZE);
                return true;
            } finally {
                shared.fill((byte) 0);
                if (!ctx.equals(MemorySegment.NULL)) ctxFree.invokeExact(ctx);
                if (!peerKey.equals(MemorySegment.NULL)) keyFree.invokeExact(peerKey);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("OpenSSL X25519 call failed", e);
        }
    }

    /** {@code EVP_PKEY_free}: OpenSSL clears the private key when the last reference to it goes. */
    void free(MemorySegment key) {
        try {
            keyFree.invokeExact(key);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("EVP_PKEY_free failed", e);
        }
    }

    /**
     * A private key imported into OpenSSL once and used for many Diffie-Hellmans (a gateway's key: one import
     * fewer per request). Calls from any number of threads share it; {@link #run()} frees it, after the calls in
     * progress, and a later call throws. Its owner frees it when destroyed, or a {@link java.lang.ref.Cleaner} does
     * when the owner becomes unreachable; this object holds no reference to its owner.
     */
    static final class KeptKey implements Runnable {
        private final OpenSslX25519 openSsl;
        private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        private MemorySegment key; // guarded by lock; null once freed

        KeptKey(OpenSslX25519 openSsl, byte[] sk, byte[] pk) {
            this.openSsl = openSsl;
            this.key = openSsl.importKey(sk, pk);
        }

        /** As {@link OpenSslX25519#agree(byte[], byte[], byte[], byte[])} with this key. */
        boolean agree(byte[] peer, byte[] out) {
            lock.readLock().lock();
            try {
                if (key == null) throw new IllegalStateException("X25519 key already destroyed");
                return openSsl.agree(key, peer, out);
            } finally {
                lock.readLock().unlock();
            }
        }

        /** Frees the key; idempotent. */
        @Override
        public void run() {
            lock.writeLock().lock();
            try {
                if (key != null) openSsl.free(key);
                key = null;
            } finally {
                lock.writeLock().unlock();
            }
        }
    }

    /** {@code EVP_PKEY_fromdata_init} then {@code EVP_PKEY_fromdata}: a new key, never null. */
    private MemorySegment fromdata(MemorySegment ctx, MemorySegment keyOut, int selection, MemorySegment params)
            throws Throwable {
        keyOut.set(ADDRESS, 0, MemorySegment.NULL);
        check((int) fromdataInit.invokeExact(ctx) > 0, "EVP_PKEY_fromdata_init");
        check((int) fromdata.invokeExact(ctx, keyOut, selection, params) > 0, "EVP_PKEY_fromdata");
        MemorySegment key = keyOut.get(ADDRESS, 0);
        check(!key.equals(MemorySegment.NULL), "EVP_PKEY_fromdata's key");
        return key;
    }

    private static void octetString(MemorySegment params, int index, MemorySegment name, MemorySegment value) {
        long base = index * OSSL_PARAM.byteSize();
        params.set(ADDRESS, base + KEY, name);
        params.set(JAVA_INT, base + DATA_TYPE, OSSL_PARAM_OCTET_STRING);
        params.set(ADDRESS, base + DATA, value);
        params.set(JAVA_LONG, base + DATA_SIZE, value.byteSize());
        params.set(JAVA_LONG, base + RETURN_SIZE, OSSL_PARAM_UNMODIFIED);
    }

    /** {@code OSSL_PARAM_END}: all zero. */
    private static void end(MemorySegment params, int index) {
        params.asSlice(index * OSSL_PARAM.byteSize(), OSSL_PARAM.byteSize()).fill((byte) 0);
    }

    /** An OpenSSL call that cannot fail on valid input failed: the OpenSSL path is unusable, not the input bad. */
    private void check(boolean ok, String call) throws Throwable {
        if (!ok) {
            clearErrors.invokeExact();
            throw new IllegalStateException("OpenSSL " + call + " failed");
        }
    }
}
