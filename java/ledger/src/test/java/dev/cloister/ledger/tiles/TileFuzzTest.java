package dev.cloister.ledger.tiles;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.ledger.FormatException;

class TileFuzzTest {

    /**
     * Tile paths parse only in canonical form (parse then format is the identity); entry bundles and tiles parse only
     * when their length is exact, and a parsed bundle re-encodes to the same bytes.
     */
    @FuzzTest
    void pathsBundlesAndTiles(FuzzedDataProvider data) {
        String path = data.consumeString(140);
        try {
            assertEquals(path, TilePath.parse(path).path());
        } catch (FormatException e) {
            // fine
        }
        int width = data.consumeInt(1, 256);
        byte[] bytes = data.consumeRemainingAsBytes();
        try {
            EntryBundle b = EntryBundle.parse(new EntryBundleId(0, width), bytes);
            assertEquals(width, b.size());
            assertArrayEquals(bytes, b.encode());
        } catch (FormatException e) {
            // fine
        }
        try {
            Tile t = Tile.parse(new TileId(0, 0, width), bytes);
            assertArrayEquals(bytes, t.hashes().toByteArray());
        } catch (FormatException e) {
            // fine
        }
    }
}
