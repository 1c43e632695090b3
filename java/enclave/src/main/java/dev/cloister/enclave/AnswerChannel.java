package dev.cloister.enclave;

/**
 * Where an answer's plaintext goes on its way into the session's TLS records: straight to the {@link RecordOutbox},
 * or through a padding layer ({@link FramedChannel}, {@link BucketChannel}) the client asked for.
 */
interface AnswerChannel {

    /** The next bytes of the answer (zeroed here). */
    void seal(byte[] plain);

    /** The answer is complete: once what it holds is sent, TLS closes and the response ends. Idempotent. */
    void close();
}
