package dev.cloister.ledger.log;

import java.nio.charset.StandardCharsets;

/**
 * A submission to the ledger's {@code /add} endpoint: the submitter signs a domain separator followed by the entry, so a
 * signature over an entry can never be replayed as a signature over anything else the submitter's key signs.
 */
public final class Submission {

    /** The domain separator a submitter signs before the entry. */
    public static final String DOMAIN = "cloister/ledger/add/v1\n";

    private Submission() {}

    /** The bytes a submitter signs: the domain separator, then the entry. */
    public static byte[] signedBytes(byte[] entry) {
        byte[] domain = DOMAIN.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[domain.length + entry.length];
        System.arraycopy(domain, 0, out, 0, domain.length);
        System.arraycopy(entry, 0, out, domain.length, entry.length);
        return out;
    }
}
