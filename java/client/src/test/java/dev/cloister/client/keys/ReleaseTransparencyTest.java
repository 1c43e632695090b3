package dev.cloister.client.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.sevsnp.SevSnpPolicy;
import dev.cloister.base.Bytes;
import dev.cloister.ledger.entry.Digest;
import dev.cloister.ledger.entry.EnclaveRelease;
import dev.cloister.ledger.entry.GpuReferenceValue;
import dev.cloister.ledger.entry.ImageDigest;
import dev.cloister.ledger.entry.PlatformMeasurement;
import dev.cloister.ledger.entry.ReleaseManifest;
import dev.cloister.ledger.entry.ReleaseRevocation;
import dev.cloister.ledger.entry.SignedRelease;
import dev.cloister.ledger.entry.SnpShape;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.ledger.proof.KeyProofs;
import dev.cloister.ledger.proof.TlogProof;
import dev.cloister.ledger.testing.TestLog;
import dev.cloister.ledger.witness.WitnessPolicy;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which releases a client accepts (issue 15 item 5): signed by a configured release key, proven in the ledger, inside
 * their validity window, not revoked, and out of quarantine; each refusal with its reason.
 */
class ReleaseTransparencyTest {

    private static final String ORIGIN = "ledger.cloister.example/release-test";
    static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
    static final Ed25519NoteSigner RELEASE_KEY = new Ed25519NoteSigner(
            "release.cloister.example",
            Ed25519PrivateKey.fromSeed(filled(32, 0x05).toByteArray()));

    @TempDir
    Path dir;

    private TestLog log;
    private final SecureRandom random = new SecureRandom();

    @BeforeEach
    void log() throws Exception {
        log = new TestLog(dir.resolve("log"), ORIGIN, 2);
    }

    static Bytes filled(int n, int b) {
        byte[] a = new byte[n];
        Arrays.fill(a, (byte) b);
        return Bytes.of(a);
    }

    /** A release with one SEV-SNP shape whose digest is filled with {@code digestByte}. */
    static ReleaseManifest manifest(
            int digestByte, Instant from, Instant to, int vmpl, boolean smt, List<GpuReferenceValue> gpus) {
        return new ReleaseManifest(
                "cloister-enclave test " + digestByte,
                from,
                to,
                vmpl,
                smt,
                List.of(new SnpShape(4, 1, filled(48, digestByte))),
                Optional.empty(),
                List.of(),
                gpus,
                ReleaseManifest.defaultGpuCount(gpus),
                List.of(new ImageDigest("vmlinuz", new Digest(Digest.Algorithm.SHA_256, filled(32, 0x66)))),
                Bytes.EMPTY,
                "0123456789abcdef0123456789abcdef01234567",
                new Digest(Digest.Algorithm.SHA_256, filled(32, 0x77)));
    }

