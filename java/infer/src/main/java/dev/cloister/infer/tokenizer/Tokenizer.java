package dev.cloister.infer.tokenizer;

import dev.cloister.infer.model.ModelFormatException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * SentencePiece-style byte-pair encoding as llama2.c's {@code run.c} does it: the text (UTF-8) gets a dummy leading
 * space (unless told {@link SpacePrefix#NONE}), is split into characters (a character missing from the vocabulary falls back to one {@code <0xXX>} token per
 * byte), then the adjacent pair whose concatenation is the best-scored piece is merged, repeatedly (ties: leftmost),
 * until no pair is a piece (a piece scored at or below -1e10 never merges, as in run.c). Decoding writes byte tokens as their byte and drops the leading space of the piece that
 * follows BOS. Immutable and thread-safe; never logs or puts text into exceptions.
 */
public final class Tokenizer {

    /** The longest text {@link #encode} accepts, in UTF-8 bytes (merging is quadratic in it). */
    public static final int MAX_TEXT_BYTES = 1 << 20;

    private static final float NO_MERGE = -1e10f;

    private final Vocabulary vocabulary;
    private final SpacePrefix spacePrefix;
    /** Mergeable pieces (as ISO-8859-1 strings: one char per byte) to their lowest id. */
    private final Map<String, Integer> ids;
    /** The token for each byte value. */
    private final int[] byteTokens = new int[256];
    /** For each token, the byte it stands for, or -1. */
    private final int[] tokenBytes;

    /** A tokenizer that adds the leading space, as llama2.c's does. */
    public Tokenizer(Vocabulary vocabulary) {
        this(vocabulary, SpacePrefix.ADD);
    }

    public Tokenizer(Vocabulary vocabulary, SpacePrefix spacePrefix) {
        this.vocabulary = vocabulary;
        this.spacePrefix = spacePrefix;
        int size = vocabulary.size();
        this.ids = new HashMap<>(size * 2);
        this.tokenBytes = new int[size];
        Arrays.fill(byteTokens, -1);
        for (int id = 0; id < size; id++) {
            byte[] piece = vocabulary.pieceUnsafe(id);
            TokenType type = vocabulary.type(id);
            tokenBytes[id] = -1;
            if (type == TokenType.BYTE) {
                int value = byteValue(piece);
                if (value < 0) {
                    throw new ModelFormatException("tokenizer: byte token " + id + " is not spelled <0xXX>");
                }
                tokenBytes[id] = value;
                if (byteTokens[value] < 0) {
                    byteTokens[value] = id;
                }
            } else if (type.mergeable()) {
                ids.putIfAbsent(latin1(piece, 0, piece.length), id);
            }
        }
        for (int value = 0; value < 256; value++) {
            if (byteTokens[value] < 0) {
                throw new ModelFormatException(String.format("tokenizer: no byte-fallback token <0x%02X>", value));
            }
        }
    }

    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** Encodes text into token ids, framed as asked. */
    public int[] encode(String text, Framing framing) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        try {
            return encode(utf8, framing);
        } finally {
            Arrays.fill(utf8, (byte) 0);
        }
    }

    /** Encodes UTF-8 bytes into token ids, framed as asked. The caller keeps (and wipes) its buffer. */
    public int[] encode(byte[] utf8, Framing framing) {
        if (utf8.length > MAX_TEXT_BYTES) {
            throw new IllegalArgumentException("text of " + utf8.length + " bytes, more than " + MAX_TEXT_BYTES);
        }
        // the text's tokens: at most one per byte, plus the dummy prefix
        int[] tokens = new int[utf8.length + 1];
        int n = 0;
        if (utf8.length > 0 && spacePrefix == SpacePrefix.ADD) {
            Integer space = ids.get(" ");
            tokens[n++] = space != null ? space : byteTokens[' '];
        }
        int start = 0;
        while (start < utf8.length) {
            // one character: a lead byte and up to three continuation bytes, as run.c groups them
            int end = start + 1;
            while (end < utf8.length && (utf8[end] & 0xC0) == 0x80 && end - start < 4) {
                end++;
            }
            Integer id = ids.get(latin1(utf8, start, end - start));
            if (id != null) {
                tokens[n++] = id;
            } else {
                for (int i = start; i < end; i++) {
                    tokens[n++] = byteTokens[utf8[i] & 0xFF];
                }
            }
            start = end;
        }
        n = merge(tokens, n);

        int framed = n + (framing == Framing.NONE ? 0 : 1) + (framing == Framing.BOS_EOS ? 1 : 0);
        int[] out = new int[framed];
        int at = 0;
        if (framing != Framing.NONE) {
            out[at++] = vocabulary.bos();
        }
        System.arraycopy(tokens, 0, out, at, n);
        at += n;
        if (framing == Framing.BOS_EOS) {
            out[at] = vocabulary.eos();
        }
        Arrays.fill(tokens, 0);
        return out;
    }

    /**
     * Repeatedly merges the best-scored adjacent pair (leftmost on ties) until none is a piece; returns the new count.
     * The same result as rescanning all pairs after each merge (run.c's way, quadratic), in O(n log n): candidate pairs
     * wait in a priority queue ordered by score, then by position, and a popped pair is skipped if either side has
     * changed since it was queued.
     */
    private int merge(int[] tokens, int n) {
        if (n < 2) {
            return n;
        }
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        PriorityQueue<Pair> queue = new PriorityQueue<>();
        for (int i = 0; i + 1 < n; i++) {
            offer(queue, tokens, i, i + 1);
        }
        boolean[] gone = new boolean[n];
        while (!queue.isEmpty()) {
            Pair pair = queue.poll();
            if (gone[pair.left]
                    || gone[pair.right]
                    || next[pair.left] != pair.right
                    || tokens[pair.left] != pair.leftToken
                    || tokens[pair.right] != pair.rightToken) {
                continue; // stale: one side merged since
            }
            tokens[pair.left] = pair.merged;
            gone[pair.right] = true;
            int after = next[pair.right];
            next[pair.left] = after;
            if (after >= 0) {
                prev[after] = pair.left;
                offer(queue, tokens, pair.left, after);
            }
            if (prev[pair.left] >= 0) {
                offer(queue, tokens, prev[pair.left], pair.left);
            }
        }
        int count = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            tokens[count++] = tokens[i];
        }
        Arrays.fill(tokens, count, n, 0);
        return count;
    }

    /** A mergeable adjacent pair: the left symbol's original index orders ties as "leftmost first". */
    private record Pair(float score, int left, int right, int leftToken, int rightToken, int merged)
            implements Comparable<Pair> {
        @Override
        public int compareTo(Pair other) {
            int byScore = Float.compare(other.score, score);
            return byScore != 0 ? byScore : Integer.compare(left, other.left);
        }
    }

    private void offer(PriorityQueue<Pair> queue, int[] tokens, int left, int right) {
        byte[] a = vocabulary.pieceUnsafe(tokens[left]);
        byte[] b = vocabulary.pieceUnsafe(tokens[right]);
        if (a.length + b.length > vocabulary.maxPieceBytes()) {
            return;
        }
        byte[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        Integer id = ids.get(latin1(joined, 0, joined.length));
        if (id != null && vocabulary.score(id) > NO_MERGE) {
            queue.add(new Pair(vocabulary.score(id), left, right, tokens[left], tokens[right], id));
        }
    }

    /**
     * The bytes that {@code token} adds to the text when it follows {@code previous} (-1 at the start): a byte
     * token's byte; nothing for control, unknown and unused tokens; the piece otherwise, without its leading space
     * right after BOS.
     */
    public byte[] piece(int previous, int token) {
        TokenType type = vocabulary.type(token);
        return switch (type) {
            case BYTE -> new byte[] {(byte) tokenBytes[token]};
            case CONTROL, UNKNOWN, UNUSED -> new byte[0];
            case NORMAL, USER_DEFINED -> {
                byte[] piece = vocabulary.pieceUnsafe(token);
                if (previous == vocabulary.bos() && piece.length > 0 && piece[0] == ' ') {
                    yield Arrays.copyOfRange(piece, 1, piece.length);
                }
                yield piece.clone();
            }
        };
    }

    /** The UTF-8 bytes of a token sequence (the first token is taken to start the text). */
    public byte[] decode(int[] tokens) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int previous = -1;
        for (int token : tokens) {
            out.writeBytes(piece(previous, token));
            previous = token;
        }
        return out.toByteArray();
    }

    /** The text of a token sequence (invalid UTF-8 from stray byte tokens becomes U+FFFD). */
    public String decodeToString(int[] tokens) {
        return new String(decode(tokens), StandardCharsets.UTF_8);
    }

    /** Whether a generated token ends the text (llama2.c's models also mark a story's end with BOS). */
    public boolean endsText(int token) {
        return token == vocabulary.eos() || token == vocabulary.bos();
    }

    /** The byte a {@code <0xXX>} piece stands for, or -1 when the piece is not spelled so. */
    static int byteValue(byte[] piece) {
        if (piece.length != 6 || piece[0] != '<' || piece[1] != '0' || piece[2] != 'x' || piece[5] != '>') {
            return -1;
        }
        int high = Character.digit(piece[3], 16);
        int low = Character.digit(piece[4], 16);
        if (high < 0 || low < 0 || piece[3] >= 'a' || piece[4] >= 'a') {
            return -1;
        }
        return high << 4 | low;
    }

    private static String latin1(byte[] bytes, int offset, int length) {
        return new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
    }

    @Override
    public String toString() {
        return "Tokenizer[" + vocabulary + "]";
    }
}
