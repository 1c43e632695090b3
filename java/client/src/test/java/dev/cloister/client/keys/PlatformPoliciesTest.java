package dev.cloister.client.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.ReferenceValue;
import dev.cloister.attest.sevsnp.ProductLine;
import dev.cloister.attest.sevsnp.SevSnpPolicy;
import dev.cloister.attest.sevsnp.TcbFloors;
import dev.cloister.attest.sevsnp.TcbVersion;
import dev.cloister.ledger.entry.PlatformPolicy;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.ledger.proof.KeyProofs;
import dev.cloister.ledger.proof.TlogProof;
import dev.cloister.ledger.testing.TestLog;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which platform policy a client takes (the newest witnessed one signed by its key) and how its floors are applied
 * (never below the shipped ones), against a real log on disk cosigned by two witnesses.
 */
class PlatformPoliciesTest {

    private static final String ORIGIN = "ledger.cloister.example/platform-policy-test";
    private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");

    @TempDir
    Path dir;

    private TestLog log;
    private final Ed25519NoteSigner operator =
            new Ed25519NoteSigner("operator.cloister.example", Ed25519PrivateKey.generate(new SecureRandom()));

    @BeforeEach
    void log() throws Exception {
        log = new TestLog(dir.resolve("log"), ORIGIN, 2);
    }

    private PlatformPolicies policies() {
        return new PlatformPolicies(
                LedgerView.inMemory(log.identity(), log.allOf(Duration.ofMinutes(10)), log.sequencer),
                operator.verifier());
    }

    private static byte[] policy(Instant issued, int genoaSnp, Ed25519NoteSigner key) {
        return PlatformPolicy.sign(
                        issued,
                        List.of(new PlatformPolicy.TcbFloor(PlatformPolicy.Product.GENOA, 0, 0, 0, genoaSnp, 0x60)),
                        key)
                .encode();
    }

    private List<TlogProof> publish(List<byte[]> entries, int witnesses) throws Exception {
        return log.publish(entries, log.witnesses.subList(0, witnesses), NOW.minusSeconds(5));
    }

    @Test
    void theNewestWitnessedPolicyIsTakenAndAnOlderOneIsNot() throws Exception {
        List<TlogProof> proofs = publish(
                List.of(
                        policy(NOW.minusSeconds(7200), 0x20, operator),
                        policy(NOW.minusSeconds(3600), 0x30, operator),
                        policy(NOW.minusSeconds(5400), 0x25, operator)),
                2);
        PlatformPolicies.Selection s = policies().newest(new KeyProofs(proofs), NOW);
        assertEquals(1, s.newest().orElseThrow().ledgerIndex(), "issued_at decides, not the order in the log");
        assertEquals(
                TcbVersion.milanGenoa(0, 0, 0x30, 0x60),
                s.newest().orElseThrow().floors().floor(ProductLine.GENOA).orElseThrow());
        assertTrue(s.notTaken().isEmpty(), s.notTaken()::toString);
    }

    @Test
    void anUnwitnessedPolicyIsNotTakenEvenWhenNewer() throws Exception {
        List<TlogProof> witnessed = publish(List.of(policy(NOW.minusSeconds(7200), 0x20, operator)), 2);
        // A newer policy whose checkpoint only one of the two required witnesses cosigned.
        List<TlogProof> unwitnessed = publish(List.of(policy(NOW.minusSeconds(60), 0x40, operator)), 1);
        PlatformPolicies.Selection s =
                policies().newest(new KeyProofs(List.of(witnessed.get(0), unwitnessed.get(0))), NOW);
        assertEquals(0, s.newest().orElseThrow().ledgerIndex());
        assertEquals(1, s.notTaken().size(), s.notTaken()::toString);
        assertTrue(s.notTaken().get(0).startsWith("entry 1: "), s.notTaken()::toString);
    }

    @Test
    void aPolicyWithABadSignatureIsNotTaken() throws Exception {
        Ed25519NoteSigner impostor =
                new Ed25519NoteSigner("operator.cloister.example", Ed25519PrivateKey.generate(new SecureRandom()));
        List<TlogProof> proofs = publish(
                List.of(policy(NOW.minusSeconds(7200), 0x20, operator), policy(NOW.minusSeconds(60), 0x01, impostor)),
                2);
        PlatformPolicies.Selection s = policies().newest(new KeyProofs(proofs), NOW);
        assertEquals(0, s.newest().orElseThrow().ledgerIndex());
        assertTrue(s.notTaken().get(0).contains("signature does not verify"), s.notTaken()::toString);
    }

    @Test
    void aPolicyIssuedInTheFutureOrNotAPolicyIsNotTaken() throws Exception {
        List<TlogProof> proofs = publish(List.of(policy(NOW.plusSeconds(3600), 0x20, operator), new byte[] {7}), 2);
        PlatformPolicies.Selection s = policies().newest(new KeyProofs(proofs), NOW);
        assertTrue(s.newest().isEmpty());
        assertEquals(2, s.notTaken().size(), s.notTaken()::toString);
    }

    @Test
    void loggedFloorsRaiseTheShippedOnesAndNeverLowerThem() {
        SevSnpPolicy shipped =
                SevSnpPolicy.genuineAmd().withMinimumTcb(new ReferenceValue.MinimumTcb(TcbFloors.shipped()));
        TcbFloors logged = new TcbFloors(Map.of(
                ProductLine.GENOA, TcbVersion.milanGenoa(0, 0, 0x30, 0x10),
                ProductLine.MILAN, TcbVersion.milanGenoa(0, 0, 0, 0)));
        TcbFloors applied = (TcbFloors) ((ReferenceValue.MinimumTcb)
                        PlatformPolicies.apply(shipped, logged).minimumTcb())
                .minimum();
        assertEquals(
                TcbVersion.milanGenoa(0, 0, 0x30, 0x56),
                applied.floor(ProductLine.GENOA).orElseThrow());
        assertEquals(TcbFloors.shipped().floor(ProductLine.MILAN), applied.floor(ProductLine.MILAN));
        // A policy without a minimum (the simulated platform's) takes the logged floors as they are.
        TcbFloors asIs =
                (TcbFloors) ((ReferenceValue.MinimumTcb) PlatformPolicies.apply(SevSnpPolicy.genuineAmd(), logged)
                                .minimumTcb())
                        .minimum();
        assertEquals(logged, asIs);
    }
}
