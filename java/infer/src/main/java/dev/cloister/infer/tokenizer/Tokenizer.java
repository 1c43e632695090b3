package dev.cloister.infer.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns text into token ids and back, as the model's vocabulary defines it: SentencePiece ({@link
 * SentencePieceTokenizer}, GGUF {@code tokenizer.ggml.model = llama}) or GPT-2 byte-level BPE ({@link
 * ByteLevelBpeTokenizer}, {@code gpt2}). {@link GgufVocabulary#tokenizer} picks the one a GGUF file names.
 * Implementations are immutable and thread-safe, and never log or put text into exceptions.
 */
public sealed interface Tokenizer permits SentencePieceTokenizer, ByteLevelBpeTokenizer {

    /** The longest text {@link #encode} accepts, in UTF-8 bytes (a bound on time and memory). */
    int MAX_TEXT_BYTES = 1 << 20;

    /** The vocabulary: each token's piece as stored, its type, BOS and EOS. */
    Vocabulary vocabulary();

    /**
     * Encodes UTF-8 bytes into token ids, framed as asked; special-token texts are recognised only where {@code
     * specials} says so. The caller keeps (and wipes) its buffer.
     *
     * @throws IllegalArgumentException if the text is longer than {@link #MAX_TEXT_BYTES}
     */
    int[] encode(byte[] utf8, Framing framing, SpecialTokens specials);

    /** Encodes user text: special-token texts in it are plain text. */
    default int[] encode(byte[] utf8, Framing framing) {
        return encode(utf8, framing, SpecialTokens.AS_TEXT);
    }

    /** Encodes text, framed as asked, special-token texts recognised only where {@code specials} says so. */
    default int[] encode(String text, Framing framing, SpecialTokens specials) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        try {
            return encode(utf8, framing, specials);
        } finally {
            Arrays.fill(utf8, (byte) 0);
        }
    }

    /** Encodes user text: special-token texts in it are plain text. */
    default int[] encode(String text, Framing framing) {
        return encode(text, framing, SpecialTokens.AS_TEXT);
    }

    /**
     * The bytes that {@code token} adds to the text when it follows {@code previous} (-1 at the start); control
     * tokens add nothing. Bytes of one character may be split across tokens: join them before decoding UTF-8.
     */
    byte[] piece(int previous, int token);

    /** As {@link #piece(int, int)}, with control tokens written out as their text where {@code rendering} asks. */
    byte[] piece(int previous, int token, ControlTokens rendering);

    /** The UTF-8 bytes of a token sequence (the first token is taken to start the text); control tokens omitted. */
    default byte[] decode(int[] tokens) {
        return decode(tokens, ControlTokens.OMITTED);
    }

    /** The UTF-8 bytes of a token sequence, control tokens written out or omitted as asked. */
    default byte[] decode(int[] tokens, ControlTokens rendering) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int previous = -1;
        for (int token : tokens) {
            out.writeBytes(piece(previous, token, rendering));
            previous = token;
        }
        return out.toByteArray();
    }

    /** The text of a token sequence (invalid UTF-8 becomes U+FFFD). */
    default String decodeToString(int[] tokens) {
        return new String(decode(tokens), StandardCharsets.UTF_8);
    }

    /** The tokens after which generation stops (llama.cpp's end-of-generation set), in ascending order. */
    int[] endOfGeneration();

    /** Whether a generated token ends the text: it is in {@link #endOfGeneration()}. */
    boolean endsText(int token);
}
