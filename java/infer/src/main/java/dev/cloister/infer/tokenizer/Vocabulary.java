package dev.cloister.infer.tokenizer;

import dev.cloister.infer.model.ModelFormatException;
import java.util.Arrays;

/**
 * A SentencePiece-style vocabulary: for each token id its piece (raw bytes, a space written as {@code ' '}), its merge
 * score and its type, plus the ids of the beginning- and end-of-sequence tokens. Immutable; validated once.
 */
public final class Vocabulary {

    /** Most tokens accepted (a bound on memory, well above Llama 3's 128,256). */
    public static final int MAX_TOKENS = 1 << 20;
    /** Longest piece accepted, in bytes. */
    public static final int MAX_PIECE_BYTES = 1024;

    private final byte[][] pieces;
    private final float[] scores;
    private final TokenType[] types;
    private final int bos;
    private final int eos;
    private final int maxPieceBytes;

    /**
     * @param pieces each token's bytes (copied)
     * @param scores each token's merge score (higher merges first)
     * @param types each token's type
     * @param bos id of the beginning-of-sequence token
     * @param eos id of the end-of-sequence token
     */
    public Vocabulary(byte[][] pieces, float[] scores, TokenType[] types, int bos, int eos) {
        int size = pieces.length;
        if (size == 0 || size > MAX_TOKENS) {
            throw new ModelFormatException("vocabulary: " + size + " tokens (1.." + MAX_TOKENS + " accepted)");
        }
        if (scores.length != size || types.length != size) {
            throw new ModelFormatException(
                    "vocabulary: " + size + " pieces but " + scores.length + " scores and " + types.length + " types");
        }
        if (bos < 0 || bos >= size || eos < 0 || eos >= size) {
            throw new ModelFormatException("vocabulary: BOS " + bos + " or EOS " + eos + " outside [0, " + size + ")");
        }
        this.pieces = new byte[size][];
        int longest = 0;
        for (int i = 0; i < size; i++) {
            byte[] piece = pieces[i];
            if (piece == null || piece.length > MAX_PIECE_BYTES) {
                throw new ModelFormatException(
                        "vocabulary: token " + i + " missing or longer than " + MAX_PIECE_BYTES + " bytes");
            }
            if (types[i] == null) {
                throw new ModelFormatException("vocabulary: token " + i + " has no type");
            }
            if (Float.isNaN(scores[i])) {
                throw new ModelFormatException("vocabulary: token " + i + " has a NaN score");
            }
            this.pieces[i] = piece.clone();
            longest = Math.max(longest, piece.length);
        }
        this.scores = scores.clone();
        this.types = types.clone();
        this.bos = bos;
        this.eos = eos;
        this.maxPieceBytes = longest;
    }

    public int size() {
        return pieces.length;
    }

    /** A copy of the token's bytes. */
    public byte[] piece(int token) {
        return pieces[checked(token)].clone();
    }

    byte[] pieceUnsafe(int token) {
        return pieces[token];
    }

    public float score(int token) {
        return scores[checked(token)];
    }

    public TokenType type(int token) {
        return types[checked(token)];
    }

    public int bos() {
        return bos;
    }

    public int eos() {
        return eos;
    }

    /** Length of the longest piece, in bytes. */
    public int maxPieceBytes() {
        return maxPieceBytes;
    }

    private int checked(int token) {
        if (token < 0 || token >= pieces.length) {
            throw new IllegalArgumentException("token " + token + " outside [0, " + pieces.length + ")");
        }
        return token;
    }

    @Override
    public String toString() {
        return "Vocabulary[" + pieces.length + " tokens, bos=" + bos + ", eos=" + eos + "]";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Vocabulary v
                && bos == v.bos
                && eos == v.eos
                && Arrays.deepEquals(pieces, v.pieces)
                && Arrays.equals(scores, v.scores)
                && Arrays.equals(types, v.types);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(pieces) * 31 + Arrays.hashCode(scores);
    }
}
