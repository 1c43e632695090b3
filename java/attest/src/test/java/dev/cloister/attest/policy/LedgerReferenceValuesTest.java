package dev.cloister.attest.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.ReferenceValue;
import dev.cloister.attest.sevsnp.SevSnpPolicy;
import dev.cloister.attest.sim.SimulatedTdxPlatform;
import dev.cloister.attest.tdx.TdxEndorsements;
import dev.cloister.attest.tdx.TdxPolicy;
import dev.cloister.attest.tdx.TdxVerifier;
import dev.cloister.base.Bytes;
import dev.cloister.ledger.checkpoint.DirectoryCheckpointStore;
import dev.cloister.ledger.checkpoint.InMemoryCheckpointStore;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.client.LogVerifier;
import dev.cloister.ledger.entry.Digest;
import dev.cloister.ledger.entry.EnclaveRelease;
import dev.cloister.ledger.entry.GpuReferenceValue;
import dev.cloister.ledger.entry.OhttpKeyConfigEntry;
import dev.cloister.ledger.entry.PlatformMeasurement;
import dev.cloister.ledger.log.LogStorage;
import dev.cloister.ledger.log.Sequencer;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.ledger.note.SignedNote;
import dev.cloister.ledger.proof.TlogProof;
import dev.cloister.ledger.tiles.DirectoryTileSource;
import dev.cloister.ledger.tiles.TileReader;
import dev.cloister.ledger.witness.AddCheckpointRequest;
import dev.cloister.ledger.witness.Cosigner;
import dev.cloister.ledger.witness.Witness;
import dev.cloister.ledger.witness.WitnessPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Releases published in a real (local) ledger with two witnesses become reference values only through their verified
 * inclusion proofs; the policies built from them accept the released measurements and nothing else.
 */
class LedgerReferenceValuesTest {

    static final String ORIGIN = "ledger.cloister.example/releases";
    static final Instant NOW = Instant.parse("2026-11-28T09:00:00Z");
    static final byte[] RIM = "<SoftwareIdentity>a signed RIM</SoftwareIdentity>".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path root;

    Sequencer ledger;
    List<Witness> witnesses = new java.util.ArrayList<>();
    LogVerifier client;
    TileReader tiles;
    EnclaveRelease release;
    byte[] mrtd = filled(48, 7);
    List<byte[]> rtmrs = List.of(filled(48, 0), filled(48, 1), filled(48, 2), filled(48, 3));
    byte[] launchDigest = filled(48, 0x5e);

