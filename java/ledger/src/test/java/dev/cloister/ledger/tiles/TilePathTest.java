package dev.cloister.ledger.tiles;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cloister.ledger.FormatException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** c2sp.org/tlog-tiles paths, widths and entry bundles. */
class TilePathTest {

    @Test
    void indexEncodingFromTheSpec() {
        assertEquals("x001/x234/067", TilePath.encodeIndex(1234067));
        assertEquals("000", TilePath.encodeIndex(0));
        assertEquals("999", TilePath.encodeIndex(999));
        assertEquals("x001/000", TilePath.encodeIndex(1000));
        assertEquals("tile/0/x001/x234/067", TileId.full(0, 1234067).path());
        assertEquals("tile/1/005.p/17", new TileId(1, 5, 17).path());
        assertEquals("tile/entries/x001/x234/067.p/255", new EntryBundleId(1234067, 255).path());
    }

    @Test
    void parseIsTheInverseOfPath() throws Exception {
        for (TilePath p : List.of(
                TileId.full(0, 0),
                TileId.full(63, Long.MAX_VALUE / 256),
                new TileId(2, 1234067, 1),
                new EntryBundleId(0, 256),
                new EntryBundleId(999_999, 17))) {
            assertEquals(p, TilePath.parse(p.path()));
        }
    }

    @Test
    void nonCanonicalPathsAreRefused() {
        for (String bad : List.of(
                "tile/0/1",
                "tile/0/0001",
                "tile/0/x000/001",
                "tile/0/001/002",
                "tile/00/001",
                "tile/64/001",
                "tile/0/001.p/0",
                "tile/0/001.p/256",
                "tile/0/001.p/017",
                "tile/0/001.p/",
                "tile/entries/001.p/300",
                "tile/0/x01/001",
                "tile/-1/001",
                "tile/0/../001",
                "checkpoint",
                "tile/0",
                "tile/0/x001/x002/x003/x004/x005/x006/x007/008",
                // 7 elements, 21 digits: beyond 2^63 - 1 (a fuzz finding: it overflowed instead of being refused)
                "tile/40/x800/x784/x800/x800/x784/x780/838",
                "tile/0/x009/x223/x372/x036/x854/x775/808")) {
            assertThrows(FormatException.class, () -> TilePath.parse(bad), bad);
        }
    }

    @Test
    void tilesOfATreeOf70000FromTheSpec() {
        long size = 70_000;
        assertEquals(TileId.full(0, 272), TileId.inTree(0, 272, size));
        assertEquals(new TileId(0, 273, 112), TileId.inTree(0, 273, size));
        assertNull(TileId.inTree(0, 274, size));
        assertEquals(TileId.full(1, 0), TileId.inTree(1, 0, size));
        assertEquals(new TileId(1, 1, 17), TileId.inTree(1, 1, size));
        assertEquals(new TileId(2, 0, 1), TileId.inTree(2, 0, size));
        assertNull(TileId.inTree(3, 0, size));
        // "a tree of size 256 will be represented by a full level 0 tile and a partial level 1 tile of width 1"
        assertEquals(TileId.full(0, 0), TileId.inTree(0, 0, 256));
        assertNull(TileId.inTree(0, 1, 256));
        assertEquals(new TileId(1, 0, 1), TileId.inTree(1, 0, 256));
        assertEquals(new EntryBundleId(273, 112), EntryBundleId.forEntry(69_999, size));
        assertEquals(new EntryBundleId(0, 256), EntryBundleId.forEntry(5, size));
    }

    @Test
    void entryBundleRoundTripsAndRefusesTruncationAndTrailingBytes() throws Exception {
        List<byte[]> entries = List.of(new byte[0], new byte[] {1, 2, 3}, new byte[300]);
        byte[] wire = EntryBundle.encode(entries);
        assertEquals(2 + 5 + 302, wire.length);
        assertEquals(3, wire[3]);
        assertEquals(0x01, wire[7]);
        assertEquals(0x2c, wire[8]); // 300 = 0x012c, big-endian
        EntryBundle b = EntryBundle.parse(new EntryBundleId(0, 3), wire);
        assertArrayEquals(new byte[] {1, 2, 3}, b.entry(1));
        assertThrows(FormatException.class, () -> EntryBundle.parse(new EntryBundleId(0, 4), wire));
        assertThrows(FormatException.class, () -> EntryBundle.parse(new EntryBundleId(0, 2), wire));
        assertThrows(
                FormatException.class,
                () -> EntryBundle.parse(new EntryBundleId(0, 3), java.util.Arrays.copyOf(wire, wire.length - 1)));
        byte[] lying = wire.clone();
        lying[0] = (byte) 0xff; // first entry claims 65280 bytes
        assertThrows(FormatException.class, () -> EntryBundle.parse(new EntryBundleId(0, 3), lying));
    }

    @Test
    void tileOfTheWrongLengthIsRefused() {
        assertThrows(FormatException.class, () -> Tile.parse(new TileId(0, 0, 2), new byte[63]));
        assertThrows(FormatException.class, () -> Tile.parse(TileId.full(0, 0), new byte[8191]));
    }
}
