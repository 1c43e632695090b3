package dev.cloister.client.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.entry.IssuerKeyEntry;
import dev.cloister.ledger.entry.OhttpKeyConfigEntry;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.ledger.proof.KeyProofs;
import dev.cloister.ledger.proof.TlogProof;
import dev.cloister.ledger.testing.TestLog;
import dev.cloister.ledger.witness.Cosigner;
import dev.cloister.tokens.keys.IssuerPublicKey;
import dev.cloister.tokens.oprf.OprfKeyPair;
import dev.cloister.tokens.privacypass.IssuerDirectory;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issuer key consistency against a real log (sequencer on disk) cosigned by two witnesses; one test per check. */
class IssuerKeyConsistencyTest {

    private static final String ORIGIN = "ledger.cloister.example/issuer-keys-test";
    private static final String ISSUER = "issuer.cloister.example";
    private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");

    @TempDir
    Path dir;

    private final SecureRandom random = new SecureRandom();
    private TestLog log;
    private List<Cosigner> witnesses;

    @BeforeEach
    void log() throws Exception {
        log = new TestLog(dir.resolve("log"), ORIGIN, 2);
        witnesses = log.witnesses;
    }

    private IssuerPublicKey key() {
        return IssuerPublicKey.of(
                OprfKeyPair.generate(IssuerPublicKey.SUITE, random).publicKey());
    }

    private static byte[] entry(IssuerPublicKey key, String issuer, Instant from, Instant to) {
        return new IssuerKeyEntry(0x0001, issuer, Bytes.of(key.encoded()), from, to).encode();
    }

    private static byte[] current(IssuerPublicKey key) {
        return entry(key, ISSUER, NOW.minusSeconds(3600), NOW.plusSeconds(3600));
    }

    private static IssuerDirectory directory(IssuerPublicKey... keys) {
        List<IssuerDirectory.TokenKey> list = new ArrayList<>();
        for (IssuerPublicKey k : keys) {
            list.add(new IssuerDirectory.TokenKey(0x0001, dev.cloister.base.Bytes.of(k.encoded()), Optional.empty()));
        }
        return new IssuerDirectory("https://" + ISSUER + "/token-request", list);
    }

    private List<TlogProof> publish(List<byte[]> entries, List<Cosigner> cosigning) throws Exception {
        return log.publish(entries, cosigning, NOW.minusSeconds(5));
    }

    private IssuerKeyConsistency consistency(LogIdentity identity) {
        return new IssuerKeyConsistency(
                LedgerView.inMemory(identity, log.allOf(Duration.ofMinutes(10)), log.sequencer));
    }

    private String refusal(IssuerDirectory directory, String issuer, KeyProofs proofs) {
        return assertThrows(
                        KeyConsistencyException.class,
                        () -> consistency(log.identity()).check(directory, issuer, proofs, NOW))
                .getMessage();
    }

    @Test
    void aPublishedKeyIsUsedWithItsLedgerFacts() throws Exception {
        IssuerPublicKey next = key();
        IssuerPublicKey now = key();
        List<TlogProof> proofs = publish(
                List.of(
                        new byte[] {7},
                        current(now),
                        entry(next, ISSUER, NOW.plusSeconds(3600), NOW.plusSeconds(7200))),
                witnesses);
        KeyProofs document = KeyProofs.decode(new KeyProofs(proofs.subList(1, 3)).encode());
        // The next epoch's key is listed first but is not valid yet: the current one is used.
        IssuerKeyConsistency.ConsistentIssuerKey accepted =
                consistency(log.identity()).check(directory(next, now), ISSUER, document, NOW);
        assertEquals(now, accepted.key());
        assertEquals(1, accepted.ledgerIndex());
        assertEquals(3, accepted.checkpointSize());
        assertEquals(2, accepted.cosignatures().size());
    }

    @Test
    void aKeyWhoseEpochOverlapsAnotherLoggedKeyOfTheIssuerIsRefused() throws Exception {
        IssuerPublicKey shown = key();
        IssuerPublicKey other = key();
        // A log that took a second key for the same epoch (the ledger server refuses it; this one did not).
        List<TlogProof> proofs = publish(
                List.of(current(shown), entry(other, ISSUER, NOW.minusSeconds(60), NOW.plusSeconds(7200))), witnesses);
        String reason = refusal(directory(shown), ISSUER, new KeyProofs(proofs));
        assertTrue(reason.contains("logged another key (entry 1"), reason);
        assertTrue(reason.contains("whose epoch overlaps"), reason);
        // Without the other entry in the document the key is used: the document is what the client can see.
        assertEquals(
                shown,
                consistency(log.identity())
                        .check(directory(shown), ISSUER, new KeyProofs(proofs.subList(0, 1)), NOW)
                        .key());
    }

