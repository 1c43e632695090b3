package dev.cloister.wire.hpke;

import java.security.GeneralSecurityException;

/** An HPKE operation failed: an unsupported algorithm, an invalid key, or a ciphertext that does not open. */
public final class HpkeException extends GeneralSecurityException {
    public HpkeException(String message) {
        super(message);
    }

    public HpkeException(String message, Throwable cause) {
        super(message, cause);
    }
}
