package dev.cloister.ledger.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.LogConsistencyException;
import dev.cloister.ledger.checkpoint.DirectoryCheckpointStore;
import dev.cloister.ledger.checkpoint.InMemoryCheckpointStore;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.entry.Digest;
import dev.cloister.ledger.entry.EnclaveRelease;
import dev.cloister.ledger.entry.LedgerEntry;
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
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole library flow the ledger and witness servers will wrap: publish typed entries, collect cosignatures from
 * three witnesses over the tlog-witness request format, serve tiles from the directory, and verify offline proofs
 * on the client under a 2-of-3 policy while the log grows.
 */
class LedgerFlowTest {

    static final String ORIGIN = "ledger.cloister.example/releases";
    static final Instant NOW = Instant.parse("2026-11-28T09:00:00Z");

    @TempDir
    Path root;

    @Test
    void publishCosignServeAndVerify() throws Exception {
        SecureRandom random = new SecureRandom();
        Ed25519NoteSigner logKey = Ed25519NoteSigner.generate(ORIGIN, random);
        Sequencer ledger = Sequencer.open(LogStorage.open(root.resolve("log")), ORIGIN, logKey);
        LogIdentity identity = new LogIdentity(ORIGIN, logKey.verifier());
        List<Witness> witnesses = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            Cosigner c = new Cosigner("witness" + i + ".cloister.example", Ed25519PrivateKey.generate(random));
            witnesses.add(new Witness(c, List.of(identity), new DirectoryCheckpointStore(root.resolve("w" + i))));
        }
        long[] witnessed = new long[3];

        EnclaveRelease release = new EnclaveRelease(
                "cloister-enclave 0.1.0",
                List.of(new PlatformMeasurement.SevSnp(Bytes.of(new byte[48]))),
                List.of(),
                new Digest(Digest.Algorithm.SHA_256, Bytes.of(new byte[32])),
                "899672b",
                new Digest(Digest.Algorithm.SHA_256, Bytes.of(new byte[32])));
        OhttpKeyConfigEntry keyConfig = new OhttpKeyConfigEntry(
                Bytes.of(new byte[] {1, 0, 32}),
                Instant.parse("2026-11-01T00:00:00Z"),
                Instant.parse("2027-01-01T00:00:00Z"));
        Sequencer.Appended a = ledger.append(List.of(release.encode(), keyConfig.encode()));
        cosign(ledger, witnesses, witnessed, NOW);

        WitnessPolicy policy = WitnessPolicy.quorum(
                2, witnesses.stream().map(w -> w.cosigner().verifier()).toList(), Duration.ofHours(1));
        LogVerifier client = new LogVerifier(identity, policy, new InMemoryCheckpointStore());
        TileReader tiles = new TileReader(new DirectoryTileSource(root.resolve("log")));

        TlogProof releaseProof = TlogProof.parse(
                ledger.tlogProof(a.firstIndex(), Optional.empty()).encode());
        LogVerifier.Verified v = client.verifyInclusion(release.leafHash(), releaseProof, tiles, NOW);
        assertEquals(3, v.cosignatures().size());
        assertEquals(release, LedgerEntry.decode(tiles.entry(v.index(), v.checkpoint())));

        // The log grows; a later proof (for the key config) moves the client forward with a consistency proof.
        for (int i = 0; i < 5; i++) {
            ledger.append(List.of(("filler " + i).getBytes()));
            cosign(ledger, witnesses, witnessed, NOW.plusSeconds(i));
        }
        TlogProof keyProof = ledger.tlogProof(a.firstIndex() + 1, Optional.empty());
        assertEquals(
                7,
                client.verifyInclusion(keyConfig.leafHash(), keyProof, tiles, NOW)
                        .checkpoint()
                        .size());
        // The old release proof still verifies: its checkpoint is a prefix of the one remembered.
        client.verifyInclusion(release.leafHash(), releaseProof, tiles, NOW);
        // The log's current checkpoint presented as "latest" after a larger one was seen is a rollback.
        SignedNote old = releaseProof.checkpoint();
        assertThrows(LogConsistencyException.class, () -> client.acceptLatest(old, tiles, NOW));
    }

    /** What the ledger server will do after each batch: ask every witness, then serve the cosigned checkpoint. */
    private static void cosign(Sequencer ledger, List<Witness> witnesses, long[] witnessed, Instant now)
            throws Exception {
        SignedNote cp = ledger.checkpoint();
        long size = ledger.size();
        SignedNote cosigned = cp;
        for (int i = 0; i < witnesses.size(); i++) {
            List<dev.cloister.base.Bytes> proof = witnessed[i] == 0 || witnessed[i] == size
                    ? List.of()
                    : ledger.consistencyProof(witnessed[i], size).hashes();
            byte[] response =
                    witnesses.get(i).addCheckpoint(new AddCheckpointRequest(witnessed[i], proof, cp).encode(), now);
            cosigned = cosigned.withSignatureLines(response);
            witnessed[i] = size;
        }
        ledger.publishCosigned(cosigned);
    }
}
