package dev.cloister.infer.tokenizer;

import dev.cloister.infer.model.GgufFile;
import dev.cloister.infer.model.GgufType;
import dev.cloister.infer.model.GgufValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small byte-level BPE vocabulary written as GGUF metadata, for tests that need one without the real files: ids
 * 0..255 are GPT-2's byte alphabet, then "he", "ll", "hell" (merges "h e", "l l", "he ll"), then {@code
 * <|endoftext|>} (EOS), {@code <|im_start|>}, {@code <|im_end|>} (control) and {@code <think>} (user-defined).
 */
public final class TinyByteLevelVocabulary {

    public static final int HE = 256;
    public static final int LL = 257;
    public static final int HELL = 258;
    public static final int END_OF_TEXT = 259;
    public static final int IM_START = 260;
    public static final int IM_END = 261;
    public static final int THINK = 262;
    public static final int SIZE = 263;

    private TinyByteLevelVocabulary() {}

    /** The metadata: model gpt2, pre qwen2, EOS {@link #END_OF_TEXT}. */
    public static Map<String, GgufValue> metadata() {
        List<GgufValue> tokens = new ArrayList<>();
        List<GgufValue> types = new ArrayList<>();
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            tokens.add(GgufValue.Text.of(Character.toString(printable ? b : next++)));
            types.add(type(TokenType.NORMAL));
        }
        for (String normal : List.of("he", "ll", "hell")) {
            tokens.add(GgufValue.Text.of(normal));
            types.add(type(TokenType.NORMAL));
        }
        for (String control : List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>")) {
            tokens.add(GgufValue.Text.of(control));
            types.add(type(TokenType.CONTROL));
        }
        tokens.add(GgufValue.Text.of("<think>"));
        types.add(type(TokenType.USER_DEFINED));
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put(GgufVocabulary.MODEL, GgufValue.Text.of("gpt2"));
        m.put(GgufVocabulary.PRE, GgufValue.Text.of("qwen2"));
        m.put(GgufVocabulary.TOKENS, new GgufValue.Array(GgufType.STRING, tokens));
        m.put(GgufVocabulary.TOKEN_TYPES, new GgufValue.Array(GgufType.INT32, types));
        m.put(
                GgufVocabulary.MERGES,
                new GgufValue.Array(
                        GgufType.STRING,
                        List.of(GgufValue.Text.of("h e"), GgufValue.Text.of("l l"), GgufValue.Text.of("he ll"))));
        m.put(GgufVocabulary.EOS, new GgufValue.Whole(GgufType.UINT32, END_OF_TEXT));
        return m;
    }

    /** The tokenizer of {@link #metadata()}, changed by {@code edit} first. */
    public static Tokenizer tokenizer(java.util.function.Consumer<Map<String, GgufValue>> edit) {
        Map<String, GgufValue> m = metadata();
        edit.accept(m);
        return GgufVocabulary.tokenizer(GgufFile.of(m, List.of()));
    }

    public static Tokenizer tokenizer() {
        return tokenizer(m -> {});
    }

    private static GgufValue type(TokenType type) {
        return new GgufValue.Whole(GgufType.INT32, type.code());
    }
}
