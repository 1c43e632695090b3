package dev.cloister.ledger.witness;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.NoteVerificationException;
import dev.cloister.ledger.PolicyException;
import dev.cloister.ledger.checkpoint.Checkpoint;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.checkpoint.SignedCheckpoint;
import dev.cloister.ledger.merkle.TreeHash;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.ledger.note.KeyId;
import dev.cloister.ledger.note.NoteSignature;
import dev.cloister.ledger.note.SignatureType;
import dev.cloister.ledger.note.SignedNote;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** c2sp.org/tlog-cosignature (Ed25519, cosignature/v1) and the k-of-n witness policy. */
class CosignatureTest {

    private static final Instant NOW = Instant.parse("2026-11-28T09:00:00Z");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Ed25519NoteSigner LOG = Ed25519NoteSigner.generate("example.com/log", RANDOM);
    private static final LogIdentity ID = new LogIdentity("example.com/log", LOG.verifier());
    private static final List<Cosigner> WITNESSES = List.of(
            new Cosigner("witness1.example", Ed25519PrivateKey.generate(RANDOM)),
            new Cosigner("witness2.example", Ed25519PrivateKey.generate(RANDOM)),
            new Cosigner("witness3.example", Ed25519PrivateKey.generate(RANDOM)));
    private static final WitnessPolicy TWO_OF_THREE =
            WitnessPolicy.quorum(2, WITNESSES.stream().map(Cosigner::verifier).toList(), Duration.ofHours(1));

    private static SignedNote checkpoint() throws FormatException {
        Checkpoint cp = new Checkpoint("example.com/log", 20852163, Bytes.of(TreeHash.leafHash(new byte[] {7})));
        return SignedNote.sign(cp.toText(), List.of(LOG));
    }

    private static SignedNote cosigned(SignedNote note, Instant time, int... witnesses) {
        for (int w : witnesses) {
            note = note.withSignature(WITNESSES.get(w).cosign(note.text(), time));
        }
        return note;
    }

    private static List<WitnessPolicy.Cosignature> verify(SignedNote note, WitnessPolicy policy, Instant now)
            throws Exception {
        SignedCheckpoint cp = SignedCheckpoint.open(note.encode(), ID, policy.witnesses());
        return policy.check(cp.note(), now);
    }

    @Test
    void signedMessageIsExactlyTheSpecLayout() {
        byte[] body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
                .getBytes(StandardCharsets.UTF_8);
        assertEquals(
                "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
                        + "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
                new String(CosignatureV1.message(1679315147L, body), StandardCharsets.UTF_8));
        assertEquals(
                "cosignature/v1\ntime 0\n", new String(CosignatureV1.message(0, new byte[0]), StandardCharsets.UTF_8));
    }

    @Test
    void cosignatureLayoutAndKeyId() throws Exception {
        Cosigner w = WITNESSES.getFirst();
        NoteSignature s = w.cosign(checkpoint().text(), NOW);
        assertEquals(72, s.signature().length());
        assertEquals(NOW.getEpochSecond(), CosignatureV1.timestamp(s.signature().toByteArray()));
        assertEquals(
                KeyId.of(
                        "witness1.example",
                        SignatureType.COSIGNATURE_V1,
                        w.verifier().verifierKey().publicKey().toByteArray()),
                s.keyId());
        // A type 0x04 vkey round-trips and verifies the same signature.
        CosignatureVerifier fromVkey = CosignatureVerifier.fromVkey(w.verifier().toString());
        assertEquals(w.verifier(), fromVkey);
        assertTrue(fromVkey.verify(checkpoint().text(), s.signature().toByteArray()));
        // The Ed25519 signature is over the cosignature/v1 message, not over the bare note text.
        byte[] sig = s.signature().toByteArray();
        assertArrayEquals(sig, w.cosign(checkpoint().text(), NOW).signature().toByteArray()); // deterministic
    }

    @Test
    void twoOfThreeWitnessesSatisfyThePolicy() throws Exception {
        List<WitnessPolicy.Cosignature> c =
                verify(cosigned(checkpoint(), NOW.minusSeconds(60), 0, 2), TWO_OF_THREE, NOW);
        assertEquals(
                List.of("witness1.example", "witness3.example"),
                c.stream().map(WitnessPolicy.Cosignature::witness).toList());
    }