    static SignedRelease signed(int digestByte) {
        return SignedRelease.sign(
                manifest(digestByte, NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(30)), 0, false, List.of()),
                RELEASE_KEY);
    }

    private ReleaseTransparency transparency(Duration quarantine) {
        return transparency(log.allOf(Duration.ofMinutes(10)), quarantine);
    }

    private ReleaseTransparency transparency(WitnessPolicy witnesses, Duration quarantine) {
        return new ReleaseTransparency(
                LedgerView.inMemory(log.identity(), witnesses, log.sequencer),
                new ReleaseTrust(List.of(RELEASE_KEY.verifier().verifierKey()), quarantine));
    }

    /**
     * Logs {@code entries} in a checkpoint cosigned {@code age} ago (their oldest proofs), then another entry in a
     * checkpoint cosigned just now, and returns for each entry the old proof and the fresh one.
     */
    private List<TlogProof> logged(Duration age, byte[]... entries) throws Exception {
        List<TlogProof> old = log.publish(List.of(entries), log.witnesses, NOW.minus(age));
        log.publish(List.of(new byte[] {(byte) random.nextInt()}), log.witnesses, NOW.minusSeconds(5));
        List<TlogProof> out = new ArrayList<>(old);
        for (int i = 0; i < entries.length; i++) {
            out.add(log.sequencer.tlogProof(old.get(i).index(), Optional.of(dev.cloister.base.Bytes.of(entries[i]))));
        }
        return out;
    }

    @Test
    void aSignedReleaseOutOfQuarantineIsAccepted() throws Exception {
        SignedRelease release = signed(0x11);
        List<TlogProof> proofs = logged(Duration.ofHours(2), release.encode());
        List<ReleaseTransparency.PublishedRelease> accepted =
                transparency(Duration.ofHours(1)).check(new KeyProofs(proofs), NOW);
        assertEquals(1, accepted.size());
        assertEquals(release, accepted.getFirst().release());
        assertEquals(0, accepted.getFirst().ledgerIndex());
        assertEquals(2, accepted.getFirst().checkpointSize(), "the fresh proof's checkpoint");
        assertTrue(ReleaseTransparency.find(accepted, filled(48, 0x11).toByteArray())
                .isPresent());
    }

    @Test
    void aReleaseInQuarantineIsRefusedUntilItHasBeenLoggedLongEnough() throws Exception {
        SignedRelease release = signed(0x11);
        List<TlogProof> proofs = logged(Duration.ofMinutes(10), release.encode());
        KeyConsistencyException e = assertThrows(
                KeyConsistencyException.class,
                () -> transparency(Duration.ofHours(1)).check(new KeyProofs(proofs), NOW));
        assertTrue(
                e.getMessage()
                        .contains("in quarantine: no checkpoint holding it was witnessed at or before "
                                + NOW.minus(Duration.ofHours(1))),
                e.getMessage());
        // The fresh proof alone never satisfies a quarantine.
        KeyConsistencyException freshOnly = assertThrows(
                KeyConsistencyException.class,
                () -> transparency(Duration.ofHours(1)).check(new KeyProofs(proofs.subList(1, 2)), NOW));
        assertTrue(freshOnly.getMessage().contains("in quarantine"), freshOnly.getMessage());
        // A zero quarantine (the demo) waives only the wait.
        assertEquals(
                1,
                transparency(Duration.ZERO)
                        .check(new KeyProofs(proofs.subList(1, 2)), NOW)
                        .size());
        // Without a witness quorum nothing dates the release, so a quarantine cannot pass.
        KeyConsistencyException undated = assertThrows(
                KeyConsistencyException.class,
                () -> transparency(WitnessPolicy.none(), Duration.ofMinutes(1)).check(new KeyProofs(proofs), NOW));
        assertTrue(undated.getMessage().contains("no quorum"), undated.getMessage());
    }

    @Test
    void aReleaseNotSignedByAConfiguredKeyIsRefused() throws Exception {
        Ed25519NoteSigner operator = Ed25519NoteSigner.generate("operator", random);
        SignedRelease byOperator = SignedRelease.sign(signed(0x11).manifest(), operator);
        List<TlogProof> proofs = logged(Duration.ofHours(2), byOperator.encode());
        KeyConsistencyException e = assertThrows(
                KeyConsistencyException.class, () -> transparency(Duration.ZERO).check(new KeyProofs(proofs), NOW));
        assertTrue(e.getMessage().contains("not signed by a configured release key"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ReleaseTrust(List.of(), Duration.ZERO));
        assertThrows(
                IllegalArgumentException.class,
                () -> new ReleaseTrust(List.of(RELEASE_KEY.verifier().verifierKey()), Duration.ofSeconds(-1)));
    }

    @Test
    void aVersion1ReleaseIsRefused() throws Exception {
        Digest d = new Digest(Digest.Algorithm.SHA_256, filled(32, 1));
        byte[] old = new EnclaveRelease(
                        "cloister-enclave 0.1.0",
                        List.of(new PlatformMeasurement.SevSnp(filled(48, 0x11))),
                        List.of(),
                        d,
                        "development",
                        d)
                .encode();
        List<TlogProof> proofs = logged(Duration.ofHours(2), old);
        KeyConsistencyException e = assertThrows(
                KeyConsistencyException.class, () -> transparency(Duration.ZERO).check(new KeyProofs(proofs), NOW));
        assertTrue(e.getMessage().contains("version 1 release (0x01), which no release key signs"), e.getMessage());
    }

    @Test
    void aReleaseOutsideItsWindowIsRefused() throws Exception {
        SignedRelease notYet = SignedRelease.sign(
                manifest(0x12, NOW.plusSeconds(60), NOW.plus(Duration.ofDays(1)), 0, false, List.of()), RELEASE_KEY);
        SignedRelease expired = SignedRelease.sign(
                manifest(0x13, NOW.minus(Duration.ofDays(2)), NOW, 0, false, List.of()), RELEASE_KEY);
        List<TlogProof> proofs = logged(Duration.ofHours(2), notYet.encode(), expired.encode());
        KeyConsistencyException e = assertThrows(
                KeyConsistencyException.class, () -> transparency(Duration.ZERO).check(new KeyProofs(proofs), NOW));
        assertTrue(e.getMessage().contains("outside its validity window " + NOW.plusSeconds(60)), e.getMessage());
        assertTrue(e.getMessage().contains(".. " + NOW + " at " + NOW), "not_after is exclusive: " + e.getMessage());
    }

    @Test
    void aRevokedReleaseIsRefusedAndTheOthersStay() throws Exception {
        SignedRelease bad = signed(0x11);
        SignedRelease good = signed(0x12);
        byte[] revocation = new ReleaseRevocation(bad.digest(), "guest kernel CVE-2026-0001").encode();
        List<TlogProof> proofs = logged(Duration.ofHours(2), bad.encode(), good.encode(), revocation);
        List<ReleaseTransparency.PublishedRelease> accepted =
                transparency(Duration.ofHours(1)).check(new KeyProofs(proofs), NOW);
        assertEquals(
                List.of(good),
                accepted.stream()
                        .map(ReleaseTransparency.PublishedRelease::release)
                        .toList());
        List<TlogProof> onlyBad = List.of(proofs.get(0), proofs.get(3), proofs.get(5));
        KeyConsistencyException e = assertThrows(
                KeyConsistencyException.class,
                () -> transparency(Duration.ofHours(1)).check(new KeyProofs(onlyBad), NOW));
        assertTrue(e.getMessage().contains("revoked by the ledger: guest kernel CVE-2026-0001"), e.getMessage());
        // A revocation the log cannot prove is not in the client's verified view: it is reported and ignored.
        TlogProof forged = new TlogProof(
                Optional.of(dev.cloister.base.Bytes.of(new ReleaseRevocation(good.digest(), "forged").encode())),
                proofs.get(4).index(),
                proofs.get(4).proof(),
                proofs.get(4).checkpoint());
        List<TlogProof> withForged = new ArrayList<>(proofs);
        withForged.add(forged);
        assertEquals(
                List.of(good),
                transparency(Duration.ofHours(1)).check(new KeyProofs(withForged), NOW).stream()
                        .map(ReleaseTransparency.PublishedRelease::release)
                        .toList());
    }

    @Test
    void platformOptionsComeFromTheReleasesStrictestFirst() throws Exception {
        Instant from = NOW.minus(Duration.ofDays(1));
        Instant to = NOW.plus(Duration.ofDays(1));
        var loose = new ReleaseTransparency.PublishedRelease(
                SignedRelease.sign(manifest(0x11, from, to, 2, true, List.of()), RELEASE_KEY), 0, 1);
        var strict = new ReleaseTransparency.PublishedRelease(
                SignedRelease.sign(manifest(0x12, from, to, 0, false, List.of()), RELEASE_KEY), 1, 2);
        SevSnpPolicy base = SevSnpPolicy.genuineAmd().withMaximumVmpl(0).withSmt(SevSnpPolicy.Smt.FORBIDDEN);
        SevSnpPolicy one = ReleaseTransparency.applyPlatformOptions(base, List.of(loose));
        assertEquals(2, one.maximumVmpl());
        assertEquals(SevSnpPolicy.Smt.ALLOWED, one.smt());
        SevSnpPolicy both = ReleaseTransparency.applyPlatformOptions(base, List.of(loose, strict));
        assertEquals(0, both.maximumVmpl());
        assertEquals(SevSnpPolicy.Smt.FORBIDDEN, both.smt());
    }
}
