package dev.cloister.wire.hpke;

import dev.cloister.base.Bytes;
import dev.cloister.base.SecretBytes;

/**
 * The result of {@code Encap(pkR)}: the KEM shared secret and the encapsulated key {@code enc} sent to the recipient.
 */
public record Encapsulation(SecretBytes sharedSecret, Bytes enc) {}
