package dev.cloister.infer.tokenizer;

import dev.cloister.infer.model.ModelFormatException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.stream.IntStream;

/**
 * SentencePiece-style byte-pair encoding as llama2.c's {@code run.c} does it: the text (UTF-8) gets a dummy leading
 * space (unless told {@link SpacePrefix#NONE}), is split into characters (a character missing from the vocabulary falls back to one {@code <0xXX>} token per
 * byte), then the adjacent pair whose concatenation is the best-scored piece is merged, repeatedly (ties: leftmost),
 * until no pair is a piece (a piece scored at or below -1e10 never merges, as in run.c). Decoding writes byte tokens as their byte and drops the leading space of the piece that
 * follows BOS. Immutable and thread-safe; never logs or puts text into exceptions.
 */
public final class SentencePieceTokenizer implements Tokenizer {

    private static final float NO_MERGE = -1e10f;

    private final Vocabulary vocabulary;
    private final SpacePrefix spacePrefix;
    /** Mergeable pieces (as ISO-8859-1 strings: one char per byte) to their lowest id. */
    private final Map<String, Integer> ids;
    /** The token for each byte value. */
    private final int[] byteTokens = new int[256];
    /** For each token, the byte it stands for, or -1. */
    private final int[] tokenBytes;
    /** Where control and user-defined token texts cut a text that asks for them. */
    private final SpecialTokenPartition partition;

    /** A tokenizer that adds the leading space, as llama2.c's does. */
    public SentencePieceTokenizer(Vocabulary vocabulary) {
        this(vocabulary, SpacePrefix.ADD);
    }

    public SentencePieceTokenizer(Vocabulary vocabulary, SpacePrefix spacePrefix) {
        this.vocabulary = vocabulary;
        this.spacePrefix = spacePrefix;
        int size = vocabulary.size();
        this.ids = new HashMap<>(size * 2);
        this.tokenBytes = new int[size];
        this.partition = new SpecialTokenPartition(vocabulary);
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

    @Override
    public Vocabulary vocabulary() {
        return vocabulary;
    }

    @Override
    public int[] encode(byte[] utf8, Framing framing, SpecialTokens specials) {
        if (utf8.length > MAX_TEXT_BYTES) {
            throw new IllegalArgumentException("text of " + utf8.length + " bytes, more than " + MAX_TEXT_BYTES);
        }
        TokenIds out = new TokenIds(utf8.length + 3);
        if (framing != Framing.NONE) {
            out.add(vocabulary.bos());
        }
        boolean prefix = spacePrefix == SpacePrefix.ADD;
        if (specials == SpecialTokens.AS_TEXT) {
            out.addAll(encodeText(utf8, 0, utf8.length, prefix));
        } else {
            // as llama.cpp: the dummy prefix goes before each text that starts the input or follows a special token
            boolean afterSpecial = true;
            for (SpecialTokenPartition.Fragment fragment : partition.split(utf8, specials)) {
                if (fragment.isText()) {
                    out.addAll(encodeText(utf8, fragment.start(), fragment.end(), prefix && afterSpecial));
                    afterSpecial = false;
                } else {
                    out.add(fragment.token());
                    afterSpecial = true;
                }
            }
        }
        if (framing == Framing.BOS_EOS) {
            out.add(vocabulary.eos());
        }
        return out.toArray();
    }

    /** The tokens of {@code utf8[from, to)}, after a dummy space if {@code prefix} and the range is not empty. */
    private int[] encodeText(byte[] utf8, int from, int to, boolean prefix) {
        // the text's tokens: at most one per byte, plus the dummy prefix
        int[] tokens = new int[to - from + 1];
        int n = 0;
        if (to > from && prefix) {
            Integer space = ids.get(" ");
            tokens[n++] = space != null ? space : byteTokens[' '];
        }
        int start = from;
        while (start < to) {
            // one character: a lead byte and up to three continuation bytes, as run.c groups them
            int end = start + 1;
            while (end < to && (utf8[end] & 0xC0) == 0x80 && end - start < 4) {
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
        int[] out = Arrays.copyOf(tokens, n);
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
    @Override
    public byte[] piece(int previous, int token) {
        return piece(previous, token, ControlTokens.OMITTED);
    }

    @Override
    public byte[] piece(int previous, int token, ControlTokens rendering) {
        TokenType type = vocabulary.type(token);
        return switch (type) {
            case BYTE -> new byte[] {(byte) tokenBytes[token]};
            case CONTROL, UNKNOWN -> rendering == ControlTokens.RENDERED ? vocabulary.piece(token) : new byte[0];
            case UNUSED -> new byte[0];
            case NORMAL, USER_DEFINED -> {
                byte[] piece = vocabulary.pieceUnsafe(token);
                if (previous == vocabulary.bos() && piece.length > 0 && piece[0] == ' ') {
                    yield Arrays.copyOfRange(piece, 1, piece.length);
                }
                yield piece.clone();
            }
        };
    }

    /** BOS and EOS: llama2.c's models also mark a story's end with BOS. */
    @Override
    public int[] endOfGeneration() {
        return IntStream.of(vocabulary.bos(), vocabulary.eos())
                .distinct()
                .sorted()
                .toArray();
    }

    @Override
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
        return "SentencePieceTokenizer[" + vocabulary + "]";
    }
}
