package dev.cloister.ledger.entry;

import dev.cloister.ledger.FormatException;

/**
 * Revokes a release logged earlier (entry type 0x11): clients refuse the {@link SignedRelease} whose
 * {@link SignedRelease#digest()} it names as soon as their verified view of the log holds this entry, whatever the
 * release's validity window says. A revocation only takes acceptance away, so it needs no release key: getting it
 * into the log (a submitter key) is enough.
 * <pre>
 * struct {
 *   Digest release;             // SHA-256 of the SignedRelease entry's encoding
 *   opaque reason&lt;1..255&gt;;     // UTF-8, no control characters
 * } ReleaseRevocation;
 * </pre>
 */
public record ReleaseRevocation(Digest release, String reason) implements LedgerEntry {

    public static final int TYPE = 0x11;

    public ReleaseRevocation {
        if (release.algorithm() != Digest.Algorithm.SHA_256) {
            throw new IllegalArgumentException("a revocation names a release by SHA-256, not " + release.algorithm());
        }
        EnclaveRelease.checkText("revocation reason", reason);
    }

    /** Whether this revokes {@code r}. */
    public boolean revokes(SignedRelease r) {
        return release.equals(r.digest());
    }

    @Override
    public byte[] encode() {
        CanonicalWriter w = LedgerEntry.header(TYPE);
        release.write(w);
        w.string8(reason);
        return LedgerEntry.finish(w);
    }

    static ReleaseRevocation read(CanonicalReader r) throws FormatException {
        Digest release = Digest.read(r, "revoked release digest");
        String reason = r.string8("revocation reason");
        return new ReleaseRevocation(release, reason);
    }
}
