package dev.cloister.wire.ohttp;

import dev.cloister.wire.hpke.HpkeAead;
import dev.cloister.wire.hpke.HpkeException;
import dev.cloister.wire.hpke.HpkeSuite;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Opens a chunked encapsulated response as it streams in (draft-ietf-ohai-chunked-ohttp-08 §6.2): the response
 * nonce, then chunks opened with {@code aead_nonce XOR counter}, the last one with AAD "final". A stream that ends
 * without its final chunk is an error, never a silently shorter response.
 */
public final class ChunkedResponseReader {

    private static final byte[] EMPTY = new byte[0];

    private final HpkeSuite suite;
    private final byte[] enc;
    private final byte[] secret;
    private final ChunkFramer framer;
    private ResponseKeys keys;
    private long counter;
    private boolean complete;
    private boolean destroyed;

    ChunkedResponseReader(HpkeSuite suite, byte[] enc, byte[] secret, OhttpLimits limits) {
        this.suite = suite;
        this.enc = enc.clone();
        this.secret = secret.clone();
        this.framer = new ChunkFramer(limits);
    }

    /** Feeds bytes; returns the plaintext of every non-final chunk they complete, in order. */
    public List<byte[]> offer(byte[] bytes) throws OhttpException {
        return offer(bytes, 0, bytes.length);
    }

    public List<byte[]> offer(byte[] bytes, int offset, int length) throws OhttpException {
        if (destroyed) {
            throw new IllegalStateException("response reader already failed or finished");
        }
        if (complete) {
            throw new OhttpException(OhttpException.Reason.MALFORMED, "bytes after the end of the response");
        }
        framer.append(bytes, offset, length);
        if (keys == null) {
            byte[] nonce = framer.take(ResponseKeys.entropyLength(suite.aead()));
            if (nonce == null) return List.of();
            keys = ResponseKeys.derive(suite, secret, enc, nonce);
            Arrays.fill(secret, (byte) 0);
        }
        List<byte[]> out = new ArrayList<>();
        byte[] ct;
        while ((ct = framer.nextNonFinal()) != null) {
            byte[] pt = open(EMPTY, ct);
            if (pt.length == 0) {
                throw new OhttpException(OhttpException.Reason.DECRYPTION_FAILED, "empty non-final response chunk");
            }
            out.add(pt);
        }
        return out;
    }

    /** The stream ended: opens and returns the final chunk, or fails if it never came. */
    public byte[] finish() throws OhttpException {
        if (complete || destroyed) {
            throw new IllegalStateException("already finished or failed");
        }
        try {
            if (keys == null) {
                throw new OhttpException(OhttpException.Reason.TRUNCATED, "response ended before its nonce");
            }
            byte[] last = framer.endOfStream();
            byte[] pt = open(ChunkedObliviousRequest.FINAL_AAD, last);
            complete = true;
            return pt;
        } finally {
            destroy();
        }
    }

    /** Whether the final chunk was opened. */
    public boolean complete() {
        return complete;
    }

    private byte[] open(byte[] aad, byte[] ct) throws OhttpException {
        try {
            return HpkeAead.of(suite.aead()).open(keys.key().reveal(), keys.chunkNonce(counter++), aad, ct);
        } catch (HpkeException e) {
            destroy();
            throw new OhttpException(OhttpException.Reason.DECRYPTION_FAILED, "response chunk did not authenticate");
        }
    }

    /** Zeroes keys and buffers (also done by {@link #finish()}). */
    public void destroy() {
        destroyed = true;
        if (keys != null) keys.destroy();
        Arrays.fill(secret, (byte) 0);
        framer.destroy();
    }
}
