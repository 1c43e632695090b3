package dev.cloister.tokens.oprf;

/** The errors of RFC 9497 §3.3 and §2.1, each its own type. */
public abstract sealed class OprfException extends Exception
        permits InvalidElementException,
                InvalidScalarException,
                InvalidInputException,
                VerifyException,
                InverseException,
                DeriveKeyPairException {
    OprfException(String message) {
        super(message);
    }

    OprfException(String message, Throwable cause) {
        super(message, cause);
    }
}
