package dev.cloister.wire.ohttp;

import dev.cloister.wire.hpke.Hpke;
import dev.cloister.wire.hpke.HpkeContext;
import dev.cloister.wire.hpke.HpkeException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The gateway side of a chunked Oblivious HTTP request (draft-ietf-ohai-chunked-ohttp-08 §6.1): opens chunks as
 * they arrive and, once the header is known, can start the chunked response. The end of the request stream must be
 * signalled with {@link #finish()}; a stream without its final chunk is refused (truncation is an attack, not a
 * shorter message).
 */
public final class ChunkedRequestReader {

    private static final byte[] EMPTY = new byte[0];

    private final Supplier<KeyRing> keys;
    private final Instant now;
    private final ChunkFramer framer;
    private RequestHeader header;
    private byte[] enc;
    private HpkeContext.Recipient context;
    private byte[] responseSecret;
    private boolean complete;
    private boolean failed;
    private boolean responding;

    public ChunkedRequestReader(Supplier<KeyRing> keys, Instant now, OhttpLimits limits) {
        this.keys = Objects.requireNonNull(keys);
        this.now = Objects.requireNonNull(now);
        this.framer = new ChunkFramer(limits);
    }

    /** Feeds request bytes; returns the plaintext of every non-final chunk they complete, in order. */
    public List<byte[]> offer(byte[] bytes) throws OhttpException {
        return offer(bytes, 0, bytes.length);
    }

    public List<byte[]> offer(byte[] bytes, int offset, int length) throws OhttpException {
        if (failed) {
            throw new IllegalStateException("request reader already failed");
        }
        if (complete) {
            throw new OhttpException(OhttpException.Reason.MALFORMED, "bytes after the end of the request");
        }
        framer.append(bytes, offset, length);
        if (context == null && !openHeader()) {
            return List.of();
        }
        List<byte[]> out = new ArrayList<>();
        byte[] ct;
        while ((ct = framer.nextNonFinal()) != null) {
            byte[] pt = open(EMPTY, ct);
            if (pt.length == 0) {
                fail();
                throw new OhttpException(OhttpException.Reason.DECRYPTION_FAILED, "empty non-final request chunk");
            }
            out.add(pt);
        }
        return out;
    }

    private boolean openHeader() throws OhttpException {
        if (header == null) {
            byte[] hdr = framer.take(RequestHeader.LENGTH);
            if (hdr == null) return false;
            header = RequestHeader.decode(hdr, 0);
        }
        GatewayKey key = ObliviousGateway.keyFor(keys.get(), header, now);
        enc = framer.take(header.suite().kem().nEnc());
        if (enc == null) return false;
        try {
            context = Hpke.setupBaseRecipient(
                    header.suite(), enc, key.privateKey(), header.info(RequestHeader.CHUNKED_REQUEST_LABEL));
        } catch (HpkeException e) {
            throw new OhttpException(OhttpException.Reason.DECRYPTION_FAILED, "request header did not decapsulate");
        }
        responseSecret = ResponseKeys.exportSecret(context, RequestHeader.CHUNKED_RESPONSE_LABEL);
        return true;
    }

    /** The request stream ended: opens and returns the final chunk, or fails if it never came. */
    public byte[] finish() throws OhttpException {
        if (complete || failed) {
            throw new IllegalStateException("already finished or failed");
        }
        if (context == null) {
            fail();
            throw new OhttpException(OhttpException.Reason.TRUNCATED, "request ended inside its header");
        }
        byte[] last;
        try {
            last = framer.endOfStream();
        } catch (OhttpException e) {
            fail();
            throw e;
        }
        byte[] pt = open(ChunkedObliviousRequest.FINAL_AAD, last);
        complete = true;
        context.destroy();
        framer.destroy();
        return pt;
    }

    /** Whether the header has been opened, so that {@link #responseWriter} can be called. */
    public boolean headerOpened() {
        return context != null;
    }

    /** The key identifier the request named, once the header has arrived. */
    public int keyId() {
        if (header == null) throw new IllegalStateException("header not yet received");
        return header.keyId();
    }

    /** Starts the chunked response to this request (allowed once the header has been opened). */
    public ChunkedResponseWriter responseWriter(SecureRandom random) {
        byte[] nonce =
                new byte[ResponseKeys.entropyLength(requireHeader().suite().aead())];
        random.nextBytes(nonce);
        return responseWriter(nonce);
    }

    /** With a fixed response nonce: for test vectors only. */
    ChunkedResponseWriter responseWriter(byte[] responseNonce) {
        RequestHeader h = requireHeader();
        if (failed || responding) {
            throw new IllegalStateException("a request has one response, and none after a failure");
        }
        responding = true;
        ChunkedResponseWriter writer = new ChunkedResponseWriter(
                h.suite(), responseNonce, ResponseKeys.derive(h.suite(), responseSecret, enc, responseNonce));
        Arrays.fill(responseSecret, (byte) 0);
        return writer;
    }

    private RequestHeader requireHeader() {
        if (context == null) throw new IllegalStateException("request header not yet opened");
        return header;
    }

    private byte[] open(byte[] aad, byte[] ct) throws OhttpException {
        try {
            return context.open(aad, ct);
        } catch (HpkeException e) {
            fail();
            throw new OhttpException(OhttpException.Reason.DECRYPTION_FAILED, "request chunk did not authenticate");
        }
    }

    /** Zeroes every secret and buffer; called on any failure, and by the owner when a stream is abandoned. */
    public void fail() {
        failed = true;
        if (context != null) context.destroy();
        if (responseSecret != null) Arrays.fill(responseSecret, (byte) 0);
        framer.destroy();
    }
}
