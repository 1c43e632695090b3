package dev.cloister.ledger.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.LedgerException;
import dev.cloister.ledger.checkpoint.Checkpoint;
import dev.cloister.ledger.checkpoint.SignedCheckpoint;
import dev.cloister.ledger.merkle.InMemoryHashStore;
import dev.cloister.ledger.merkle.MerkleTree;
import dev.cloister.ledger.merkle.TreeHash;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.tiles.DirectoryTileSource;
import dev.cloister.ledger.tiles.EntryBundle;
import dev.cloister.ledger.tiles.EntryBundleId;
import dev.cloister.ledger.tiles.TileId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SequencerTest {

    static final String ORIGIN = "ledger.cloister.example/test";
    static final Ed25519NoteSigner KEY = Ed25519NoteSigner.generate(ORIGIN, new SecureRandom());

    @TempDir
    Path dir;

    static List<byte[]> entries(int from, int count) {
        List<byte[]> out = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            out.add(("entry " + i).getBytes());
        }
        return out;
    }

    @Test
    void batchesProduceTheRfc9162RootAndSpecTiles() throws Exception {
        Sequencer seq = Sequencer.open(LogStorage.open(dir), ORIGIN, KEY);
        assertEquals(0, seq.size());
        assertArrayEquals(TreeHash.emptyRoot(), seq.tree().rootHash().toByteArray());
        InMemoryHashStore ref = new InMemoryHashStore();
        int next = 0;
        for (int batch : new int[] {1, 2, 253, 256, 700, 1, 65536 - 1213 + 10}) {
            List<byte[]> es = entries(next, batch);
            Sequencer.Appended a = seq.append(es);
            assertEquals(next, a.firstIndex());
            es.forEach(e -> ref.append(TreeHash.leafHash(e)));
            next += batch;
            assertEquals(next, a.tree().size());
            assertArrayEquals(ref.rootHash(next), a.tree().rootHash().toByteArray(), "root after " + next);
            Checkpoint onDisk = SignedCheckpoint.open(
                            Files.readAllBytes(dir.resolve("checkpoint")), seq.identity(), List.of())
                    .checkpoint();
            assertEquals(a.tree(), onDisk);
        }
        // 65,546 entries: full level-0 tiles 0..255, partial 256 of width 10; level 1 full tile 0 + partial width 1.
        assertEquals(65_546, next);
        assertTrue(Files.exists(dir.resolve(TileId.full(0, 255).path())));
        assertTrue(Files.exists(dir.resolve(new TileId(0, 256, 10).path())));
        assertTrue(Files.exists(dir.resolve(TileId.full(1, 0).path())));
        assertTrue(Files.notExists(dir.resolve("tile/1/001.p/1")));
        assertTrue(Files.exists(dir.resolve(new TileId(2, 0, 1).path())));
        // Hash 3 of level-1 tile 0 is the tree hash of level-0 tile 3.
        assertArrayEquals(
                ref.node(8, 3),
                java.util.Arrays.copyOfRange(
                        Files.readAllBytes(dir.resolve(TileId.full(1, 0).path())), 96, 128));
        EntryBundle b = EntryBundle.parse(
                new EntryBundleId(256, 10), Files.readAllBytes(dir.resolve(new EntryBundleId(256, 10).path())));
        assertArrayEquals("entry 65545".getBytes(), b.entry(9));
        assertArrayEquals("entry 65545".getBytes(), seq.entry(65545));

        // Proofs from the tiles on disk equal the reference proofs.
        for (long idx : new long[] {0, 255, 256, 65535, 65536, 65545}) {
            assertEquals(
                    hex(MerkleTree.inclusionProof(ref, idx, next).hashes()),
                    hex(seq.inclusionProof(idx, next).hashes()));
        }
        for (long m : new long[] {1, 3, 256, 512, 1213, 65536}) {
            assertEquals(
                    hex(MerkleTree.consistencyProof(ref, m, next).hashes()),
                    hex(seq.consistencyProof(m, next).hashes()));
        }
        assertEquals(
                hex(MerkleTree.inclusionProof(ref, 100, 1213).hashes()),
                hex(seq.inclusionProof(100, 1213).hashes()));
    }

    private static List<String> hex(List<dev.cloister.base.Bytes> l) {
        return l.stream().map(dev.cloister.base.Bytes::hex).toList();
    }

    @Test
    void reopenRecoversTheFrontierAndContinues() throws Exception {
        Sequencer seq = Sequencer.open(LogStorage.open(dir), ORIGIN, KEY);
        InMemoryHashStore ref = new InMemoryHashStore();
        List<byte[]> es = entries(0, 777);
        seq.append(es);
        es.forEach(e -> ref.append(TreeHash.leafHash(e)));
        Sequencer again = Sequencer.open(LogStorage.open(dir), ORIGIN, KEY);
        assertEquals(777, again.size());
        List<byte[]> more = entries(777, 300);
        again.append(more);
        more.forEach(e -> ref.append(TreeHash.leafHash(e)));
        assertArrayEquals(ref.rootHash(1077), again.tree().rootHash().toByteArray());
    }

    @Test
    void reopenWithAnotherKeyIsRefused() throws Exception {
        Sequencer.open(LogStorage.open(dir), ORIGIN, KEY).append(entries(0, 3));
        Ed25519NoteSigner other = Ed25519NoteSigner.generate(ORIGIN, new SecureRandom());
        assertThrows(LedgerException.class, () -> Sequencer.open(LogStorage.open(dir), ORIGIN, other));
    }

    @Test
    void corruptedTileIsDetectedOnReopen() throws Exception {
        Sequencer.open(LogStorage.open(dir), ORIGIN, KEY).append(entries(0, 300));
        Path tile = dir.resolve(new TileId(0, 1, 44).path());
        byte[] b = Files.readAllBytes(tile);
        b[5] ^= 1;
        Files.write(tile, b);
        assertThrows(FormatException.class, () -> Sequencer.open(LogStorage.open(dir), ORIGIN, KEY));
    }

    @Test
    void leftoverTempFilesAndUncheckpointedTilesAreHarmless() throws Exception {
        Sequencer seq = Sequencer.open(LogStorage.open(dir), ORIGIN, KEY);
        seq.append(entries(0, 100));
        // What a crash mid-batch leaves: a temp file and a partial tile beyond the checkpoint.
        Files.write(dir.resolve("tile/0/000.p/150.tmp"), new byte[7]);
        Files.write(dir.resolve("tile/0/000.p/150"), new byte[150 * 32]);
        Sequencer again = Sequencer.open(LogStorage.open(dir), ORIGIN, KEY);
        assertTrue(Files.notExists(dir.resolve("tile/0/000.p/150.tmp")));
        again.append(entries(100, 50));
        InMemoryHashStore ref = new InMemoryHashStore();
        entries(0, 150).forEach(e -> ref.append(TreeHash.leafHash(e)));
        assertArrayEquals(ref.rootHash(150), again.tree().rootHash().toByteArray());
        // The stale partial tile was removed on reopen and written again by the real batch.
        assertArrayEquals(
                ref.node(0, 149),
                java.util.Arrays.copyOfRange(
                        new DirectoryTileSource(dir).fetch("tile/0/000.p/150"), 149 * 32, 150 * 32));
    }

    @Test
    void reopenRemovesTilesBeyondTheCheckpoint() throws Exception {
        Sequencer seq = Sequencer.open(LogStorage.open(dir), ORIGIN, KEY);
        seq.append(entries(0, 250));
        seq.append(entries(250, 10));
        seq.append(entries(260, 5));
        seq.append(entries(265, 300));
        // As if the batches after 260 crashed before their checkpoint rename: their tiles are on disk, not named.
        Files.write(dir.resolve("checkpoint"), checkpointAt(260));
        Sequencer again = Sequencer.open(LogStorage.open(dir), ORIGIN, KEY);
        assertEquals(260, again.size());
        assertTrue(Files.exists(dir.resolve("tile/0/000")), "full tile 0 is part of size 260");
        assertTrue(Files.exists(dir.resolve("tile/0/001.p/4")), "partial of size 260");
        assertTrue(Files.notExists(dir.resolve("tile/0/001.p/9")), "partial of an unacknowledged size");
        assertTrue(Files.notExists(dir.resolve("tile/0/002")), "full tile past the checkpoint");
        assertTrue(Files.notExists(dir.resolve("tile/0/002.p/53")));
        assertTrue(Files.notExists(dir.resolve("tile/entries/002.p/53")));
        assertTrue(Files.exists(dir.resolve("tile/entries/001.p/4")));
        assertTrue(Files.exists(dir.resolve("tile/1/000.p/1")));
        assertTrue(Files.notExists(dir.resolve("tile/1/000.p/2")));
    }

    /** The checkpoint file a sequencer of {@code size} entries "entry i" writes (re-signed, same key). */
    static byte[] checkpointAt(long size) throws Exception {
        InMemoryHashStore ref = new InMemoryHashStore();
        entries(0, (int) size).forEach(e -> ref.append(TreeHash.leafHash(e)));
        return dev.cloister.ledger.note.SignedNote.sign(
                        new Checkpoint(ORIGIN, size, Bytes.of(ref.rootHash(size))).toText(), List.of(KEY))
                .encode();
    }

    @Test
    void oversizedEntryIsRefused() throws Exception {
        Sequencer seq = Sequencer.open(LogStorage.open(dir), ORIGIN, KEY);
        assertThrows(IllegalArgumentException.class, () -> seq.append(List.of(new byte[65536])));
        assertEquals(0, seq.size());
    }
}
