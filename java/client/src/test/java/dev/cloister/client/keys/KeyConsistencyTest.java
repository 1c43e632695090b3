package dev.cloister.client.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.entry.OhttpKeyConfigEntry;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.ledger.proof.KeyProofs;
import dev.cloister.ledger.proof.TlogProof;
import dev.cloister.ledger.testing.TestLog;
import dev.cloister.ledger.witness.Cosigner;
import dev.cloister.ledger.witness.WitnessPolicy;
import dev.cloister.wire.hpke.AeadId;
import dev.cloister.wire.hpke.KdfId;
import dev.cloister.wire.hpke.KemId;
import dev.cloister.wire.ohttp.GatewayKey;
import dev.cloister.wire.ohttp.KeyConfig;
import dev.cloister.wire.ohttp.SymmetricAlgorithm;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key consistency against a real log (sequencer on disk) cosigned by two witnesses. */
class KeyConsistencyTest {

    private static final String ORIGIN = "ledger.cloister.example/keys-test";
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

    private KeyConfig config(int id) {
        return GatewayKey.generate(
                        id,
                        KemId.DHKEM_X25519_HKDF_SHA256,
                        List.of(new SymmetricAlgorithm(KdfId.HKDF_SHA256, AeadId.AES_128_GCM)),
                        NOW,
                        NOW.plusSeconds(3600),
                        random)
                .config();
    }

    private List<TlogProof> publish(List<byte[]> entries, List<Cosigner> cosigning) throws Exception {
        return log.publish(entries, cosigning, NOW.minusSeconds(5));
    }

    private KeyConsistency consistency() {
        return new KeyConsistency(
                LedgerView.inMemory(log.identity(), log.allOf(Duration.ofMinutes(10)), log.sequencer));
    }

    private static byte[] entry(KeyConfig config, Instant from, Instant to) {
        return new OhttpKeyConfigEntry(Bytes.of(config.encode()), from, to).encode();
    }

    @Test
    void aPublishedKeyIsAcceptedWithItsLedgerFacts() throws Exception {
        KeyConfig key = config(1);
        List<TlogProof> proofs =
                publish(List.of(new byte[] {9}, entry(key, NOW.minusSeconds(60), NOW.plusSeconds(60))), witnesses);
        // A proof document round-trips through its encoding.
        KeyProofs document = KeyProofs.decode(new KeyProofs(proofs.subList(1, 2)).encode());
        List<KeyConsistency.ConsistentKey> accepted = consistency().check(List.of(key), document, NOW);
        assertEquals(1, accepted.size());
        assertEquals(1, accepted.getFirst().ledgerIndex());
        assertEquals(2, accepted.getFirst().checkpointSize());
        assertEquals(2, accepted.getFirst().cosignatures().size());
    }

    @Test
    void anUnpublishedKeyIsDroppedAndAloneItIsRefused() throws Exception {
        KeyConfig published = config(1);
        KeyConfig secret = config(2);
        KeyProofs proofs =
                new KeyProofs(publish(List.of(entry(published, NOW.minusSeconds(60), NOW.plusSeconds(60))), witnesses));
        assertEquals(
                List.of(published),
                consistency().check(List.of(secret, published), proofs, NOW).stream()
                        .map(KeyConsistency.ConsistentKey::config)
                        .toList());
        KeyConsistencyException e =
                assertThrows(KeyConsistencyException.class, () -> consistency().check(List.of(secret), proofs, NOW));
        assertTrue(e.getMessage().contains("key config 2: no ledger entry for these key bytes"), e.getMessage());
    }

    @Test
    void aKeyOutsideItsPublishedWindowIsRefused() throws Exception {
        KeyConfig key = config(1);
        KeyProofs proofs =
                new KeyProofs(publish(List.of(entry(key, NOW.minusSeconds(120), NOW.minusSeconds(60))), witnesses));
        KeyConsistencyException e =
                assertThrows(KeyConsistencyException.class, () -> consistency().check(List.of(key), proofs, NOW));
        assertTrue(e.getMessage().contains("not at"), e.getMessage());
    }

