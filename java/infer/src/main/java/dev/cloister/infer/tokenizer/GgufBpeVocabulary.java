package dev.cloister.infer.tokenizer;

import static dev.cloister.infer.tokenizer.GgufVocabulary.tokenId;

import dev.cloister.infer.model.GgufFile;
import dev.cloister.infer.model.GgufType;
import dev.cloister.infer.model.GgufValue;
import dev.cloister.infer.model.ModelFormatException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The vocabulary of a GGUF model whose {@code tokenizer.ggml.model} is {@code gpt2} (byte-level BPE: Llama 3, Qwen,
 * SmolLM), read as llama.cpp reads it ({@code llama_vocab::impl::load}): {@code tokens}, {@code token_type}, {@code
 * merges}, {@code pre}, the special token ids ({@code bos} and {@code eos} default to 11, as GPT-2's) and {@code
 * add_bos_token}/{@code add_eos_token}. Like llama.cpp it then finds the end-of-turn and fill-in-the-middle tokens a
 * file does not name by their texts, makes them control tokens, and collects the tokens that end generation: EOS,
 * EOT, EOM, the FIM pad/repo/separator tokens and every token spelled as one of {@link #END_OF_GENERATION_TEXTS}.
 *
 * <p>Where several tokens have a text llama.cpp looks for, llama.cpp takes the first its hash map yields; here the
 * lowest id. Stricter than llama.cpp: a missing or unknown {@code pre}, an out-of-range id, an unknown token type and a
 * merge without a space are refused rather than warned about.
 */
final class GgufBpeVocabulary {

    /** GPT-2's BOS and EOS, the default when a file names none. */
    private static final int GPT2_DEFAULT_SPECIAL = 11;

    /** Texts llama.cpp takes for the end-of-turn token when the file names none. */
    static final List<String> END_OF_TURN_TEXTS = List.of(
            "<|eot_id|>",
            "<|im_end|>",
            "<|end|>",
            "<end_of_turn>",
            "<|endoftext|>",
            "<|end_of_text|>",
            "<EOT>",
            "_<EOT>",
            "[EOT]",
            "<｜end▁of▁sentence｜>",
            "<end_of_utterance>");

    /** Texts of the tokens llama.cpp's end-of-generation set takes in. */
    static final List<String> END_OF_GENERATION_TEXTS = List.of(
            "<|eot_id|>",
            "<|im_end|>",
            "<|end|>",
            "<|return|>",
            "<|call|>",
            "<|flush|>",
            "<|calls|>",
            "<end_of_turn>",
            "<|endoftext|>",
            "</s>",
            "<|eom_id|>",
            "<EOT>",
            "_<EOT>",
            "[EOT]",
            "[EOS]",
            "<|end_of_text|>",
            "<end_of_utterance>",
            "<eos>",
            "<turn|>",
            "<|tool_response>",
            "<｜end▁of▁sentence｜>",
            "[e~[");

    private static final List<String> FIM_PRE_TEXTS = List.of(
            "<|fim_prefix|>",
            "<fim-prefix>",
            "<fim_prefix>",
            "<｜fim▁begin｜>",
            "<PRE>",
            "▁<PRE>",
            "<|code_prefix|>",
            "<|prefix|>");
    private static final List<String> FIM_SUF_TEXTS = List.of(
            "<|fim_suffix|>",
            "<fim-suffix>",
            "<fim_suffix>",
            "<｜fim▁hole｜>",
            "<SUF>",
            "▁<SUF>",
            "<|code_suffix|>",
            "<|suffix|>");
    private static final List<String> FIM_MID_TEXTS = List.of(
            "<|fim_middle|>",
            "<fim-middle>",
            "<fim_middle>",
            "<｜fim▁end｜>",
            "<MID>",
            "▁<MID>",
            "<|code_middle|>",
            "<|middle|>");
    private static final List<String> FIM_PAD_TEXTS =
            List.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]");
    private static final List<String> FIM_REP_TEXTS =
            List.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>");
    private static final List<String> FIM_SEP_TEXTS = List.of("<|file_sep|>");
    /** gpt-oss's channel markers, which llama.cpp always writes out. */
    private static final List<String> ALWAYS_RENDERED_TEXTS =
            List.of("<|channel|>", "<|message|>", "<|start|>", "<|constrain|>");

    private GgufBpeVocabulary() {}

    static ByteLevelBpeTokenizer tokenizer(GgufFile file) {
        List<GgufValue> tokens = file.array(GgufVocabulary.TOKENS, GgufType.STRING);
        int size = tokens.size();
        if (size == 0 || size > Vocabulary.MAX_TOKENS) {
            throw new ModelFormatException("GGUF: " + size + " tokens (1.." + Vocabulary.MAX_TOKENS + " accepted)");
        }
        String preName = file.get(GgufVocabulary.PRE)
                .filter(value -> value instanceof GgufValue.Text)
                .map(value -> ((GgufValue.Text) value).string())
                .orElseThrow(() -> new ModelFormatException(
                        "GGUF: '" + GgufVocabulary.PRE + "' (the pre-tokenizer) is missing or not a string"));
        PreTokenizer pre = PreTokenizer.named(preName)
                .orElseThrow(() -> new ModelFormatException("GGUF: pre-tokenizer '" + preName
                        + "' is not supported ('llama-bpe', 'llama3', 'llama-v3', 'qwen2', 'deepseek-r1-qwen', "
                        + "'smollm' or 'gpt-2')"));
        List<GgufValue> merges = file.array(GgufVocabulary.MERGES, GgufType.STRING);
        if (merges.size() > ByteLevelBpeTokenizer.MAX_MERGES) {
            throw new ModelFormatException(
                    "GGUF: " + merges.size() + " merges, more than " + ByteLevelBpeTokenizer.MAX_MERGES);
        }
        Optional<List<GgufValue>> types = file.get(GgufVocabulary.TOKEN_TYPES).isPresent()
                ? Optional.of(file.array(GgufVocabulary.TOKEN_TYPES, GgufType.INT32))
                : Optional.empty();
        if (types.isPresent() && types.get().size() != size) {
            throw new ModelFormatException(
                    "GGUF: " + size + " tokens but " + types.get().size() + " token types");
        }

        byte[][] pieces = new byte[size][];
        TokenType[] typeArray = new TokenType[size];
        for (int i = 0; i < size; i++) {
            byte[] text = ((GgufValue.Text) tokens.get(i)).bytes().toByteArray();
            // llama.cpp renames an empty token so that every token has a text of its own
            pieces[i] = text.length > 0 ? text : ("[EMPTY_" + i + "]").getBytes(StandardCharsets.US_ASCII);
            if (types.isPresent()) {
                long code = ((GgufValue.Whole) types.get().get(i)).value();
                int id = i;
                typeArray[i] = TokenType.ofCode(code)
                        .orElseThrow(() -> new ModelFormatException("GGUF: token " + id + " has unknown type " + code));
            } else {
                typeArray[i] = TokenType.NORMAL;
            }
        }

        int fallback = GPT2_DEFAULT_SPECIAL < size ? GPT2_DEFAULT_SPECIAL : -1;
        int bos = tokenId(file, GgufVocabulary.BOS, fallback, size);
        int eos = tokenId(file, GgufVocabulary.EOS, fallback, size);
        if (bos < 0 || eos < 0) {
            throw new ModelFormatException("GGUF: no BOS or EOS token (a vocabulary of " + size + " tokens)");
        }
        int eot = named(file, GgufVocabulary.EOT, size, pieces, END_OF_TURN_TEXTS, typeArray);
        int eom = named(file, GgufVocabulary.EOM, size, pieces, List.of("<|eom_id|>"), typeArray);
        named(file, GgufVocabulary.FIM_PRE, size, pieces, FIM_PRE_TEXTS, typeArray);
        named(file, GgufVocabulary.FIM_SUF, size, pieces, FIM_SUF_TEXTS, typeArray);
        named(file, GgufVocabulary.FIM_MID, size, pieces, FIM_MID_TEXTS, typeArray);
        int fimPad = named(file, GgufVocabulary.FIM_PAD, size, pieces, FIM_PAD_TEXTS, typeArray);
        int fimRep = named(file, GgufVocabulary.FIM_REP, size, pieces, FIM_REP_TEXTS, typeArray);
        int fimSep = named(file, GgufVocabulary.FIM_SEP, size, pieces, FIM_SEP_TEXTS, typeArray);
        tokenId(file, GgufVocabulary.UNKNOWN, -1, size);
        tokenId(file, GgufVocabulary.PADDING, -1, size);

        TreeSet<Integer> endOfGeneration = new TreeSet<>();
        for (int id : new int[] {fimPad, fimRep, fimSep}) {
            if (id >= 0) {
                endOfGeneration.add(id);
            }
        }
        for (int id = 0; id < size; id++) {
            if (isAny(pieces[id], END_OF_GENERATION_TEXTS)) {
                endOfGeneration.add(id);
                typeArray[id] = TokenType.CONTROL;
            }
        }
        for (int id = 0; id < size; id++) {
            if (isAny(pieces[id], ALWAYS_RENDERED_TEXTS)) {
                typeArray[id] = TokenType.USER_DEFINED;
            }
        }
        for (int id : new int[] {eos, eot, eom}) {
            if (id >= 0) {
                endOfGeneration.add(id);
            }
        }
        // gpt-oss and solar-open end a message, not generation, with <|end|>; Gemma 4 does not end with </s>
        boolean hasReturn = hasText(endOfGeneration, pieces, "<|return|>");
        boolean hasCall = hasText(endOfGeneration, pieces, "<|call|>") || hasText(endOfGeneration, pieces, "<|calls|>");
        boolean hasFlush = hasText(endOfGeneration, pieces, "<|flush|>");
        if ((hasReturn && hasCall) || (hasCall && hasFlush)) {
            removeText(endOfGeneration, pieces, typeArray, "<|end|>", TokenType.USER_DEFINED);
        }
        if (hasText(endOfGeneration, pieces, "<|tool_response>")) {
            removeText(endOfGeneration, pieces, typeArray, "</s>", TokenType.NORMAL);
        }

        boolean addBos = flag(file, GgufVocabulary.ADD_BOS, pre.addsBosByDefault());
        boolean addEos = flag(file, GgufVocabulary.ADD_EOS, false);
        List<byte[]> mergeBytes = new ArrayList<>(merges.size());
        for (GgufValue merge : merges) {
            mergeBytes.add(((GgufValue.Text) merge).bytes().toByteArray());
        }
        Vocabulary vocabulary = new Vocabulary(pieces, new float[size], typeArray, bos, eos);
        return new ByteLevelBpeTokenizer(
                vocabulary,
                mergeBytes,
                pre,
                addBos,
                addEos,
                endOfGeneration.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * The id the file gives under {@code key}; else the lowest id spelled as one of {@code texts}, which becomes a
     * control token; else -1.
     */
    private static int named(
            GgufFile file, String key, int size, byte[][] pieces, List<String> texts, TokenType[] types) {
        int id = tokenId(file, key, -1, size);
        if (id >= 0) {
            return id;
        }
        for (int i = 0; i < size; i++) {
            if (isAny(pieces[i], texts)) {
                types[i] = TokenType.CONTROL;
                return i;
            }
        }
        return -1;
    }

    private static boolean isAny(byte[] piece, List<String> texts) {
        if (piece.length > 40) {
            return false;
        }
        String text = new String(piece, StandardCharsets.UTF_8);
        return texts.contains(text) && Arrays.equals(piece, text.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean hasText(Set<Integer> ids, byte[][] pieces, String text) {
        return ids.stream().anyMatch(id -> isAny(pieces[id], List.of(text)));
    }

    private static void removeText(
            Set<Integer> ids, byte[][] pieces, TokenType[] types, String text, TokenType becomes) {
        for (Integer id : List.copyOf(ids)) {
            if (isAny(pieces[id], List.of(text))) {
                ids.remove(id);
                types[id] = becomes;
            }
        }
    }

    private static boolean flag(GgufFile file, String key, boolean fallback) {
        Optional<GgufValue> value = file.get(key);
        if (value.isEmpty()) {
            return fallback;
        }
        if (!(value.get() instanceof GgufValue.Bool bool)) {
            throw new ModelFormatException("GGUF: '" + key + "' must be a bool");
        }
        return bool.value();
    }
}
