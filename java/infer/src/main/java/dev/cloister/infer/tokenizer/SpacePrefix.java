package dev.cloister.infer.tokenizer;

/** Whether encoding puts a space before the text, as SentencePiece's {@code add_dummy_prefix} does. */
public enum SpacePrefix {
    /** A leading space, so the first word is tokenized like any other (llama2.c, Llama 2, TinyLlama, Mistral). */
    ADD,
    /** The text as it is (GGUF {@code tokenizer.ggml.add_space_prefix = false}). */
    NONE
}
