package dev.cloister.infer.tokenizer;

/** Whether decoding writes control (and unknown) tokens as their text or leaves them out. */
public enum ControlTokens {
    /** Control tokens add nothing to the text (what a reader of the answer sees). */
    OMITTED,
    /** Control tokens are written as their text, e.g. {@code <|eot_id|>} (llama.cpp's {@code special = true}). */
    RENDERED
}
