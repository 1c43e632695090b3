package dev.cloister.ledger.tiles;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.LedgerException;
import dev.cloister.ledger.ProofException;
import dev.cloister.ledger.checkpoint.Checkpoint;
import dev.cloister.ledger.merkle.InMemoryHashStore;
import dev.cloister.ledger.merkle.MerkleTree;
import dev.cloister.ledger.merkle.TreeHash;
import dev.cloister.ledger.testing.TestLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Proofs computed from tiles on disk, fetching only the tiles they need. */
class TileReaderTest {

    static final long SIZE = 70_000;

    @TempDir
    static Path dir;

    static TestLog log;
    static InMemoryHashStore ref = new InMemoryHashStore();
    static Checkpoint cp;

    @BeforeAll
    static void build() throws Exception {
        log = new TestLog(dir);
        log.growTo(1000);
        log.growTo(SIZE);
        for (long i = 0; i < SIZE; i++) {
            ref.append(TreeHash.leafHash(TestLog.entry(i)));
        }
        cp = log.sequencer.tree();
    }

    /** Records every path fetched. */
    static final class CountingSource implements TileSource {
        final TileSource inner;
        final List<String> fetched = new ArrayList<>();

        CountingSource(TileSource inner) {
            this.inner = inner;
        }

        @Override
        public byte[] fetch(String path) throws IOException {
            fetched.add(path);
            return inner.fetch(path);
        }
    }

    private static List<String> hex(List<dev.cloister.base.Bytes> l) {
        return l.stream().map(dev.cloister.base.Bytes::hex).toList();
    }

    @Test
    void inclusionProofsEqualTheReferenceAndFetchOnlyNeededTiles() throws Exception {
        for (long index : new long[] {0, 1, 255, 256, 12345, 65535, 65536, 69_887, 69_888, 69_999}) {
            CountingSource src = new CountingSource(new DirectoryTileSource(dir));
            TileReader reader = new TileReader(src);
            assertEquals(
                    hex(MerkleTree.inclusionProof(ref, index, SIZE).hashes()),
                    hex(reader.inclusionProof(index, cp).hashes()),
                    "index " + index);
            // At most: the leaf's level-0 tile, its level-1 tile, and the right-edge partial tiles of 3 levels.
            assertTrue(src.fetched.size() <= 5, index + " fetched " + src.fetched);
            assertEquals(src.fetched.size(), src.fetched.stream().distinct().count(), "no tile fetched twice");
        }
    }

    @Test
    void inclusionProofOfAnEntryInTheFirstTileFetchesThreeTiles() throws Exception {
        CountingSource src = new CountingSource(new DirectoryTileSource(dir));
        new TileReader(src).inclusionProof(5, cp);
        // Level-0 tile 0 (the leaf's neighbours), level-1 tile 0 (subtrees of the first 65,536 leaves), and for
        // MTH(D[65536:70000]) the level-1 partial tile (width 17) and the level-0 partial tile (width 112).
        assertEquals(
                List.of("tile/0/000", "tile/0/273.p/112", "tile/1/000", "tile/1/001.p/17"),
                src.fetched.stream().sorted().toList());
    }

    @Test
    void consistencyProofsEqualTheReference() throws Exception {
        TileReader reader = new TileReader(new DirectoryTileSource(dir));
        for (long m : new long[] {1, 1000, 65536, 69_999}) {
            assertEquals(
                    hex(MerkleTree.consistencyProof(ref, m, SIZE).hashes()),
                    hex(reader.consistencyProof(m, SIZE).hashes()));
        }
        assertEquals(
                hex(MerkleTree.consistencyProof(ref, 1000, 1000).hashes()),
                hex(reader.consistencyProof(1000, 1000).hashes()));
        assertArrayEquals(ref.rootHash(1000), reader.rootHash(1000));
    }

    @Test
    void entriesAreReadAndCheckedAgainstTheCheckpoint() throws Exception {
        TileReader reader = new TileReader(new DirectoryTileSource(dir));
        assertArrayEquals(TestLog.entry(69_999), reader.entry(69_999, cp));
        assertArrayEquals(TestLog.entry(300), reader.entry(300, cp));
    }

    @Test
    void missingPartialTileFallsBackToTheFullTile() throws Exception {
        InMemoryTileSource mem = new InMemoryTileSource();
        mem.put("tile/0/000", Files.readAllBytes(dir.resolve("tile/0/000")));
        mem.put("tile/entries/000", Files.readAllBytes(dir.resolve("tile/entries/000")));
        Checkpoint small = new Checkpoint(TestLog.ORIGIN, 100, Bytes.of(ref.rootHash(100)));
        TileReader reader = new TileReader(mem);
        assertEquals(
                hex(MerkleTree.inclusionProof(ref, 42, 100).hashes()),
                hex(reader.inclusionProof(42, small).hashes()));
        assertArrayEquals(TestLog.entry(99), reader.entry(99, small));
    }

    @Test
    void tamperedTileIsDetectedAgainstTheCheckpoint() throws Exception {
        InMemoryTileSource mem = new InMemoryTileSource();
        for (String p : List.of("tile/0/000", "tile/0/273.p/112", "tile/1/000", "tile/1/001.p/17")) {
            mem.put(p, Files.readAllBytes(dir.resolve(p)));
        }
        byte[] t = mem.fetch("tile/0/000");
        t[32 * 4] ^= 1; // hash of leaf 4, the sibling of leaf 5
        mem.put("tile/0/000", t);
        ProofException e = assertThrows(ProofException.class, () -> new TileReader(mem).inclusionProof(5, cp));
        assertArrayEquals(cp.rootHash().toByteArray(), e.expectedRoot().orElseThrow());
    }

    @Test
    void truncatedTileAndMissingTileAreErrors() throws Exception {
        InMemoryTileSource mem = new InMemoryTileSource();
        mem.put("tile/0/000", new byte[100]);
        assertThrows(LedgerException.class, () -> new TileReader(mem).inclusionProof(5, cp));
        assertThrows(NoSuchFileException.class, () -> new TileReader(new InMemoryTileSource()).inclusionProof(5, cp));
    }

    @Test
    void directorySourceRefusesPathsOutsideTheLog() {
        DirectoryTileSource src = new DirectoryTileSource(dir);
        assertThrows(NoSuchFileException.class, () -> src.fetch("../etc/passwd"));
        assertThrows(NoSuchFileException.class, () -> src.fetch("tile/0/../../x"));
    }
}
