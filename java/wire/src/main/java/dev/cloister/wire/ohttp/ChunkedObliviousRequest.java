package dev.cloister.wire.ohttp;

import dev.cloister.wire.Varint;
import dev.cloister.wire.hpke.Hpke;
import dev.cloister.wire.hpke.HpkeException;
import dev.cloister.wire.hpke.HpkePrivateKey;
import dev.cloister.wire.hpke.HpkeSuite;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/**
 * The client side of a chunked Oblivious HTTP exchange (draft-ietf-ohai-chunked-ohttp-08 §6.1): a streaming request
 * encapsulator and, through {@link #responseReader}, the matching streaming response decapsulator.
 *
 * <pre>
 * info = concat(encode_str("message/bhttp chunked request"), encode(1, 0), hdr)
 * enc, sctxt = SetupBaseS(pkR, info)
 * enc_request_hdr = concat(hdr, enc)
 * non_final_chunk = concat(varint_encode(len(sealed)), sctxt.Seal("", chunk))
 * final_chunk = concat(varint_encode(0), sctxt.Seal("final", chunk))
 * </pre>
 */
public final class ChunkedObliviousRequest {

    static final byte[] FINAL_AAD = "final".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMPTY = new byte[0];

    private final HpkeSuite suite;
    private final Hpke.SenderSetup sender;
    private final byte[] header;
    private final byte[] responseSecret;
    private boolean finished;
    private boolean readerCreated;

    private ChunkedObliviousRequest(HpkeSuite suite, Hpke.SenderSetup sender, RequestHeader header) {
        this.suite = suite;
        this.sender = sender;
        byte[] hdr = header.encode();
        this.header = new byte[hdr.length + sender.enc().length()];
        System.arraycopy(hdr, 0, this.header, 0, hdr.length);
        sender.enc().copyTo(this.header, hdr.length);
        this.responseSecret = ResponseKeys.exportSecret(sender.context(), RequestHeader.CHUNKED_RESPONSE_LABEL);
    }

    /** Starts a chunked request to {@code config} with {@code algorithm}. */
    public static ChunkedObliviousRequest start(KeyConfig config, SymmetricAlgorithm algorithm, SecureRandom random)
            throws OhttpException {
        RequestHeader header = header(config, algorithm);
        try {
            return new ChunkedObliviousRequest(
                    header.suite(),
                    Hpke.setupBaseSender(
                            header.suite(),
                            config.publicKey().toByteArray(),
                            header.info(RequestHeader.CHUNKED_REQUEST_LABEL),
                            random),
                    header);
        } catch (HpkeException e) {
            throw new OhttpException(
                    OhttpException.Reason.KEY_CONFIGURATION, "encapsulation failed: " + e.getMessage(), e);
        }
    }

    /** With a fixed ephemeral key: for test vectors only. */
    static ChunkedObliviousRequest start(KeyConfig config, SymmetricAlgorithm algorithm, HpkePrivateKey ephemeral)
            throws OhttpException {
        RequestHeader header = header(config, algorithm);
        try {
            return new ChunkedObliviousRequest(
                    header.suite(),
                    Hpke.setupBaseSender(
                            header.suite(),
                            config.publicKey().toByteArray(),
                            header.info(RequestHeader.CHUNKED_REQUEST_LABEL),
                            ephemeral),
                    header);
        } catch (HpkeException e) {
            throw new OhttpException(
                    OhttpException.Reason.KEY_CONFIGURATION, "encapsulation failed: " + e.getMessage(), e);
        }
    }

    private static RequestHeader header(KeyConfig config, SymmetricAlgorithm algorithm) throws OhttpException {
        if (!config.accepts(algorithm)) {
            throw new OhttpException(
                    OhttpException.Reason.KEY_CONFIGURATION,
                    "key config " + config.keyId() + " does not offer " + algorithm);
        }
        return new RequestHeader(config.keyId(), new HpkeSuite(config.kem(), algorithm.kdf(), algorithm.aead()));
    }

    /** The request header {@code concat(hdr, enc)}, sent before any chunk. */
    public byte[] header() {
        return header.clone();
    }

    /** Seals one non-final chunk; a non-final chunk must not be empty. */
    public byte[] sealChunk(byte[] plaintext) throws OhttpException {
        if (plaintext.length == 0) {
            throw new IllegalArgumentException("a non-final chunk must not be empty");
        }
        return frame(seal(EMPTY, plaintext), false);
    }

    /** Seals the final chunk (which may be empty); no chunk may follow it. */
    public byte[] sealFinal(byte[] plaintext) throws OhttpException {
        byte[] out = frame(seal(FINAL_AAD, plaintext), true);
        finished = true;
        sender.context().destroy();
        return out;
    }

    private byte[] seal(byte[] aad, byte[] plaintext) throws OhttpException {
        if (finished) {
            throw new IllegalStateException("the final chunk was already sealed");
        }
        try {
            return sender.context().seal(aad, plaintext);
        } catch (HpkeException e) {
            throw new OhttpException(OhttpException.Reason.MALFORMED, "chunk seal failed: " + e.getMessage(), e);
        }
    }

    static byte[] frame(byte[] sealed, boolean isFinal) {
        long length = isFinal ? 0 : sealed.length;
        ByteBuffer out = ByteBuffer.allocate(Varint.encodedLength(length) + sealed.length);
        Varint.encode(length, out);
        out.put(sealed);
        return out.array();
    }

    /** A decapsulator for the chunked response to this request. */
    public ChunkedResponseReader responseReader(OhttpLimits limits) {
        if (readerCreated) {
            throw new IllegalStateException("a request has one response reader");
        }
        readerCreated = true;
        ChunkedResponseReader reader =
                new ChunkedResponseReader(suite, sender.enc().toByteArray(), responseSecret, limits);
        java.util.Arrays.fill(responseSecret, (byte) 0);
        return reader;
    }

    @Override
    public String toString() {
        return "ChunkedObliviousRequest[" + suite + "]";
    }
}
