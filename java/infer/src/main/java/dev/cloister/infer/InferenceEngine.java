package dev.cloister.infer;

/**
 * A loaded model that computes logits for many independent sequences (the contract between the batch scheduler and
 * a backend: the native CPU/CUDA core through JavaCPP, or the slow Java reference in tests).
 *
 * <p>A sequence is a slot with its own KV cache and position. Positions advance by exactly the number of tokens fed.
 * Calls on one engine are made from one thread (the scheduler's); an engine need not be thread-safe.
 * Every method fails with {@link InferenceException} (never a crash) on bad arguments: an unknown or closed sequence,
 * a token outside {@code [0, vocabSize)}, a position past {@link ModelShape#maxSequenceLength()}, no free KV memory.
 */
public interface InferenceEngine extends AutoCloseable {

    ModelShape shape();

    /** How many sequences may be open at once (bounded by configuration: the KV cache never grows beyond it). */
    int maxSequences();

    /** Opens a sequence at position 0 and returns its handle (≥ 0); throws when {@link #maxSequences()} are open. */
    int openSequence();

    /** The number of tokens the sequence holds. */
    int position(int sequence);

    /**
     * Chunked prefill: appends {@code count} tokens from {@code tokens[offset..]} to the sequence and writes the logits
     * after the last of them to {@code logits[0..vocabSize)}.
     */
    void prefill(int sequence, int[] tokens, int offset, int count, float[] logits);

    /**
     * One decode step for {@code batch} sequences at once: appends {@code tokens[i]} to {@code sequences[i]} and writes
     * that sequence's next-token logits to {@code logits[i * vocabSize .. (i + 1) * vocabSize)}. The sequences are distinct.
     */
    void decode(int[] sequences, int[] tokens, int batch, float[] logits);

    /** Closes the sequence and zeroes every KV-cache block it used; its handle may be reused. */
    void closeSequence(int sequence);

    /** Closes every sequence (zeroing their KV blocks) and releases the model. */
    @Override
    void close();
}
