package dev.cloister.wire.ohttp;

import dev.cloister.base.SecretBytes;
import dev.cloister.wire.hpke.AeadId;
import dev.cloister.wire.hpke.HpkeContext;
import dev.cloister.wire.hpke.HpkeKdf;
import dev.cloister.wire.hpke.HpkeSuite;
import java.util.Arrays;

/**
 * The AEAD key and nonce that protect a response (RFC 9458 §4.4, draft-ietf-ohai-chunked-ohttp §6.2):
 *
 * <pre>
 * secret = context.Export(label, max(Nn, Nk))
 * salt = concat(enc, response_nonce)
 * prk = Extract(salt, secret)
 * aead_key = Expand(prk, "key", Nk)
 * aead_nonce = Expand(prk, "nonce", Nn)
 * </pre>
 */
record ResponseKeys(SecretBytes key, SecretBytes nonce) {

    private static final byte[] KEY = {'k', 'e', 'y'};
    private static final byte[] NONCE = {'n', 'o', 'n', 'c', 'e'};

    /** {@code max(Nn, Nk)}: the length of the response nonce and of the exported secret. */
    static int entropyLength(AeadId aead) {
        return Math.max(aead.nN(), aead.nK());
    }

    /** The exported secret for {@code label}; it is all the response side needs to keep from the HPKE context. */
    static byte[] exportSecret(HpkeContext context, byte[] label) {
        return context.export(label, entropyLength(context.suite().aead()));
    }

    static ResponseKeys derive(HpkeSuite suite, byte[] secret, byte[] enc, byte[] responseNonce) {
        HpkeKdf kdf = HpkeKdf.of(suite.kdf());
        byte[] salt = new byte[enc.length + responseNonce.length];
        System.arraycopy(enc, 0, salt, 0, enc.length);
        System.arraycopy(responseNonce, 0, salt, enc.length, responseNonce.length);
        byte[] prk = kdf.extract(salt, secret);
        ResponseKeys keys = new ResponseKeys(
                SecretBytes.takeFrom(kdf.expand(prk, KEY, suite.aead().nK())),
                SecretBytes.takeFrom(kdf.expand(prk, NONCE, suite.aead().nN())));
        Arrays.fill(prk, (byte) 0);
        return keys;
    }

    /** {@code aead_nonce XOR encode(Nn, counter)} for chunk number {@code counter}. */
    byte[] chunkNonce(long counter) {
        byte[] out = nonce.reveal();
        for (int i = out.length - 1; i >= 0 && counter != 0; i--) {
            out[i] ^= (byte) counter;
            counter >>>= 8;
        }
        return out;
    }

    void destroy() {
        key.destroy();
        nonce.destroy();
    }
}
