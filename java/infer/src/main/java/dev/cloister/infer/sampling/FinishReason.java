package dev.cloister.infer.sampling;

/** Why a generation ended. */
public enum FinishReason {
    /** The model produced an end-of-text token. */
    END_OF_TEXT,
    /** The requested number of tokens was generated. */
    MAX_TOKENS,
    /** A stop string appeared in the output. */
    STOP_STRING,
    /** The sequence reached the model's context length. */
    CONTEXT_FULL,
    /** The caller cancelled it. */
    CANCELLED,
    /** Its deadline passed. */
    DEADLINE,
    /** Its reader stopped taking the output: it stayed paused longer than the scheduler allows. */
    STALLED,
    /** The engine or the callback failed; the sequence was torn down. */
    FAILED,
    /** The scheduler shut down before it finished. */
    SHUTDOWN
}
