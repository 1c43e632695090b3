package dev.cloister.infer.tokenizer;

import dev.cloister.infer.model.ModelFormatException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * GPT-2 byte-level byte-pair encoding as llama.cpp does it for GGUF {@code tokenizer.ggml.model = gpt2} (Llama 3, Qwen
 * 2/2.5/3, SmolLM): the text is cut at special tokens ({@link SpecialTokenPartition}), each text fragment into words by
 * the {@link PreTokenizer}; each word's UTF-8 bytes are spelled with GPT-2's printable byte alphabet and merged, the
 * lowest-ranked adjacent pair first (ties: leftmost), while some pair is a merge. A finished symbol that is not a token
 * falls back to single-byte tokens. Decoding maps the byte alphabet back, so a character split across tokens comes out
 * whole once their bytes are joined. Immutable and thread-safe; never logs or puts text into exceptions.
 *
 * <p>Built by {@link GgufVocabulary#tokenizer} from a GGUF file's {@code tokenizer.ggml.*} metadata.
 */
public final class ByteLevelBpeTokenizer implements Tokenizer {

    /** Most merges accepted (Llama 3 has 280,147). */
    public static final int MAX_MERGES = 1 << 21;

    /** GPT-2's alphabet: the code point that spells each byte, and back. */
    private static final int[] BYTE_TO_CPT = new int[256];

    private static final Map<Integer, Integer> CPT_TO_BYTE = new HashMap<>();

    static {
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_CPT[b] = printable ? b : next++;
            CPT_TO_BYTE.put(BYTE_TO_CPT[b], b);
        }
    }

    private final Vocabulary vocabulary;
    private final PreTokenizer preTokenizer;
    private final boolean addBos;
    private final boolean addEos;
    private final int[] endOfGeneration;
    private final SpecialTokenPartition partition;
    /** Token texts (as ISO-8859-1 strings of their UTF-8 bytes) to ids. */
    private final Map<String, Integer> ids;
    /** Merge pairs, as ISO-8859-1 strings, to their rank. */
    private final Map<MergePair, Integer> ranks;
    /** What each token adds to the decoded text (control and unknown tokens: their text, written only on request). */
    private final byte[][] decoded;

    private record MergePair(String left, String right) {}

    /**
     * @param vocabulary token texts as stored (byte-alphabet spelling), types as llama.cpp settles them, BOS, EOS
     * @param merges the merges in rank order, each {@code "left right"}
     * @param endOfGeneration the tokens that end generation
     */
    ByteLevelBpeTokenizer(
            Vocabulary vocabulary,
            List<byte[]> merges,
            PreTokenizer preTokenizer,
            boolean addBos,
            boolean addEos,
            int[] endOfGeneration) {
        if (merges.size() > MAX_MERGES) {
            throw new ModelFormatException("tokenizer: " + merges.size() + " merges, more than " + MAX_MERGES);
        }
        this.vocabulary = vocabulary;
        this.preTokenizer = preTokenizer;
        this.addBos = addBos;
        this.addEos = addEos;
        this.endOfGeneration =
                Arrays.stream(endOfGeneration).distinct().sorted().toArray();
        int size = vocabulary.size();
        for (int token : this.endOfGeneration) {
            if (token < 0 || token >= size) {
                throw new ModelFormatException(
                        "tokenizer: end-of-generation token " + token + " outside the vocabulary");
            }
        }
        this.partition = new SpecialTokenPartition(vocabulary);
        this.ids = new HashMap<>(size * 2);
        this.decoded = new byte[size][];
        for (int id = 0; id < size; id++) {
            byte[] text = vocabulary.pieceUnsafe(id);
            if (ids.putIfAbsent(latin1(text, 0, text.length), id) != null) {
                throw new ModelFormatException("tokenizer: token " + id + " repeats an earlier token's text");
            }
            decoded[id] = decodedPiece(id, text, vocabulary.type(id));
        }
        this.ranks = new HashMap<>(merges.size() * 2);
        for (int rank = 0; rank < merges.size(); rank++) {
            byte[] merge = merges.get(rank);
            int space = -1;
            for (int i = 1; i < merge.length; i++) {
                if (merge[i] == ' ') {
                    space = i;
                    break;
                }
            }
            if (space < 0) {
                throw new ModelFormatException("tokenizer: merge " + rank + " is not two symbols apart by a space");
            }
            MergePair pair = new MergePair(latin1(merge, 0, space), latin1(merge, space + 1, merge.length - space - 1));
            ranks.putIfAbsent(pair, rank);
        }
    }

    /** What a token adds to the text: the byte alphabet mapped back for a normal token, its text for the rest. */
    private static byte[] decodedPiece(int id, byte[] text, TokenType type) {
        return switch (type) {
            case NORMAL -> {
                try {
                    yield fromByteAlphabet(text);
                } catch (IllegalArgumentException e) {
                    throw new ModelFormatException("tokenizer: token " + id + " spells a code point above U+10FFFF", e);
                }
            }
            case USER_DEFINED, CONTROL, UNKNOWN -> text.clone();
            case BYTE -> {
                int value = SentencePieceTokenizer.byteValue(text);
                if (value < 0) {
                    throw new ModelFormatException("tokenizer: byte token " + id + " is not spelled <0xXX>");
                }
                yield new byte[] {(byte) value};
            }
            case UNUSED -> new byte[0];
        };
    }

    /**
     * The bytes a normal token's text spells; a code point outside the byte alphabet becomes llama.cpp's marker
     * {@code [UNK_BYTE_0x<its UTF-8 in hex><the token's text>]}.
     */
    private static byte[] fromByteAlphabet(byte[] text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length);
        int[] cpts = Utf8.codePoints(text);
        for (int cpt : cpts) {
            Integer b = CPT_TO_BYTE.get(cpt);
            if (b != null) {
                out.write(b);
            } else {
                out.writeBytes("[UNK_BYTE_0x".getBytes(StandardCharsets.US_ASCII));
                for (byte u : Utf8.encode(cpt)) {
                    out.writeBytes(String.format("%02x", u & 0xFF).getBytes(StandardCharsets.US_ASCII));
                }
                out.writeBytes(text);
                out.write(']');
            }
        }
        return out.toByteArray();
    }

    @Override
    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** Whether {@link Framing#BOS} puts BOS first ({@code tokenizer.ggml.add_bos_token}). */
    public boolean addsBos() {
        return addBos;
    }

    /** Whether {@link Framing#BOS} puts EOS last ({@code tokenizer.ggml.add_eos_token}). */
    public boolean addsEos() {
        return addEos;
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@link Framing#BOS} frames as the model asks ({@code add_bos_token}, {@code add_eos_token}: llama.cpp's
     * {@code add_special}); {@link Framing#BOS_EOS} also ends with EOS whatever the model asks.
     */
    @Override
    public int[] encode(byte[] utf8, Framing framing, SpecialTokens specials) {
        if (utf8.length > MAX_TEXT_BYTES) {
            throw new IllegalArgumentException("text of " + utf8.length + " bytes, more than " + MAX_TEXT_BYTES);
        }
        TokenIds out = new TokenIds(utf8.length / 3 + 4);
        if (framing != Framing.NONE && addBos) {
            out.add(vocabulary.bos());
        }
        for (SpecialTokenPartition.Fragment fragment : partition.split(utf8, specials)) {
            if (fragment.isText()) {
                encodeText(utf8, fragment.start(), fragment.end(), out);
            } else {
                out.add(fragment.token());
            }
        }
        if ((framing == Framing.BOS && addEos) || framing == Framing.BOS_EOS) {
            out.add(vocabulary.eos());
        }
        return out.toArray();
    }

    /** The tokens of {@code utf8[from, to)}: pre-tokenized, spelled in the byte alphabet, merged. */
    private void encodeText(byte[] utf8, int from, int to, TokenIds out) {
        int[] cpts = Utf8.codePointsLenient(utf8, from, to);
        int[] words = preTokenizer.split(cpts);
        int at = 0;
        for (int length : words) {
            byte[] word = spelled(cpts, at, at + length);
            at += length;
            Integer whole = preTokenizer.ignoreMerges() ? ids.get(latin1(word, 0, word.length)) : null;
            if (whole != null) {
                out.add(whole);
            } else {
                mergeWord(word, out);
            }
            Arrays.fill(word, (byte) 0);
        }
        Arrays.fill(cpts, 0);
    }

    /** The UTF-8 of code points {@code [from, to)}, each byte then written as its alphabet code point in UTF-8. */
    private static byte[] spelled(int[] cpts, int from, int to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream((to - from) * 2);
        for (int i = from; i < to; i++) {
            for (byte b : Utf8.encode(cpts[i])) {
                out.writeBytes(Utf8.encode(BYTE_TO_CPT[b & 0xFF]));
            }
        }
        return out.toByteArray();
    }

    /** A candidate merge of the symbols at {@code left} and {@code right}, their joined length {@code size}. */
    private record Bigram(int rank, int left, int right, int size) implements Comparable<Bigram> {
        @Override
        public int compareTo(Bigram other) {
            int byRank = Integer.compare(rank, other.rank);
            return byRank != 0 ? byRank : Integer.compare(left, other.left);
        }
    }

    /** Merges one spelled word and appends its tokens. */
    private void mergeWord(byte[] word, TokenIds out) {
        // symbols: one per alphabet character, [start, start + length) in word; length 0 once merged away
        int count = 0;
        int[] start = new int[word.length];
        int[] length = new int[word.length];
        for (int offset = 0; offset < word.length; ) {
            int n = Math.min(word.length - offset, Utf8.sequenceLength(word[offset]));
            start[count] = offset;
            length[count] = n;
            count++;
            offset += n;
        }
        int[] next = new int[count];
        int[] prev = new int[count];
        for (int i = 0; i < count; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < count ? i + 1 : -1;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>();
        for (int i = 1; i < count; i++) {
            offer(queue, word, start, length, i - 1, i);
        }
        while (!queue.isEmpty()) {
            Bigram bigram = queue.poll();
            int left = bigram.left();
            int right = bigram.right();
            if (length[left] == 0 || length[right] == 0 || length[left] + length[right] != bigram.size()) {
                continue; // outdated: one side has merged since
            }
            length[left] += length[right];
            length[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            offer(queue, word, start, length, prev[left], left);
            offer(queue, word, start, length, left, next[left]);
        }
        for (int i = 0; i >= 0 && i < count; i = next[i]) {
            if (length[i] == 0) {
                continue;
            }
            Integer token = ids.get(latin1(word, start[i], length[i]));
            if (token != null) {
                out.add(token);
            } else {
                // not a token: each byte of its spelling that is a one-byte token, as llama.cpp falls back
                for (int b = start[i]; b < start[i] + length[i]; b++) {
                    Integer single = ids.get(latin1(word, b, 1));
                    if (single != null) {
                        out.add(single);
                    }
                }
            }
        }
    }

    private void offer(PriorityQueue<Bigram> queue, byte[] word, int[] start, int[] length, int left, int right) {
        if (left < 0 || right < 0) {
            return;
        }
        Integer rank = ranks.get(
                new MergePair(latin1(word, start[left], length[left]), latin1(word, start[right], length[right])));
        if (rank != null) {
            queue.add(new Bigram(rank, left, right, length[left] + length[right]));
        }
    }

    @Override
    public byte[] piece(int previous, int token) {
        return piece(previous, token, ControlTokens.OMITTED);
    }

    @Override
    public byte[] piece(int previous, int token, ControlTokens rendering) {
        TokenType type = vocabulary.type(token);
        if ((type == TokenType.CONTROL || type == TokenType.UNKNOWN) && rendering == ControlTokens.OMITTED) {
            return new byte[0];
        }
        return decoded[token].clone();
    }

    @Override
    public int[] endOfGeneration() {
        return endOfGeneration.clone();
    }

    @Override
    public boolean endsText(int token) {
        return Arrays.binarySearch(endOfGeneration, token) >= 0;
    }

    private static String latin1(byte[] bytes, int offset, int length) {
        return new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
    }

    @Override
    public String toString() {
        return "ByteLevelBpeTokenizer[" + vocabulary + ", " + ranks.size() + " merges, " + preTokenizer + "]";
    }
}
