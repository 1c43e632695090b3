package dev.cloister.infer.tokenizer;

/**
 * Whether the texts of control tokens ({@code <|eot_id|>}, {@code <|im_start|>}, ...) found in a text are encoded as
 * those tokens. Only a prompt the model's chat template rendered may ask for it; a user's message never does, so a
 * message that contains {@code <|eot_id|>} cannot end a turn. User-defined tokens (type 4, such as Qwen's {@code
 * <think>}) are recognised either way, as llama.cpp and Hugging Face tokenizers do: they are text the vocabulary spells
 * as one token.
 */
public enum SpecialTokens {
    /** Control-token texts are plain text (llama.cpp's {@code parse_special = false}). */
    AS_TEXT,
    /** Control-token texts become the control tokens (llama.cpp's {@code parse_special = true}). */
    RECOGNISED
}
