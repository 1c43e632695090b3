package dev.cloister.wire.ohttp;

import dev.cloister.wire.hpke.HpkeAead;
import dev.cloister.wire.hpke.HpkeException;
import dev.cloister.wire.hpke.HpkeSuite;

/**
 * Encapsulates a chunked response as it is produced (draft-ietf-ohai-chunked-ohttp-08 §6.2): first the response
 * nonce, then each chunk sealed under {@code aead_nonce XOR counter}, the final one with AAD "final".
 */
public final class ChunkedResponseWriter {

    private static final byte[] EMPTY = new byte[0];

    private final HpkeSuite suite;
    private final byte[] responseNonce;
    private final ResponseKeys keys;
    private long counter;
    private boolean finished;

    ChunkedResponseWriter(HpkeSuite suite, byte[] responseNonce, ResponseKeys keys) {
        this.suite = suite;
        this.responseNonce = responseNonce.clone();
        this.keys = keys;
    }

    /** The response nonce, sent before any chunk. */
    public byte[] header() {
        return responseNonce.clone();
    }

    /** Seals one non-final chunk; a non-final chunk must not be empty. */
    public byte[] sealChunk(byte[] plaintext) throws OhttpException {
        if (plaintext.length == 0) {
            throw new IllegalArgumentException("a non-final chunk must not be empty");
        }
        return ChunkedObliviousRequest.frame(seal(EMPTY, plaintext), false);
    }

    /** Seals the final chunk (possibly empty); zeroes the keys afterwards. */
    public byte[] sealFinal(byte[] plaintext) throws OhttpException {
        byte[] out = ChunkedObliviousRequest.frame(seal(ChunkedObliviousRequest.FINAL_AAD, plaintext), true);
        finished = true;
        keys.destroy();
        return out;
    }

    private byte[] seal(byte[] aad, byte[] plaintext) throws OhttpException {
        if (finished) {
            throw new IllegalStateException("the final chunk was already sealed");
        }
        try {
            return HpkeAead.of(suite.aead()).seal(keys.key().reveal(), keys.chunkNonce(counter++), aad, plaintext);
        } catch (HpkeException e) {
            throw new OhttpException(OhttpException.Reason.MALFORMED, "chunk seal failed", e);
        }
    }

    /** Zeroes the keys without finishing (an abandoned response). */
    public void destroy() {
        finished = true;
        keys.destroy();
    }
}
