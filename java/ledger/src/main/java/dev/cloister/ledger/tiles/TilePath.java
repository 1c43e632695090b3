package dev.cloister.ledger.tiles;

import dev.cloister.ledger.FormatException;

/**
 * A resource of a tiled log (c2sp.org/tlog-tiles §"Merkle Tree", §"Log entries"): a hash {@link TileId} at
 * {@code tile/<L>/<N>[.p/<W>]} or an {@link EntryBundleId} at {@code tile/entries/<N>[.p/<W>]}.
 */
public sealed interface TilePath permits TileId, EntryBundleId {

    /** Hashes or entries in a full tile. */
    int FULL_WIDTH = 256;

    /** Index of the tile within its level. */
    long index();

    /** Number of hashes or entries, 1 to 256 (256 = full). */
    int width();

    /** Whether the tile is full (256 wide). */
    default boolean isFull() {
        return width() == FULL_WIDTH;
    }

    /** The path relative to the log prefix. */
    String path();

    /** Encodes {@code n} as zero-padded 3-digit path elements, all but the last prefixed with {@code x}. */
    static String encodeIndex(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative tile index " + n);
        }
        String last = String.format("%03d", n % 1000);
        StringBuilder sb = new StringBuilder();
        for (long rest = n / 1000; rest > 0; rest /= 1000) {
            sb.insert(0, String.format("x%03d/", rest % 1000));
        }
        return sb.append(last).toString();
    }

    /** Parses a path as either kind of tile; the inverse of {@link #path()}, accepting only canonical paths. */
    static TilePath parse(String path) throws FormatException {
        String context =
                "while parsing the tile path '" + (path.length() > 80 ? path.substring(0, 80) + "…" : path) + "'";
        if (path.length() > 128 || !path.startsWith("tile/")) {
            throw new FormatException(context + ": not a tile path");
        }
        String rest = path.substring(5);
        int slash = rest.indexOf('/');
        if (slash < 0) {
            throw new FormatException(context + ": no tile index");
        }
        String levelPart = rest.substring(0, slash);
        String indexPart = rest.substring(slash + 1);
        int width = FULL_WIDTH;
        int p = indexPart.indexOf(".p/");
        if (p >= 0) {
            String w = indexPart.substring(p + 3);
            indexPart = indexPart.substring(0, p);
            if (w.isEmpty()
                    || w.length() > 3
                    || w.charAt(0) == '0'
                    || !w.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new FormatException(context + ": width '" + w + "' is not a decimal 1 to 255");
            }
            width = Integer.parseInt(w);
            if (width > 255) {
                throw new FormatException(context + ": partial width " + width + " above 255");
            }
        }
        long index = parseIndex(context, indexPart);
        if (levelPart.equals("entries")) {
            return new EntryBundleId(index, width);
        }
        if (levelPart.isEmpty()
                || levelPart.length() > 2
                || (levelPart.length() > 1 && levelPart.charAt(0) == '0')
                || !levelPart.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new FormatException(context + ": level '" + levelPart + "' is not a decimal 0 to 63");
        }
        int level = Integer.parseInt(levelPart);
        if (level > 63) {
            throw new FormatException(context + ": level " + level + " above 63");
        }
        return new TileId(level, index, width);
    }

    private static long parseIndex(String context, String s) throws FormatException {
        String[] parts = s.split("/", -1);
        if (parts.length > 7) {
            throw new FormatException(context + ": index has too many path elements");
        }
        long n = 0;
        for (int i = 0; i < parts.length; i++) {
            String e = parts[i];
            boolean last = i == parts.length - 1;
            if (!last) {
                if (!e.startsWith("x")) {
                    throw new FormatException(context + ": index element '" + e + "' lacks the x prefix");
                }
                e = e.substring(1);
            }
            if (e.length() != 3 || !e.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new FormatException(context + ": index element '" + parts[i] + "' is not 3 digits");
            }
            if (i == 0 && !last && e.equals("000")) {
                throw new FormatException(context + ": index has a leading x000 element");
            }
            try {
                n = Math.addExact(Math.multiplyExact(n, 1000), Integer.parseInt(e));
            } catch (ArithmeticException overflow) {
                throw new FormatException(context + ": index exceeds 2^63 - 1");
            }
        }
        return n;
    }
}