    static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }

    @BeforeEach
    void publish() throws Exception {
        SecureRandom random = new SecureRandom();
        Ed25519NoteSigner logKey = Ed25519NoteSigner.generate(ORIGIN, random);
        ledger = Sequencer.open(LogStorage.open(root.resolve("log")), ORIGIN, logKey);
        LogIdentity identity = new LogIdentity(ORIGIN, logKey.verifier());
        for (int i = 1; i <= 2; i++) {
            Cosigner c = new Cosigner("witness" + i + ".cloister.example", Ed25519PrivateKey.generate(random));
            witnesses.add(new Witness(c, List.of(identity), new DirectoryCheckpointStore(root.resolve("w" + i))));
        }
        release = new EnclaveRelease(
                "cloister-enclave 0.2.0",
                List.of(
                        new PlatformMeasurement.SevSnp(Bytes.of(launchDigest)),
                        new PlatformMeasurement.Tdx(
                                Bytes.of(mrtd), rtmrs.stream().map(Bytes::of).toList())),
                List.of(new GpuReferenceValue(
                        "H100",
                        new Digest(Digest.Algorithm.SHA_384, Bytes.of(sha384(RIM))),
                        new Digest(Digest.Algorithm.SHA_384, Bytes.of(filled(48, 9))))),
                new Digest(Digest.Algorithm.SHA_256, Bytes.of(new byte[32])),
                "0123abc",
                new Digest(Digest.Algorithm.SHA_256, Bytes.of(new byte[32])));
        ledger.append(List.of(release.encode()));
        SignedNote cp = ledger.checkpoint();
        SignedNote cosigned = cp;
        for (Witness w : witnesses) {
            cosigned = cosigned.withSignatureLines(
                    w.addCheckpoint(new AddCheckpointRequest(0, List.of(), cp).encode(), NOW));
        }
        ledger.publishCosigned(cosigned);
        client = new LogVerifier(
                identity,
                WitnessPolicy.quorum(
                        2, witnesses.stream().map(w -> w.cosigner().verifier()).toList(), Duration.ofHours(1)),
                new InMemoryCheckpointStore());
        tiles = new TileReader(new DirectoryTileSource(root.resolve("log")));
    }

    static byte[] sha384(byte[] b) throws Exception {
        return MessageDigest.getInstance("SHA-384").digest(b);
    }

    TlogProof proof() throws Exception {
        return TlogProof.parse(ledger.tlogProof(0, Optional.empty()).encode());
    }

    @Test
    void verifiedReleasesBecomePolicies() throws Exception {
        LedgerReferenceValues rv = LedgerReferenceValues.verify(
                NOW,
                client,
                tiles,
                List.of(new LedgerReferenceValues.PublishedRelease(
                        dev.cloister.base.Bytes.of(release.encode()), proof())));
        assertEquals(List.of(release), rv.releases());
        SevSnpPolicy snp = rv.applyTo(SevSnpPolicy.genuineAmd());
        assertTrue(((ReferenceValue.Digests) snp.measurement()).matches(launchDigest));
        List<TdxPolicy> tdx = rv.applyTo(TdxPolicy.genuineIntel());
        assertEquals(1, tdx.size());
        assertTrue(((ReferenceValue.Digests) tdx.getFirst().mrTd()).matches(mrtd));
        rv.requirePublishedRim(RIM);
        AttestationException x = assertThrows(
                AttestationException.class,
                () -> rv.requirePublishedRim("another RIM".getBytes(StandardCharsets.UTF_8)));
        assertTrue(x.getMessage().contains("is not named by any verified ledger release"), x.getMessage());
    }

    /** A simulated TD whose MRTD and RTMRs are the released ones is accepted; another build's quote is refused. */
    @Test
    void tdxPoliciesFromTheLedgerAppraiseQuotes() throws Exception {
        LedgerReferenceValues rv = LedgerReferenceValues.verify(
                NOW,
                client,
                tiles,
                List.of(new LedgerReferenceValues.PublishedRelease(
                        dev.cloister.base.Bytes.of(release.encode()), proof())));
        SimulatedTdxPlatform sim = SimulatedTdxPlatform.openOrCreate(root.resolve("sim"), NOW, new SecureRandom());
        TdxPolicy p = rv.applyTo(sim.insecurePolicy()).getFirst();
        new TdxVerifier()
                .verify(NOW, sim.quote(new byte[64], mrtd, rtmrs, false), TdxEndorsements.embeddedPckChain(), p);
        AttestationException x = assertThrows(
                AttestationException.class,
                () -> new TdxVerifier()
                        .verify(
                                NOW,
                                sim.quote(
                                        new byte[64],
                                        mrtd,
                                        List.of(rtmrs.get(0), rtmrs.get(1), rtmrs.get(2), filled(48, 4)),
                                        false),
                                TdxEndorsements.embeddedPckChain(),
                                p));
        assertTrue(x.getMessage().contains("RTMR3"), x.getMessage());
    }

    @Test
    void aReleaseWithoutAValidProofOrNotARelease() throws Exception {
        EnclaveRelease other = new EnclaveRelease(
                "cloister-enclave 9.9.9",
                List.of(new PlatformMeasurement.SevSnp(Bytes.of(filled(48, 1)))),
                List.of(),
                new Digest(Digest.Algorithm.SHA_256, Bytes.of(new byte[32])),
                "ffff",
                new Digest(Digest.Algorithm.SHA_256, Bytes.of(new byte[32])));
        AttestationException x = assertThrows(
                AttestationException.class,
                () -> LedgerReferenceValues.verify(
                        NOW,
                        client,
                        tiles,
                        List.of(new LedgerReferenceValues.PublishedRelease(
                                dev.cloister.base.Bytes.of(other.encode()), proof()))));
        assertTrue(x.getMessage().startsWith("while verifying ledger release 0 (log " + ORIGIN + ")"), x.getMessage());
        byte[] keyConfig = new OhttpKeyConfigEntry(
                        Bytes.of(new byte[] {1, 0, 32}),
                        Instant.parse("2026-11-01T00:00:00Z"),
                        Instant.parse("2027-01-01T00:00:00Z"))
                .encode();
        AttestationException y = assertThrows(
                AttestationException.class,
                () -> LedgerReferenceValues.verify(
                        NOW,
                        client,
                        tiles,
                        List.of(new LedgerReferenceValues.PublishedRelease(
                                dev.cloister.base.Bytes.of(keyConfig), proof()))));
        assertTrue(y.getMessage().contains("not an enclave release"), y.getMessage());
        // Witness cosignatures older than the policy's hour: the proof is refused.
        assertThrows(
                AttestationException.class,
                () -> LedgerReferenceValues.verify(
                        NOW.plus(Duration.ofDays(1)),
                        client,
                        tiles,
                        List.of(new LedgerReferenceValues.PublishedRelease(
                                dev.cloister.base.Bytes.of(release.encode()), proof()))));
    }
}