    @Test
    void oneOfThreeWitnessesIsRefused() throws Exception {
        PolicyException e =
                assertThrows(PolicyException.class, () -> verify(cosigned(checkpoint(), NOW, 1), TWO_OF_THREE, NOW));
        assertTrue(e.getMessage().contains("1 valid cosignatures, want 2 of 3"), e.getMessage());
    }

    @Test
    void staleCosignaturesAreRefused() throws Exception {
        SignedNote note = cosigned(checkpoint(), NOW.minus(Duration.ofHours(2)), 0, 1, 2);
        PolicyException e = assertThrows(PolicyException.class, () -> verify(note, TWO_OF_THREE, NOW));
        assertTrue(e.getMessage().contains("3 older than"), e.getMessage());
    }

    @Test
    void futureCosignaturesAreRefused() throws Exception {
        SignedNote note = cosigned(checkpoint(), NOW.plus(Duration.ofHours(1)), 0, 1);
        assertThrows(PolicyException.class, () -> verify(note, TWO_OF_THREE, NOW));
    }

    @Test
    void timestampBeyondInstantRangeCountsAsFuture() throws Exception {
        // A known witness whose clock is broken signs time 2^63-1 (valid per the spec, beyond java.time.Instant):
        // the signature verifies, the policy refuses it, nothing crashes.
        Ed25519PrivateKey key = Ed25519PrivateKey.generate(RANDOM);
        Cosigner broken = new Cosigner("broken.example", key);
        SignedNote note = cosigned(checkpoint(), NOW, 0);
        long t = Long.MAX_VALUE;
        byte[] sig = new byte[72];
        for (int i = 0; i < 8; i++) {
            sig[i] = (byte) (t >>> (56 - 8 * i));
        }
        System.arraycopy(key.sign(CosignatureV1.message(t, note.text())), 0, sig, 8, 64);
        SignedNote withBroken = note.withSignature(
                new NoteSignature("broken.example", broken.verifier().keyId(), Bytes.of(sig)));
        WitnessPolicy policy =
                WitnessPolicy.quorum(2, List.of(WITNESSES.get(0).verifier(), broken.verifier()), Duration.ofHours(1));
        PolicyException e = assertThrows(PolicyException.class, () -> verify(withBroken, policy, NOW));
        assertTrue(e.getMessage().contains("1 in the future"), e.getMessage());
    }

    @Test
    void forgedCosignatureByAKnownWitnessIsRefused() throws Exception {
        SignedNote note = checkpoint();
        NoteSignature good = WITNESSES.get(0).cosign(note.text(), NOW);
        byte[] sig = good.signature().toByteArray();
        sig[0] ^= 1; // change the timestamp: the signature no longer covers it
        SignedNote forged =
                cosigned(note, NOW, 1).withSignature(new NoteSignature(good.keyName(), good.keyId(), Bytes.of(sig)));
        assertThrows(NoteVerificationException.class, () -> verify(forged, TWO_OF_THREE, NOW));
    }

    @Test
    void cosignatureOverAnotherCheckpointIsRefused() throws Exception {
        SignedNote other = SignedNote.sign(
                new Checkpoint("example.com/log", 5, Bytes.of(TreeHash.emptyRoot())).toText(), List.of(LOG));
        NoteSignature wrongBody = WITNESSES.get(0).cosign(other.text(), NOW);
        SignedNote note = cosigned(checkpoint(), NOW, 1).withSignature(wrongBody);
        assertThrows(NoteVerificationException.class, () -> verify(note, TWO_OF_THREE, NOW));
    }

    @Test
    void unknownWitnessesDoNotCount() throws Exception {
        Cosigner stranger = new Cosigner("stranger.example", Ed25519PrivateKey.generate(RANDOM));
        SignedNote note = cosigned(checkpoint(), NOW, 0)
                .withSignature(stranger.cosign(checkpoint().text(), NOW));
        assertThrows(PolicyException.class, () -> verify(note, TWO_OF_THREE, NOW));
    }

    @Test
    void policyWithoutWitnessesIsExplicit() throws Exception {
        assertEquals(List.of(), verify(checkpoint(), WitnessPolicy.none(), NOW));
        assertThrows(
                IllegalArgumentException.class,
                () -> WitnessPolicy.quorum(
                        4, WITNESSES.stream().map(Cosigner::verifier).toList(), Duration.ofHours(1)));
    }

    @Test
    void ed25519NoteKeyIsNotACosignatureKey() {
        assertThrows(
                FormatException.class,
                () -> CosignatureVerifier.fromVkey(LOG.verifier().toString()));
    }
}
