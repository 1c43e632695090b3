package dev.cloister.infer.scheduler;

/**
 * Receives a request's output. Called on the scheduler's thread, so it must return quickly and never block (hand the
 * data to another thread or event loop). An exception thrown here ends the request as
 * {@link dev.cloister.infer.sampling.FinishReason#FAILED}.
 */
public interface TokenSink {

    /**
     * One generated token and the bytes it adds to the text (a byte token may carry part of a UTF-8 character). The
     * array is the sink's to keep (and to wipe).
     */
    void onToken(int token, byte[] piece);

    /** The request ended; its sequence is already closed. Called exactly once, last. */
    void onFinish(Completion completion);
}
