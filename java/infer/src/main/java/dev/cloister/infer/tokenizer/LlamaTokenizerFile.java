package dev.cloister.infer.tokenizer;

import dev.cloister.base.Bytes;
import dev.cloister.infer.model.ModelFormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * llama2.c's {@code tokenizer.bin}: a little-endian int32 {@code max_token_length}, then for every token a float32
 * score, an int32 byte length and that many bytes. The file does not say how many tokens it holds: it ends after the
 * last one. llama2.c fixes the special ids: 0 is {@code <unk>}, 1 is BOS, 2 is EOS; byte tokens are spelled
 * {@code <0xXX>}.
 */
public final class LlamaTokenizerFile {

    /** Largest file accepted (Llama 2's 32,000-token file is about 430 KB). */
    public static final int MAX_FILE_BYTES = 64 << 20;
    /** The special ids llama2.c hard-codes. */
    public static final int UNK = 0;

    public static final int BOS = 1;
    public static final int EOS = 2;

    private LlamaTokenizerFile() {}

    /** One entry as stored: its score and its bytes. */
    public record Entry(float score, Bytes piece) {
        public Entry {
            Objects.requireNonNull(piece, "piece");
        }
    }

    /** The parsed file: the declared longest piece and the entries in id order. */
    public record Contents(int maxTokenLength, List<Entry> entries) {
        public Contents {
            entries = List.copyOf(entries);
        }
    }

    /** Reads and parses a tokenizer file. */
    public static Vocabulary read(Path file) {
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new ModelFormatException("tokenizer.bin: " + size + " bytes, more than " + MAX_FILE_BYTES);
            }
            return vocabulary(parse(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("reading tokenizer file " + file.getFileName(), e);
        }
    }

    /** Parses the file's bytes; every length is checked against what remains before anything is allocated. */
    public static Contents parse(byte[] data) {
        if (data.length > MAX_FILE_BYTES) {
            throw new ModelFormatException("tokenizer.bin: " + data.length + " bytes, more than " + MAX_FILE_BYTES);
        }
        ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < Integer.BYTES) {
            throw new ModelFormatException("tokenizer.bin: truncated before max_token_length");
        }
        int maxTokenLength = in.getInt();
        if (maxTokenLength < 1 || maxTokenLength > Vocabulary.MAX_PIECE_BYTES) {
            throw new ModelFormatException("tokenizer.bin: max_token_length " + maxTokenLength + " outside [1, "
                    + Vocabulary.MAX_PIECE_BYTES + "]");
        }
        List<Entry> entries = new ArrayList<>();
        while (in.hasRemaining()) {
            int id = entries.size();
            if (id >= Vocabulary.MAX_TOKENS) {
                throw new ModelFormatException("tokenizer.bin: more than " + Vocabulary.MAX_TOKENS + " tokens");
            }
            if (in.remaining() < 2 * Integer.BYTES) {
                throw new ModelFormatException("tokenizer.bin: token " + id + " truncated");
            }
            float score = in.getFloat();
            int length = in.getInt();
            if (length < 0 || length > maxTokenLength) {
                throw new ModelFormatException("tokenizer.bin: token " + id + " has length " + length + " outside [0, "
                        + maxTokenLength + "]");
            }
            if (in.remaining() < length) {
                throw new ModelFormatException("tokenizer.bin: token " + id + " truncated");
            }
            byte[] piece = new byte[length];
            in.get(piece);
            entries.add(new Entry(score, Bytes.of(piece)));
        }
        if (entries.size() <= EOS) {
            throw new ModelFormatException(
                    "tokenizer.bin: " + entries.size() + " tokens, fewer than the 3 special ones");
        }
        return new Contents(maxTokenLength, entries);
    }

    /** The vocabulary of a parsed file, with llama2.c's fixed special ids and {@code <0xXX>} pieces typed as bytes. */
    public static Vocabulary vocabulary(Contents contents) {
        int size = contents.entries().size();
        byte[][] pieces = new byte[size][];
        float[] scores = new float[size];
        TokenType[] types = new TokenType[size];
        for (int i = 0; i < size; i++) {
            Entry entry = contents.entries().get(i);
            pieces[i] = entry.piece.toByteArray();
            scores[i] = entry.score();
            types[i] = switch (i) {
                case UNK -> TokenType.UNKNOWN;
                case BOS, EOS -> TokenType.CONTROL;
                default ->
                    SentencePieceTokenizer.byteValue(entry.piece.toByteArray()) >= 0
                            ? TokenType.BYTE
                            : TokenType.NORMAL;
            };
        }
        return new Vocabulary(pieces, scores, types, BOS, EOS);
    }

    /** Writes contents in the file format (the inverse of {@link #parse}). */
    public static byte[] write(Contents contents) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer word = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        out.writeBytes(word.putInt(0, contents.maxTokenLength()).array());
        for (Entry entry : contents.entries()) {
            out.writeBytes(word.putFloat(0, entry.score()).array());
            out.writeBytes(word.putInt(0, entry.piece.length()).array());
            out.writeBytes(entry.piece.toByteArray());
        }
        return out.toByteArray();
    }
}
