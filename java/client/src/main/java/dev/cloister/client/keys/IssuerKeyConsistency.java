package dev.cloister.client.keys;

import dev.cloister.ledger.entry.IssuerKeyEntry;
import dev.cloister.ledger.proof.KeyProofs;
import dev.cloister.ledger.witness.WitnessPolicy;
import dev.cloister.tokens.keys.IssuerPublicKey;
import dev.cloister.tokens.privacypass.IssuerDirectory;
import dev.cloister.tokens.privacypass.TokenType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Issuer key consistency (RFC 9576 §6.2; DESIGN.md: issuer keys are published in the ledger, so an issuer cannot tag a
 * user with a key of its own): a token key from the issuer directory is used only when the transparency ledger holds an
 * {@link IssuerKeyEntry} for token type 0x0001, this issuer's name and exactly these key bytes, valid now, in a
 * checkpoint signed by the log and cosigned by the witness policy's quorum. The client then checks every DLEQ proof of
 * the issuer's responses against that key ({@code PrivateTokenClient}).
 *
 * <p>For each directory key of token type 0x0001, in order: find the proof whose entry names those exact bytes, this
 * token type and this issuer; decode the entry (canonical, type 0x03); check its window contains {@code now}; verify the
 * proof (checkpoint signature and origin, cosignature quorum and age, inclusion of {@code SHA-256(0x00 ‖ entry)}).
 * The first key that passes is used; when none does, the check fails with every key's reason.
 */
public final class IssuerKeyConsistency {

    private final PublishedEntries published;

    public IssuerKeyConsistency(LedgerView ledger) {
        this.published = new PublishedEntries(ledger);
    }

    /** An issuer key with the ledger facts that vouch for it. */
    public record ConsistentIssuerKey(
            IssuerPublicKey key,
            IssuerKeyEntry entry,
            long ledgerIndex,
            long checkpointSize,
            String checkpointOrigin,
            List<WitnessPolicy.Cosignature> cosignatures) {

        public ConsistentIssuerKey {
            cosignatures = List.copyOf(cosignatures);
        }
    }

    /**
     * @param issuerName the issuer_name of the token challenge the tokens are for
     * @return the first directory key of token type 0x0001 that the ledger vouches for now
     * @throws KeyConsistencyException when none is vouched for, with the reason for each
     */
    public ConsistentIssuerKey check(IssuerDirectory directory, String issuerName, KeyProofs proofs, Instant now)
            throws KeyConsistencyException {
        List<String> reasons = new ArrayList<>();
        for (IssuerDirectory.TokenKey key : directory.tokenKeys()) {
            if (key.tokenType() != TokenType.VOPRF_P384_SHA384.code()) {
                continue;
            }
            try {
                return checkOne(key.tokenKey().toByteArray(), issuerName, proofs, now);
            } catch (KeyConsistencyException e) {
                reasons.add(e.getMessage());
            }
        }
        throw new KeyConsistencyException(
                reasons.isEmpty()
                        ? "the issuer directory lists no key of token type 0x0001"
                        : "no issuer key in the directory is in the ledger for " + issuerName + ": "
                                + String.join("; ", reasons));
    }

    private ConsistentIssuerKey checkOne(byte[] keyBytes, String issuerName, KeyProofs proofs, Instant now)
            throws KeyConsistencyException {
        IssuerPublicKey key;
        try {
            key = IssuerPublicKey.decode(keyBytes);
        } catch (Exception e) {
            throw new KeyConsistencyException("a directory key does not decode: " + e.getMessage(), e);
        }
        PublishedEntries.Vouched<IssuerKeyEntry> v = published.find(
                proofs,
                IssuerKeyEntry.class,
                entry -> entry.publicKey().contentEquals(keyBytes)
                        && entry.tokenType() == TokenType.VOPRF_P384_SHA384.code(),
                entry -> !entry.issuerName().equals(issuerName)
                        ? "its ledger entry is for issuer " + entry.issuerName() + ", not " + issuerName
                        : entry.validAt(now)
                                ? null
                                : "its ledger entry is valid " + entry.notBefore() + " .. " + entry.notAfter()
                                        + ", not at " + now,
                now,
                "issuer key " + key.keyId());
        // One key per issuer and token type at a time: a second logged key whose epoch overlaps this one's could tag
        // the users it is shown to (the ledger refuses it; a log that took it anyway is refused here).
        IssuerKeyEntry mine = v.entry();
        for (PublishedEntries.Vouched<IssuerKeyEntry> other : published.all(
                proofs,
                IssuerKeyEntry.class,
                e -> e.issuerName().equals(mine.issuerName())
                        && e.tokenType() == mine.tokenType()
                        && !e.publicKey().equals(mine.publicKey())
                        && e.notBefore().isBefore(mine.notAfter())
                        && mine.notBefore().isBefore(e.notAfter()),
                now)) {
            throw new KeyConsistencyException("issuer key " + key.keyId() + ": issuer " + issuerName
                    + " logged another key (entry " + other.proof().index() + ", valid "
                    + other.entry().notBefore() + " .. " + other.entry().notAfter() + ") whose epoch overlaps this"
                    + " key's " + mine.notBefore() + " .. " + mine.notAfter());
        }
        return new ConsistentIssuerKey(
                key,
                v.entry(),
                v.proof().index(),
                v.proof().checkpoint().size(),
                v.proof().checkpoint().origin(),
                v.proof().cosignatures());
    }
}