    @Test
    void aKeyTheLedgerDoesNotHoldIsRefused() throws Exception {
        IssuerPublicKey published = key();
        IssuerPublicKey secret = key();
        KeyProofs proofs = new KeyProofs(publish(List.of(current(published)), witnesses));
        String reason = refusal(directory(secret), ISSUER, proofs);
        assertTrue(reason.contains("no ledger entry for these key bytes"), reason);
    }

    @Test
    void aKeyPublishedForAnotherIssuerIsRefused() throws Exception {
        IssuerPublicKey key = key();
        KeyProofs proofs = new KeyProofs(publish(
                List.of(entry(key, "other-issuer.example", NOW.minusSeconds(60), NOW.plusSeconds(60))), witnesses));
        String reason = refusal(directory(key), ISSUER, proofs);
        assertTrue(reason.contains("is for issuer other-issuer.example"), reason);
    }

    @Test
    void aKeyOutsideItsEpochIsRefused() throws Exception {
        IssuerPublicKey key = key();
        KeyProofs proofs = new KeyProofs(
                publish(List.of(entry(key, ISSUER, NOW.minusSeconds(7200), NOW.minusSeconds(3600))), witnesses));
        String reason = refusal(directory(key), ISSUER, proofs);
        assertTrue(reason.contains("not at"), reason);
    }

    @Test
    void tooFewCosignaturesAreRefused() throws Exception {
        IssuerPublicKey key = key();
        KeyProofs proofs = new KeyProofs(publish(List.of(current(key)), witnesses.subList(0, 1)));
        String reason = refusal(directory(key), ISSUER, proofs);
        assertTrue(reason.contains("while verifying its ledger proof"), reason);
    }

    @Test
    void aProofFromAnotherLogIsRefused() throws Exception {
        IssuerPublicKey key = key();
        KeyProofs proofs = new KeyProofs(publish(List.of(current(key)), witnesses));
        Ed25519NoteSigner otherLog = new Ed25519NoteSigner(ORIGIN, Ed25519PrivateKey.generate(random));
        assertThrows(
                KeyConsistencyException.class,
                () -> consistency(new LogIdentity(ORIGIN, otherLog.verifier()))
                        .check(directory(key), ISSUER, proofs, NOW));
    }

    @Test
    void anEntrySwappedIntoARealProofDoesNotVerify() throws Exception {
        IssuerPublicKey key = key();
        IssuerPublicKey attacker = key();
        TlogProof real = publish(List.of(current(key)), witnesses).getFirst();
        TlogProof swapped = new TlogProof(
                Optional.of(dev.cloister.base.Bytes.of(current(attacker))),
                real.index(),
                real.proof(),
                real.checkpoint());
        String reason = refusal(directory(attacker), ISSUER, new KeyProofs(List.of(swapped)));
        assertTrue(reason.contains("while verifying its ledger proof"), reason);
    }

    @Test
    void anOhttpKeyEntryIsNotAnIssuerKey() throws Exception {
        IssuerPublicKey key = key();
        // Same bytes, wrong entry type: the proof verifies but does not vouch for an issuer key.
        KeyProofs proofs = new KeyProofs(publish(
                List.of(new OhttpKeyConfigEntry(Bytes.of(key.encoded()), NOW.minusSeconds(60), NOW.plusSeconds(60))
                        .encode()),
                witnesses));
        String reason = refusal(directory(key), ISSUER, proofs);
        assertTrue(reason.contains("no ledger entry for these key bytes"), reason);
    }

    @Test
    void aDirectoryWithoutATokenType1KeyIsRefused() throws Exception {
        IssuerPublicKey key = key();
        KeyProofs proofs = new KeyProofs(publish(List.of(current(key)), witnesses));
        IssuerDirectory other = new IssuerDirectory(
                "https://" + ISSUER + "/token-request",
                List.of(new IssuerDirectory.TokenKey(
                        0x0002, dev.cloister.base.Bytes.of(key.encoded()), Optional.empty())));
        assertTrue(refusal(other, ISSUER, proofs).contains("no key of token type 0x0001"));
        IssuerDirectory garbage = new IssuerDirectory(
                "https://" + ISSUER + "/token-request",
                List.of(new IssuerDirectory.TokenKey(
                        0x0001, dev.cloister.base.Bytes.of(new byte[49]), Optional.empty())));
        assertTrue(refusal(garbage, ISSUER, proofs).contains("does not decode"));
    }
}
