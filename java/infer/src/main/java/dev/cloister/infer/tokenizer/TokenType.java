package dev.cloister.infer.tokenizer;

/** What a vocabulary entry is (the SentencePiece piece types, numbered as GGUF's {@code tokenizer.ggml.token_type}). */
public enum TokenType {
    /** An ordinary piece of text: takes part in merges. */
    NORMAL(1),
    /** The unknown-piece marker: never produced by encoding, decodes to nothing. */
    UNKNOWN(2),
    /** A control token (BOS, EOS): never produced from text, decodes to nothing. */
    CONTROL(3),
    /** A piece added by the model's authors: takes part in merges like a normal one. */
    USER_DEFINED(4),
    /** A reserved slot: never produced by encoding, decodes to nothing. */
    UNUSED(5),
    /** One raw byte, spelled {@code <0xXX>}: the fallback for text no piece covers. */
    BYTE(6);

    private final int code;

    TokenType(int code) {
        this.code = code;
    }

    /** The number GGUF uses for this type. */
    public int code() {
        return code;
    }

    /** The type for GGUF's number, or empty for an unknown number. */
    public static java.util.Optional<TokenType> ofCode(long code) {
        for (TokenType type : values()) {
            if (type.code == code) {
                return java.util.Optional.of(type);
            }
        }
        return java.util.Optional.empty();
    }

    /** Whether encoding may produce this token by merging text. */
    boolean mergeable() {
        return this == NORMAL || this == USER_DEFINED;
    }
}
