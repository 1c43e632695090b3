package dev.cloister.wire.ohttp;

import dev.cloister.wire.hpke.Hpke;
import dev.cloister.wire.hpke.HpkeAead;
import dev.cloister.wire.hpke.HpkeContext;
import dev.cloister.wire.hpke.HpkeException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The gateway side of Oblivious HTTP (RFC 9458 §4.3-§4.4 and §5): decapsulates requests with the key they name and
 * encapsulates the responses. Thread-safe; the key ring is read through a supplier so that rotation swaps it
 * atomically.
 */
public final class ObliviousGateway {

    private final Supplier<KeyRing> keys;

    public ObliviousGateway(Supplier<KeyRing> keys) {
        this.keys = Objects.requireNonNull(keys);
    }

    /** Decapsulates a {@code message/ohttp-req}. */
    public DecapsulatedRequest decapsulate(byte[] message, Instant now) throws OhttpException {
        RequestHeader header = RequestHeader.decode(message, 0);
        GatewayKey key = keyFor(keys.get(), header, now);
        int nEnc = header.suite().kem().nEnc();
        int ctOffset = RequestHeader.LENGTH + nEnc;
        if (message.length < ctOffset + header.suite().aead().nT()) {
            throw new OhttpException(OhttpException.Reason.MALFORMED, "encapsulated request too short");
        }
        byte[] enc = Arrays.copyOfRange(message, RequestHeader.LENGTH, ctOffset);
        HpkeContext.Recipient context = null;
        try {
            context = Hpke.setupBaseRecipient(
                    header.suite(), enc, key.privateKey(), header.info(RequestHeader.REQUEST_LABEL));
            byte[] request = context.open(new byte[0], message, ctOffset, message.length - ctOffset);
            byte[] secret = ResponseKeys.exportSecret(context, RequestHeader.RESPONSE_LABEL);
            return new DecapsulatedRequest(header, enc, secret, request);
        } catch (HpkeException e) {
            throw new OhttpException(OhttpException.Reason.DECRYPTION_FAILED, "request did not decapsulate");
        } finally {
            if (context != null) context.destroy();
        }
    }

    /** The key a request header names, or a key-configuration problem (RFC 9458 §5.2). */
    static GatewayKey keyFor(KeyRing ring, RequestHeader header, Instant now) throws OhttpException {
        GatewayKey key = ring.forDecapsulation(header.keyId(), now)
                .orElseThrow(() -> new OhttpException(
                        OhttpException.Reason.KEY_CONFIGURATION, "unknown or expired key id " + header.keyId()));
        if (key.config().kem() != header.suite().kem()
                || !key.config()
                        .accepts(new SymmetricAlgorithm(
                                header.suite().kdf(), header.suite().aead()))) {
            throw new OhttpException(
                    OhttpException.Reason.KEY_CONFIGURATION,
                    "key id " + header.keyId() + " does not offer " + header.suite());
        }
        return key;
    }

    /** A decapsulated request and what is needed to encapsulate its one response. */
    public static final class DecapsulatedRequest {
        private final RequestHeader header;
        private final byte[] enc;
        private final byte[] responseSecret;
        private final byte[] request;
        private boolean responded;

        DecapsulatedRequest(RequestHeader header, byte[] enc, byte[] responseSecret, byte[] request) {
            this.header = header;
            this.enc = enc;
            this.responseSecret = responseSecret;
            this.request = request;
        }

        /** The inner request (Binary HTTP). The caller owns the array and zeroes it when done. */
        public byte[] request() {
            return request;
        }

        public int keyId() {
            return header.keyId();
        }

        /** Encapsulates the response: {@code concat(response_nonce, Seal(aead_key, aead_nonce, "", response))}. */
        public byte[] encapsulateResponse(byte[] response, SecureRandom random) throws OhttpException {
            byte[] responseNonce =
                    new byte[ResponseKeys.entropyLength(header.suite().aead())];
            random.nextBytes(responseNonce);
            return encapsulateResponse(response, responseNonce);
        }

        /** With a fixed response nonce: for test vectors only. */
        byte[] encapsulateResponse(byte[] response, byte[] responseNonce) throws OhttpException {
            if (responded) {
                throw new IllegalStateException("this request's response was already encapsulated");
            }
            responded = true;
            ResponseKeys keys = ResponseKeys.derive(header.suite(), responseSecret, enc, responseNonce);
            try {
                byte[] ct = HpkeAead.of(header.suite().aead())
                        .seal(keys.key().reveal(), keys.nonce().reveal(), new byte[0], response);
                byte[] out = new byte[responseNonce.length + ct.length];
                System.arraycopy(responseNonce, 0, out, 0, responseNonce.length);
                System.arraycopy(ct, 0, out, responseNonce.length, ct.length);
                return out;
            } catch (HpkeException e) {
                throw new OhttpException(OhttpException.Reason.MALFORMED, "response encapsulation failed", e);
            } finally {
                keys.destroy();
                Arrays.fill(responseSecret, (byte) 0);
            }
        }

        @Override
        public String toString() {
            return "DecapsulatedRequest[key " + header.keyId() + ", " + header.suite() + ", " + request.length
                    + " bytes]";
        }
    }
}
