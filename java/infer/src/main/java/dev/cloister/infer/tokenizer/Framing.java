package dev.cloister.infer.tokenizer;

/** Which control tokens frame an encoded text. */
public enum Framing {
    /** The text's tokens only. */
    NONE,
    /** Beginning-of-sequence, then the text (a prompt). */
    BOS,
    /** Beginning-of-sequence, the text, then end-of-sequence (a finished document). */
    BOS_EOS
}