    @Test
    void tooFewCosignaturesAreRefused() throws Exception {
        KeyConfig key = config(1);
        KeyProofs proofs = new KeyProofs(
                publish(List.of(entry(key, NOW.minusSeconds(60), NOW.plusSeconds(60))), witnesses.subList(0, 1)));
        KeyConsistencyException e =
                assertThrows(KeyConsistencyException.class, () -> consistency().check(List.of(key), proofs, NOW));
        assertTrue(e.getMessage().contains("while verifying its ledger proof"), e.getMessage());
    }

    @Test
    void aProofFromAnotherLogIsRefused() throws Exception {
        KeyConfig key = config(1);
        KeyProofs proofs =
                new KeyProofs(publish(List.of(entry(key, NOW.minusSeconds(60), NOW.plusSeconds(60))), witnesses));
        Ed25519NoteSigner otherLog = new Ed25519NoteSigner(ORIGIN, Ed25519PrivateKey.generate(random));
        KeyConsistency other = new KeyConsistency(LedgerView.inMemory(
                new LogIdentity(ORIGIN, otherLog.verifier()),
                WitnessPolicy.quorum(
                        2, witnesses.stream().map(Cosigner::verifier).toList(), Duration.ofMinutes(10)),
                log.sequencer));
        assertThrows(KeyConsistencyException.class, () -> other.check(List.of(key), proofs, NOW));
    }

    @Test
    void aProofWhoseEntryWasSwappedDoesNotVerify() throws Exception {
        KeyConfig key = config(1);
        KeyConfig attacker = config(1);
        TlogProof real = publish(List.of(entry(key, NOW.minusSeconds(60), NOW.plusSeconds(60))), witnesses)
                .getFirst();
        TlogProof swapped = new TlogProof(
                Optional.of(dev.cloister.base.Bytes.of(entry(attacker, NOW.minusSeconds(60), NOW.plusSeconds(60)))),
                real.index(),
                real.proof(),
                real.checkpoint());
        assertThrows(
                KeyConsistencyException.class,
                () -> consistency().check(List.of(attacker), new KeyProofs(List.of(swapped)), NOW));
    }

    @Test
    void releasesComeFromTheLedgerOnly() throws Exception {
        byte[] release = dev.cloister.ledger.entry.SignedRelease.sign(
                        ReleaseTransparencyTest.manifest(
                                0x11, NOW.minusSeconds(60), NOW.plusSeconds(3600), 0, false, List.of()),
                        ReleaseTransparencyTest.RELEASE_KEY)
                .encode();
        List<TlogProof> proofs =
                publish(List.of(release, entry(config(1), NOW.minusSeconds(60), NOW.plusSeconds(60))), witnesses);
        ReleaseTrust trust = new ReleaseTrust(
                List.of(ReleaseTransparencyTest.RELEASE_KEY.verifier().verifierKey()), Duration.ZERO);
        ReleaseTransparency releases = new ReleaseTransparency(
                LedgerView.inMemory(log.identity(), log.allOf(Duration.ofMinutes(10)), log.sequencer), trust);
        List<ReleaseTransparency.PublishedRelease> accepted = releases.check(new KeyProofs(proofs), NOW);
        assertEquals(1, accepted.size(), "the key entry is not a release");
        assertEquals(0, accepted.getFirst().ledgerIndex());
        ReleaseTransparency otherLog = new ReleaseTransparency(
                LedgerView.inMemory(
                        new LogIdentity(
                                ORIGIN, new Ed25519NoteSigner(ORIGIN, Ed25519PrivateKey.generate(random)).verifier()),
                        WitnessPolicy.none(),
                        log.sequencer),
                trust);
        assertThrows(KeyConsistencyException.class, () -> otherLog.check(new KeyProofs(proofs), NOW));
        assertThrows(KeyConsistencyException.class, () -> releases.check(new KeyProofs(proofs.subList(1, 2)), NOW));
    }

    @Test
    void malformedDocumentsAreRefusedBeforeAllocating() {
        assertThrows(FormatException.class, () -> KeyProofs.decode(new byte[] {0, 0}));
        assertThrows(FormatException.class, () -> KeyProofs.decode(new byte[] {(byte) 0x7f, -1, -1, -1, 1}));
        assertThrows(FormatException.class, () -> KeyProofs.decode(new byte[] {0, 0, 0, 3, 'a', 'b', 'c'}));
    }
}
