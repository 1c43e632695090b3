package dev.cloister.wire.ohttp;

import dev.cloister.wire.hpke.Hpke;
import dev.cloister.wire.hpke.HpkeAead;
import dev.cloister.wire.hpke.HpkeException;
import dev.cloister.wire.hpke.HpkePrivateKey;
import dev.cloister.wire.hpke.HpkeSuite;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The client side of one Oblivious HTTP exchange (RFC 9458 §4.3 and §4.4): encapsulates a request to a gateway's key
 * configuration and keeps exactly what is needed to open the one response to it.
 *
 * <pre>
 * hdr = concat(encode(1, key_id), encode(2, kem_id), encode(2, kdf_id), encode(2, aead_id))
 * info = concat(encode_str("message/bhttp request"), encode(1, 0), hdr)
 * enc, sctxt = SetupBaseS(pkR, info)
 * ct = sctxt.Seal("", request)
 * enc_request = concat(hdr, enc, ct)
 * </pre>
 */
public final class ObliviousRequest {

    private final byte[] encapsulated;
    private final HpkeSuite suite;
    private final byte[] enc;
    private final byte[] responseSecret;
    private boolean responseOpened;

    private ObliviousRequest(byte[] encapsulated, HpkeSuite suite, byte[] enc, byte[] responseSecret) {
        this.encapsulated = encapsulated;
        this.suite = suite;
        this.enc = enc;
        this.responseSecret = responseSecret;
    }

    /** Encapsulates {@code request} (a Binary HTTP message) to {@code config} with {@code algorithm}. */
    public static ObliviousRequest encapsulate(
            KeyConfig config, SymmetricAlgorithm algorithm, byte[] request, SecureRandom random) throws OhttpException {
        return encapsulate(config, algorithm, request, (HpkeSuite suite) -> {
            return Hpke.setupBaseSender(
                    suite,
                    config.publicKey().toByteArray(),
                    new RequestHeader(config.keyId(), suite).info(RequestHeader.REQUEST_LABEL),
                    random);
        });
    }

    /** As {@link #encapsulate(KeyConfig, SymmetricAlgorithm, byte[], SecureRandom)} with a fixed ephemeral key. */
    static ObliviousRequest encapsulate(
            KeyConfig config, SymmetricAlgorithm algorithm, byte[] request, HpkePrivateKey ephemeral)
            throws OhttpException {
        return encapsulate(config, algorithm, request, (HpkeSuite suite) -> {
            return Hpke.setupBaseSender(
                    suite,
                    config.publicKey().toByteArray(),
                    new RequestHeader(config.keyId(), suite).info(RequestHeader.REQUEST_LABEL),
                    ephemeral);
        });
    }

    interface Setup {
        Hpke.SenderSetup run(HpkeSuite suite) throws HpkeException;
    }

    private static ObliviousRequest encapsulate(
            KeyConfig config, SymmetricAlgorithm algorithm, byte[] request, Setup setup) throws OhttpException {
        if (!config.accepts(algorithm)) {
            throw new OhttpException(
                    OhttpException.Reason.KEY_CONFIGURATION,
                    "key config " + config.keyId() + " does not offer " + algorithm);
        }
        HpkeSuite suite = new HpkeSuite(config.kem(), algorithm.kdf(), algorithm.aead());
        RequestHeader header = new RequestHeader(config.keyId(), suite);
        try {
            Hpke.SenderSetup sender = setup.run(suite);
            byte[] ct = sender.context().seal(new byte[0], request);
            byte[] secret = ResponseKeys.exportSecret(sender.context(), RequestHeader.RESPONSE_LABEL);
            sender.context().destroy();
            byte[] hdr = header.encode();
            byte[] enc = sender.enc().toByteArray();
            byte[] out = new byte[hdr.length + enc.length + ct.length];
            System.arraycopy(hdr, 0, out, 0, hdr.length);
            System.arraycopy(enc, 0, out, hdr.length, enc.length);
            System.arraycopy(ct, 0, out, hdr.length + enc.length, ct.length);
            return new ObliviousRequest(out, suite, enc, secret);
        } catch (HpkeException e) {
            throw new OhttpException(
                    OhttpException.Reason.KEY_CONFIGURATION, "encapsulation failed: " + e.getMessage(), e);
        }
    }

    /** The encapsulated request, {@code message/ohttp-req}. */
    public byte[] bytes() {
        return encapsulated.clone();
    }

    /**
     * Opens the encapsulated response ({@code message/ohttp-res}) to this request: {@code response_nonce || ct}.
     * A request has exactly one response; its secrets are zeroed afterwards.
     */
    public byte[] openResponse(byte[] encapsulatedResponse) throws OhttpException {
        if (responseOpened) {
            throw new IllegalStateException("this request's response was already opened");
        }
        int nonceLength = ResponseKeys.entropyLength(suite.aead());
        if (encapsulatedResponse.length < nonceLength + suite.aead().nT()) {
            throw new OhttpException(OhttpException.Reason.MALFORMED, "encapsulated response too short");
        }
        byte[] responseNonce = Arrays.copyOfRange(encapsulatedResponse, 0, nonceLength);
        ResponseKeys keys = ResponseKeys.derive(suite, responseSecret, enc, responseNonce);
        try {
            return HpkeAead.of(suite.aead())
                    .open(
                            keys.key().reveal(),
                            keys.nonce().reveal(),
                            new byte[0],
                            encapsulatedResponse,
                            nonceLength,
                            encapsulatedResponse.length - nonceLength);
        } catch (HpkeException e) {
            throw new OhttpException(OhttpException.Reason.DECRYPTION_FAILED, "response did not authenticate");
        } finally {
            keys.destroy();
            Arrays.fill(responseSecret, (byte) 0);
            responseOpened = true;
        }
    }

    @Override
    public String toString() {
        return "ObliviousRequest[" + suite + ", " + encapsulated.length + " bytes]";
    }
}
