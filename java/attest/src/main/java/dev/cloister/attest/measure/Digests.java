package dev.cloister.attest.measure;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** The JDK's SHA-256 and SHA-384 (every JDK has them). */
final class Digests {

    private Digests() {}

    static MessageDigest sha256() {
        return get("SHA-256");
    }

    static MessageDigest sha384() {
        return get("SHA-384");
    }

    static byte[] sha384(byte[] data) {
        return sha384().digest(data);
    }

    private static MessageDigest get(String name) {
        try {
            return MessageDigest.getInstance(name);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(name + " is missing from this JDK", e);
        }
    }
}
