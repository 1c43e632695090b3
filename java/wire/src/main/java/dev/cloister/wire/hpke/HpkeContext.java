package dev.cloister.wire.hpke;

import java.util.Arrays;

/**
 * An HPKE encryption context (RFC 9180 §5.2 and §5.3): the AEAD key, the base nonce, the sequence number and the
 * exporter secret. A sender context seals, a recipient context opens, both export.
 *
 * <p>Not thread-safe: the sequence number advances with every seal or open, in message order.
 */
public abstract sealed class HpkeContext permits HpkeContext.Sender, HpkeContext.Recipient {

    private final HpkeSuite suite;
    private final byte[] key;
    private final byte[] baseNonce;
    private final byte[] exporterSecret;
    private long sequence;
    private boolean destroyed;

    private HpkeContext(HpkeSuite suite, byte[] key, byte[] baseNonce, byte[] exporterSecret) {
        this.suite = suite;
        this.key = key;
        this.baseNonce = baseNonce;
        this.exporterSecret = exporterSecret;
    }

    public HpkeSuite suite() {
        return suite;
    }

    /** {@code Context.Export(exporter_context, L) = LabeledExpand(exporter_secret, "sec", exporter_context, L)}. */
    public byte[] export(byte[] exporterContext, int length) {
        checkLive();
        if (length < 0 || length > 255 * suite.kdf().nH()) {
            throw new IllegalArgumentException("export length out of range: " + length);
        }
        return HpkeKdf.of(suite.kdf()).labeledExpand(suite.suiteId(), exporterSecret, "sec", exporterContext, length);
    }

    /** The sequence number of the next message. */
    public long sequence() {
        return sequence;
    }

    /** Zeroes the key, nonce and exporter secret; the context is unusable afterwards. */
    public void destroy() {
        destroyed = true;
        Arrays.fill(key, (byte) 0);
        Arrays.fill(baseNonce, (byte) 0);
        Arrays.fill(exporterSecret, (byte) 0);
    }

    /** A destroyed context holds zeros where its keys were: using it must fail, never seal or open under them. */
    private void checkLive() {
        if (destroyed) {
            throw new IllegalStateException("HPKE context already destroyed");
        }
    }

    /** {@code ComputeNonce(seq) = base_nonce XOR I2OSP(seq, Nn)}. */
    private byte[] computeNonce() {
        checkLive();
        byte[] nonce = baseNonce.clone();
        long seq = sequence;
        for (int i = nonce.length - 1; i >= nonce.length - 8 && i >= 0; i--) {
            nonce[i] ^= (byte) seq;
            seq >>>= 8;
        }
        return nonce;
    }

    /** {@code IncrementSeq()}: a sequence number that would wrap is a MessageLimitReachedError. */
    private void incrementSequence() throws HpkeException {
        if (sequence == Long.MAX_VALUE) {
            throw new HpkeException("MessageLimitReachedError");
        }
        sequence++;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + suite + ", seq=" + sequence + ", secrets redacted]";
    }

    /** The sender's context: {@code Seal(aad, pt)}. */
    public static final class Sender extends HpkeContext {
        Sender(HpkeSuite suite, byte[] key, byte[] baseNonce, byte[] exporterSecret) {
            super(suite, key, baseNonce, exporterSecret);
        }

        public byte[] seal(byte[] aad, byte[] plaintext) throws HpkeException {
            return seal(aad, plaintext, 0, plaintext.length);
        }

        public byte[] seal(byte[] aad, byte[] plaintext, int offset, int length) throws HpkeException {
            byte[] ct =
                    HpkeAead.of(suite().aead()).seal(super.key, super.computeNonce(), aad, plaintext, offset, length);
            super.incrementSequence();
            return ct;
        }
    }

    /** The recipient's context: {@code Open(aad, ct)}. */
    public static final class Recipient extends HpkeContext {
        Recipient(HpkeSuite suite, byte[] key, byte[] baseNonce, byte[] exporterSecret) {
            super(suite, key, baseNonce, exporterSecret);
        }

        public byte[] open(byte[] aad, byte[] ciphertext) throws HpkeException {
            return open(aad, ciphertext, 0, ciphertext.length);
        }

        public byte[] open(byte[] aad, byte[] ciphertext, int offset, int length) throws HpkeException {
            byte[] pt =
                    HpkeAead.of(suite().aead()).open(super.key, super.computeNonce(), aad, ciphertext, offset, length);
            super.incrementSequence();
            return pt;
        }
    }
}
