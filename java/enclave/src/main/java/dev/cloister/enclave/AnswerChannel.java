package dev.cloister.enclave;

/**
 * Where an answer's plaintext goes on its way into the session's TLS records: straight to the {@link RecordOutbox},
 * or through a padding layer ({@link FramedChannel}, {@link BucketChannel}) the client asked for.
 *
 * <p>A channel bounds what it holds for a reader that cannot keep up: once it holds more than its bound it pauses the
 * answer's producer through the {@link Throttle} it was given (the scheduler then stops generating the sequence, which
 * keeps its KV cache), and resumes it once it has drained. A producer paused too long is ended by the scheduler
 * ({@code STALLED}); the answer is then {@linkplain #abort() aborted}.
 */
interface AnswerChannel {

    /** The next bytes of the answer (zeroed here). */
    void seal(byte[] plain);

    /** The answer is complete: once what it holds is sent, TLS closes and the response ends. Idempotent. */
    void close();

    /**
     * The reader stopped taking the answer: what is held is dropped, the response is reset and the session ends.
     * Idempotent; no effect once the response has ended.
     */
    void abort();

    /**
     * The producer to pause while this channel holds more than its bound and to resume once it drained; paused at
     * once if the channel is over its bound already. Set once, when the generation has started.
     */
    void throttle(Throttle throttle);

    /** Pauses and resumes an answer's producer (the scheduler's generation); both callable from any thread. */
    record Throttle(Runnable pause, Runnable resume) {
        /** A producer that never needs pausing (an answer already complete, or collected whole). */
        static final Throttle NONE = new Throttle(() -> {}, () -> {});
    }
}
