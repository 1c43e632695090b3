package dev.cloister.wire.hpke;

/**
 * The result of {@code Encap(pkR)}: the KEM shared secret and the encapsulated key {@code enc} sent to the recipient.
 */
public record Encapsulation(byte[] sharedSecret, byte[] enc) {
    @Override
    public String toString() {
        return "Encapsulation[sharedSecret redacted, enc=" + enc.length + " bytes]";
    }
}
