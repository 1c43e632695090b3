package dev.cloister.wire.hpke;

import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * Which library computes the Diffie-Hellman of DHKEM(X25519) (RFC 9180 §4.1: {@code DH(skX, pkY)}, the function X25519
 * of RFC 7748 §5 with a variable base point, once per {@code Encap} and once per {@code Decap}): OpenSSL 3's {@code
 * libcrypto.so.3} through the JDK's foreign-function API, or BouncyCastle's constant-time {@code rfc7748.X25519}. Both
 * give the same bytes and refuse the same small-order public keys; OpenSSL's x86-64 assembly costs about a third of
 * BouncyCastle's Java per call (see {@code benchmarks/README.md}), and BouncyCastle is the fallback and the known
 * answer. The fixed-base multiplication (a public key from a private key) is BouncyCastle's in both: its comb with
 * precomputed tables is faster than OpenSSL's ladder, which OpenSSL also uses for a base point.
 *
 * <p>{@link #selected()} is OpenSSL where {@code libcrypto.so.3} loads (OpenSSL 3.x; native access allowed), gives
 * RFC 7748 §6.1's shared secret at first use and refuses a small-order point there, and is not turned off with {@code
 * -Dcloister.wire.openssl=false}; otherwise BouncyCastle, with the reason in {@link #description()}. Thread-safe.
 */
public enum X25519Engine {
    OPENSSL,
    BOUNCY_CASTLE;

    /** The system property that turns OpenSSL's X25519 off ("false"). */
    public static final String ENABLED_PROPERTY = "cloister.wire.openssl";

    /** The engine DHKEM(X25519) uses in this JVM. */
    public static X25519Engine selected() {
        return Selection.CHOICE.engine();
    }

    /** What computes X25519 in this JVM, for operators' logs, with the reason for a fallback. */
    public static String description() {
        return Selection.CHOICE.engine() == OPENSSL
                ? "OpenSSL " + Selection.CHOICE.reason()
                : "BouncyCastle (" + Selection.CHOICE.reason() + ")";
    }

    /** {@code X25519(sk, 9)}: the public key of a 32-byte private key (RFC 7748 §6.1). */
    static byte[] publicKey(byte[] sk) {
        byte[] pk = new byte[X25519.POINT_SIZE];
        X25519.scalarMultBase(sk, 0, pk, 0);
        return pk;
    }

    /**
     * {@code X25519(sk, peer)}, where {@code pk = X25519(sk, 9)}, into {@code out}; false, with {@code out}
     * undefined, when the result is all zero (a small-order {@code peer}, RFC 7748 §6.1). All four are 32 bytes.
     */
    boolean agree(byte[] sk, byte[] pk, byte[] peer, byte[] out) {
        return switch (this) {
            case OPENSSL -> Selection.openSsl().agree(sk, pk, peer, out);
            case BOUNCY_CASTLE -> X25519.calculateAgreement(sk, 0, peer, 0, out, 0);
        };
    }

    /**
     * {@code X25519(skX, peer)} for a key used many times (a gateway's): as {@link #agree}, except that OpenSSL
     * imports the key once and keeps it with {@code key} (one import fewer per call). Throws {@link
     * IllegalStateException} once {@code key} is destroyed.
     */
    boolean agreeKept(HpkePrivateKey key, byte[] peer, byte[] out) {
        return switch (this) {
            case OPENSSL -> key.keptIn(Selection.openSsl()).agree(peer, out);
            case BOUNCY_CASTLE -> {
                byte[] sk = key.serializedPrivateKey().reveal();
                try {
                    yield X25519.calculateAgreement(sk, 0, peer, 0, out, 0);
                } finally {
                    Arrays.fill(sk, (byte) 0);
                }
            }
        };
    }

    /** The choice, made once, at first use. */
    private static final class Selection {
        record Choice(X25519Engine engine, String reason) {}

        static final Choice CHOICE = choose();

        /** The OpenSSL binding; a failure to load it is thrown again, as the cause, on every call. */
        static OpenSslX25519 openSsl() {
            if (Binding.LOADED == null) {
                throw new IllegalStateException("OpenSSL's X25519 is unavailable", Binding.FAILURE);
            }
            return Binding.LOADED;
        }

        /** Loads {@code libcrypto.so.3} once, at the first call that needs it. */
        private static final class Binding {
            static final OpenSslX25519 LOADED;
            static final RuntimeException FAILURE;

            static {
                OpenSslX25519 loaded = null;
                RuntimeException failure = null;
                try {
                    loaded = OpenSslX25519.load();
                } catch (RuntimeException e) {
                    failure = e;
                } catch (LinkageError e) {
                    failure = new IllegalStateException("libcrypto.so.3 could not be linked", e);
                }
                LOADED = loaded;
                FAILURE = failure;
            }
        }

        private static Choice choose() {
            if ("false".equalsIgnoreCase(System.getProperty(ENABLED_PROPERTY, "true"))) {
                return new Choice(BOUNCY_CASTLE, "OpenSSL turned off with -D" + ENABLED_PROPERTY + "=false");
            }
            try {
                OpenSslX25519 loaded = openSsl();
                String disagreement = knownAnswer();
                if (disagreement != null) {
                    return new Choice(BOUNCY_CASTLE, "OpenSSL " + loaded.version() + " " + disagreement);
                }
                return new Choice(OPENSSL, loaded.version() + " (libcrypto.so.3)");
            } catch (RuntimeException | LinkageError e) {
                return new Choice(BOUNCY_CASTLE, "OpenSSL is unusable: " + e + causeOf(e));
            }
        }

        private static String causeOf(Throwable e) {
            return e.getCause() == null ? "" : ": " + e.getCause();
        }

        /** Null when OpenSSL gives RFC 7748 §6.1's shared secret and refuses a small-order point, else what failed. */
        private static String knownAnswer() {
            HexFormat hex = HexFormat.of();
            byte[] alice = hex.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
            byte[] bobPublic = hex.parseHex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
            byte[] expected = hex.parseHex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
            byte[] shared = new byte[X25519.POINT_SIZE];
            if (!OPENSSL.agree(alice, publicKey(alice), bobPublic, shared) || !Arrays.equals(expected, shared)) {
                return "disagreed with RFC 7748 §6.1";
            }
            if (OPENSSL.agree(alice, publicKey(alice), new byte[X25519.POINT_SIZE], shared)) {
                return "accepted a small-order point";
            }
            return null;
        }
    }
}
