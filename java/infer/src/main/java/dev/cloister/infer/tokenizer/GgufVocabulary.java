package dev.cloister.infer.tokenizer;

import dev.cloister.base.Bytes;
import dev.cloister.infer.model.GgufFile;
import dev.cloister.infer.model.GgufType;
import dev.cloister.infer.model.GgufValue;
import dev.cloister.infer.model.ModelFormatException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * The vocabulary of a GGUF model whose {@code tokenizer.ggml.model} is {@code llama} (SentencePiece BPE, as in Llama
 * 1/2, TinyLlama, Mistral): {@code tokenizer.ggml.tokens}, {@code .scores}, {@code .token_type},
 * {@code .bos_token_id} and {@code .eos_token_id}. SentencePiece writes a space as U+2581 ("▁"); it becomes a plain
 * space here, which turns the vocabulary into the form llama2.c's tokenizer uses, so the same {@link
 * SentencePieceTokenizer} encodes both. {@link #tokenizer} also reads {@code gpt2} vocabularies (byte-level BPE).
 */
public final class GgufVocabulary {

    public static final String MODEL = "tokenizer.ggml.model";
    public static final String TOKENS = "tokenizer.ggml.tokens";
    public static final String SCORES = "tokenizer.ggml.scores";
    public static final String TOKEN_TYPES = "tokenizer.ggml.token_type";
    public static final String BOS = "tokenizer.ggml.bos_token_id";
    public static final String EOS = "tokenizer.ggml.eos_token_id";
    public static final String ADD_SPACE_PREFIX = "tokenizer.ggml.add_space_prefix";
    public static final String MERGES = "tokenizer.ggml.merges";
    public static final String PRE = "tokenizer.ggml.pre";
    public static final String EOT = "tokenizer.ggml.eot_token_id";
    public static final String EOM = "tokenizer.ggml.eom_token_id";
    public static final String UNKNOWN = "tokenizer.ggml.unknown_token_id";
    public static final String PADDING = "tokenizer.ggml.padding_token_id";
    public static final String FIM_PRE = "tokenizer.ggml.fim_pre_token_id";
    public static final String FIM_SUF = "tokenizer.ggml.fim_suf_token_id";
    public static final String FIM_MID = "tokenizer.ggml.fim_mid_token_id";
    public static final String FIM_PAD = "tokenizer.ggml.fim_pad_token_id";
    public static final String FIM_REP = "tokenizer.ggml.fim_rep_token_id";
    public static final String FIM_SEP = "tokenizer.ggml.fim_sep_token_id";
    public static final String ADD_BOS = "tokenizer.ggml.add_bos_token";
    public static final String ADD_EOS = "tokenizer.ggml.add_eos_token";
    public static final String CHAT_TEMPLATE = "tokenizer.chat_template";

    /** The {@code tokenizer.ggml.model} of SentencePiece vocabularies. */
    public static final String SENTENCE_PIECE = "llama";
    /** The {@code tokenizer.ggml.model} of GPT-2 byte-level BPE vocabularies. */
    public static final String BYTE_LEVEL_BPE = "gpt2";

    private static final byte[] SPM_SPACE = "\u2581".getBytes(StandardCharsets.UTF_8);

    private GgufVocabulary() {}

    public static Vocabulary read(GgufFile file) {
        String model = file.string(MODEL);
        if (!model.equals("llama")) {
            throw new ModelFormatException("GGUF: tokenizer model '" + model + "' is not supported (only 'llama')");
        }
        List<GgufValue> tokens = file.array(TOKENS, GgufType.STRING);
        int size = tokens.size();
        List<GgufValue> scores = file.array(SCORES, GgufType.FLOAT32);
        if (scores.size() != size) {
            throw new ModelFormatException("GGUF: " + size + " tokens but " + scores.size() + " scores");
        }
        Optional<List<GgufValue>> types = file.get(TOKEN_TYPES).isPresent()
                ? Optional.of(file.array(TOKEN_TYPES, GgufType.INT32))
                : Optional.empty();
        if (types.isPresent() && types.get().size() != size) {
            throw new ModelFormatException(
                    "GGUF: " + size + " tokens but " + types.get().size() + " token types");
        }
        byte[][] pieces = new byte[size][];
        float[] scoreArray = new float[size];
        TokenType[] typeArray = new TokenType[size];
        for (int i = 0; i < size; i++) {
            pieces[i] = withPlainSpaces(((GgufValue.Text) tokens.get(i)).bytes().toByteArray());
            scoreArray[i] = (float) ((GgufValue.Real) scores.get(i)).value();
            if (types.isPresent()) {
                long code = ((GgufValue.Whole) types.get().get(i)).value();
                int id = i;
                typeArray[i] = TokenType.ofCode(code)
                        .orElseThrow(() -> new ModelFormatException("GGUF: token " + id + " has unknown type " + code));
            } else {
                typeArray[i] = SentencePieceTokenizer.byteValue(pieces[i]) >= 0 ? TokenType.BYTE : TokenType.NORMAL;
            }
        }
        int bos = tokenId(file, BOS, 1, size);
        int eos = tokenId(file, EOS, 2, size);
        return new Vocabulary(pieces, scoreArray, typeArray, bos, eos);
    }

    /**
     * The file's tokenizer, chosen by {@code tokenizer.ggml.model}: {@code llama} (SentencePiece, with a leading space
     * unless {@code add_space_prefix} is false) or {@code gpt2} (byte-level BPE, {@link GgufBpeVocabulary}); any
     * other model is refused with its name.
     */
    public static Tokenizer tokenizer(GgufFile file) {
        String model = file.string(MODEL);
        return switch (model) {
            case SENTENCE_PIECE -> sentencePiece(file);
            case BYTE_LEVEL_BPE -> GgufBpeVocabulary.tokenizer(file);
            default ->
                throw new ModelFormatException("GGUF: tokenizer model '" + model + "' is not supported ('"
                        + SENTENCE_PIECE + "' or '" + BYTE_LEVEL_BPE + "')");
        };
    }

    private static SentencePieceTokenizer sentencePiece(GgufFile file) {
        Vocabulary vocabulary = read(file);
        Optional<GgufValue> prefix = file.get(ADD_SPACE_PREFIX);
        if (prefix.isPresent() && !(prefix.get() instanceof GgufValue.Bool)) {
            throw new ModelFormatException("GGUF: '" + ADD_SPACE_PREFIX + "' must be a bool");
        }
        boolean add = prefix.map(value -> ((GgufValue.Bool) value).value()).orElse(true);
        return new SentencePieceTokenizer(vocabulary, add ? SpacePrefix.ADD : SpacePrefix.NONE);
    }

    static int tokenId(GgufFile file, String key, int fallback, int size) {
        Optional<GgufValue> value = file.get(key);
        if (value.isEmpty()) {
            return fallback;
        }
        if (!(value.get() instanceof GgufValue.Whole whole)
                || whole.type() != GgufType.UINT32
                || whole.value() >= size) {
            throw new ModelFormatException("GGUF: '" + key + "' must be a uint32 token id below " + size);
        }
        return (int) whole.value();
    }

    /** The metadata that describes a vocabulary in a GGUF file (the inverse of {@link #read}). */
    public static java.util.Map<String, GgufValue> metadata(Vocabulary vocabulary) {
        java.util.List<GgufValue> tokens = new java.util.ArrayList<>();
        java.util.List<GgufValue> scores = new java.util.ArrayList<>();
        java.util.List<GgufValue> types = new java.util.ArrayList<>();
        for (int i = 0; i < vocabulary.size(); i++) {
            tokens.add(new GgufValue.Text(Bytes.of(withSentencePieceSpaces(vocabulary.pieceUnsafe(i)))));
            scores.add(new GgufValue.Real(GgufType.FLOAT32, vocabulary.score(i)));
            types.add(new GgufValue.Whole(GgufType.INT32, vocabulary.type(i).code()));
        }
        java.util.Map<String, GgufValue> metadata = new java.util.LinkedHashMap<>();
        metadata.put(MODEL, GgufValue.Text.of("llama"));
        metadata.put(TOKENS, new GgufValue.Array(GgufType.STRING, tokens));
        metadata.put(SCORES, new GgufValue.Array(GgufType.FLOAT32, scores));
        metadata.put(TOKEN_TYPES, new GgufValue.Array(GgufType.INT32, types));
        metadata.put(BOS, new GgufValue.Whole(GgufType.UINT32, vocabulary.bos()));
        metadata.put(EOS, new GgufValue.Whole(GgufType.UINT32, vocabulary.eos()));
        return metadata;
    }

    /** Replaces every U+2581 with a space. */
    static byte[] withPlainSpaces(byte[] piece) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(piece.length);
        int i = 0;
        while (i < piece.length) {
            if (i + 3 <= piece.length
                    && piece[i] == SPM_SPACE[0]
                    && piece[i + 1] == SPM_SPACE[1]
                    && piece[i + 2] == SPM_SPACE[2]) {
                out.write(' ');
                i += 3;
            } else {
                out.write(piece[i++]);
            }
        }
        return out.toByteArray();
    }

    /** The inverse: a llama2.c-style piece with U+2581 for each space (for writing GGUF files). */
    public static byte[] withSentencePieceSpaces(byte[] piece) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(piece.length + 8);
        for (byte b : piece) {
            if (b == ' ') {
                out.writeBytes(SPM_SPACE);
            } else {
                out.write(b);
            }
        }
        return out.toByteArray();
    }
}
