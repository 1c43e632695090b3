package dev.cloister.infer.chat;

import dev.cloister.infer.model.GgufFile;
import dev.cloister.infer.model.GgufValue;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The chat template a GGUF file carries: its {@code tokenizer.chat_template} rendered by {@link JinjaChatTemplate},
 * with the texts of its {@code tokenizer.ggml.bos_token_id} and {@code eos_token_id} tokens as {@code bos_token} and
 * {@code eos_token} (as llama.cpp passes them); a model without a template (llama2.c's story models) keeps
 * {@link PlainChatTemplate}.
 */
public final class GgufChatTemplate {

    public static final String TEMPLATE = "tokenizer.chat_template";
    static final String TOKENS = "tokenizer.ggml.tokens";
    static final String BOS = "tokenizer.ggml.bos_token_id";
    static final String EOS = "tokenizer.ggml.eos_token_id";

    private GgufChatTemplate() {}

    /** The model's template with the default limits and a UTC clock. */
    public static ChatTemplate of(GgufFile model) {
        return of(model, TemplateLimits.defaults(), Clock.systemUTC());
    }

    /**
     * The model's template, {@link PlainChatTemplate} when it has none (or a blank one).
     *
     * @throws ChatTemplateException when the template is not a string, is longer than {@code limits} allow or does
     *     not parse, or when a special-token id is not a token of the vocabulary
     */
    public static ChatTemplate of(GgufFile model, TemplateLimits limits, Clock clock) {
        Objects.requireNonNull(model, "model");
        Optional<GgufValue> value = model.get(TEMPLATE);
        if (value.isEmpty()) return PlainChatTemplate.INSTANCE;
        if (!(value.get() instanceof GgufValue.Text text)) {
            throw new ChatTemplateException("GGUF: '" + TEMPLATE + "' is not a string");
        }
        // Bounded before it is decoded: a UTF-16 unit takes at most three UTF-8 bytes.
        byte[] bytes = text.bytes().toByteArray();
        if (bytes.length > 3L * limits.maxTemplateChars()) {
            throw new ChatTemplateException("GGUF: '" + TEMPLATE + "' of " + bytes.length
                    + " bytes exceeds the limit of " + limits.maxTemplateChars() + " characters");
        }
        String template = text.string();
        if (template.isBlank()) return PlainChatTemplate.INSTANCE;
        return new JinjaChatTemplate(template, tokenText(model, BOS), tokenText(model, EOS), limits, clock);
    }

    /** The text of the token a metadata key names, or {@code null} when the key is absent. */
    private static String tokenText(GgufFile model, String key) {
        Optional<GgufValue> id = model.get(key);
        if (id.isEmpty()) return null;
        if (!(id.get() instanceof GgufValue.Whole whole)) {
            throw new ChatTemplateException("GGUF: '" + key + "' is not an integer");
        }
        if (!(model.get(TOKENS).orElse(null) instanceof GgufValue.Array array)) {
            throw new ChatTemplateException("GGUF: '" + key + "' is set but '" + TOKENS + "' is missing");
        }
        List<GgufValue> tokens = array.values();
        if (whole.value() < 0 || whole.value() >= tokens.size()) {
            throw new ChatTemplateException("GGUF: '" + key + "' = " + whole.value() + " is not a token of the "
                    + tokens.size() + "-token vocabulary");
        }
        if (!(tokens.get((int) whole.value()) instanceof GgufValue.Text token)) {
            throw new ChatTemplateException("GGUF: '" + TOKENS + "' holds a value that is not a string");
        }
        return token.string();
    }
}
