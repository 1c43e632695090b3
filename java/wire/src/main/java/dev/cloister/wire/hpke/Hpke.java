package dev.cloister.wire.hpke;

import dev.cloister.base.Bytes;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * HPKE base mode (RFC 9180 §5.1.1): {@code SetupBaseS(pkR, info)} and {@code SetupBaseR(enc, skR, info)}, and the
 * single-shot {@code Seal}/{@code Open} of §6.1.
 */
public final class Hpke {

    private static final byte MODE_BASE = 0x00;

    private Hpke() {}

    /** The sender's half of a base-mode setup: the encapsulated key to send and the context to seal with. */
    public record SenderSetup(Bytes enc, HpkeContext.Sender context) {}

    /** {@code SetupBaseS(pkR, info)} with a fresh ephemeral key. */
    public static SenderSetup setupBaseSender(
            HpkeSuite suite, byte[] recipientPublicKey, byte[] info, SecureRandom random) throws HpkeException {
        Encapsulation encapsulation = HpkeKem.of(suite.kem()).encapsulate(recipientPublicKey, random);
        return new SenderSetup(encapsulation.enc(), senderContext(suite, encapsulation, info));
    }

    /** {@code SetupBaseS(pkR, info)} with a given ephemeral key (deterministic: for test vectors). */
    public static SenderSetup setupBaseSender(
            HpkeSuite suite, byte[] recipientPublicKey, byte[] info, HpkePrivateKey ephemeral) throws HpkeException {
        return setupBaseSender(HpkeKem.of(suite.kem()), suite, recipientPublicKey, info, ephemeral);
    }

    /** {@code SetupBaseS(pkR, info)} with a given ephemeral key and the KEM given (to test each X25519 engine). */
    static SenderSetup setupBaseSender(
            HpkeKem kem, HpkeSuite suite, byte[] recipientPublicKey, byte[] info, HpkePrivateKey ephemeral)
            throws HpkeException {
        if (kem.id() != suite.kem()) {
            throw new HpkeException("KEM " + kem.id() + " does not match the suite's " + suite.kem());
        }
        Encapsulation encapsulation = kem.encapsulate(recipientPublicKey, ephemeral);
        return new SenderSetup(encapsulation.enc(), senderContext(suite, encapsulation, info));
    }

    /** The sender's key schedule; the shared secret is destroyed afterwards. */
    private static HpkeContext.Sender senderContext(HpkeSuite suite, Encapsulation encapsulation, byte[] info) {
        try {
            return (HpkeContext.Sender)
                    keySchedule(suite, encapsulation.sharedSecret().reveal(), info, Role.SENDER);
        } finally {
            encapsulation.sharedSecret().destroy();
        }
    }

    /** {@code SetupBaseR(enc, skR, info)}. */
    public static HpkeContext.Recipient setupBaseRecipient(
            HpkeSuite suite, byte[] enc, HpkePrivateKey recipient, byte[] info) throws HpkeException {
        return setupBaseRecipient(HpkeKem.of(suite.kem()), suite, enc, recipient, info);
    }

    /** {@code SetupBaseR(enc, skR, info)} with the KEM given (to test each X25519 engine). */
    static HpkeContext.Recipient setupBaseRecipient(
            HpkeKem kem, HpkeSuite suite, byte[] enc, HpkePrivateKey recipient, byte[] info) throws HpkeException {
        if (recipient.kem() != suite.kem() || kem.id() != suite.kem()) {
            throw new HpkeException("recipient key is for " + recipient.kem() + ", suite uses " + suite.kem());
        }
        byte[] sharedSecret = kem.decapsulate(enc, recipient);
        return (HpkeContext.Recipient) keySchedule(suite, sharedSecret, info, Role.RECIPIENT);
    }

    /** Single-shot {@code Seal(pkR, info, aad, pt)}: returns {@code enc || ct}. */
    public static byte[] seal(
            HpkeSuite suite, byte[] recipientPublicKey, byte[] info, byte[] aad, byte[] plaintext, SecureRandom random)
            throws HpkeException {
        SenderSetup setup = setupBaseSender(suite, recipientPublicKey, info, random);
        byte[] ct = setup.context().seal(aad, plaintext);
        setup.context().destroy();
        byte[] out = new byte[setup.enc().length() + ct.length];
        setup.enc().copyTo(out, 0);
        System.arraycopy(ct, 0, out, setup.enc().length(), ct.length);
        return out;
    }

    /** Single-shot {@code Open(enc || ct, skR, info, aad)}. */
    public static byte[] open(
            HpkeSuite suite, byte[] encAndCiphertext, HpkePrivateKey recipient, byte[] info, byte[] aad)
            throws HpkeException {
        int nEnc = suite.kem().nEnc();
        if (encAndCiphertext.length < nEnc) {
            throw new HpkeException("single-shot open: input shorter than enc");
        }
        HpkeContext.Recipient context =
                setupBaseRecipient(suite, Arrays.copyOfRange(encAndCiphertext, 0, nEnc), recipient, info);
        try {
            return context.open(aad, encAndCiphertext, nEnc, encAndCiphertext.length - nEnc);
        } finally {
            context.destroy();
        }
    }

    /** A suite and an {@code info}: what {@code key_schedule_context} depends on in mode_base. */
    private record ContextInputs(HpkeSuite suite, Bytes info) {}

    /** The most {@code key_schedule_context} values kept; the least recently used one goes to make room. */
    static final int CONTEXTS_KEPT = 64;

    private static final KeptContexts CONTEXTS = new KeptContexts();

    /**
     * {@code key_schedule_context = concat(mode_base, LabeledExtract("", "psk_id_hash", ""), LabeledExtract("",
     * "info_hash", info))} (RFC 9180 §5.1). It is public and depends only on the suite and {@code info}, which OHTTP
     * fixes per key configuration and algorithm (RFC 9458 §4.3), so the {@link #CONTEXTS_KEPT} most recently used are
     * kept: two HMACs fewer per setup, also after many key rotations. What is kept is public: the suite, {@code info}
     * (in OHTTP the media type and the request header, sent in the clear) and the two hashes; no shared secret, key or
     * nonce. The array returned is never written to.
     */
    static byte[] keyScheduleContext(HpkeSuite suite, byte[] info) {
        ContextInputs inputs = new ContextInputs(suite, Bytes.of(info));
        byte[] kept = CONTEXTS.get(inputs);
        if (kept != null) return kept;
        HpkeKdf kdf = HpkeKdf.of(suite.kdf());
        byte[] suiteId = suite.suiteId();
        byte[] empty = new byte[0];
        byte[] pskIdHash = kdf.labeledExtract(suiteId, empty, "psk_id_hash", empty);
        byte[] infoHash = kdf.labeledExtract(suiteId, empty, "info_hash", info);
        byte[] context = new byte[1 + pskIdHash.length + infoHash.length];
        context[0] = MODE_BASE;
        System.arraycopy(pskIdHash, 0, context, 1, pskIdHash.length);
        System.arraycopy(infoHash, 0, context, 1 + pskIdHash.length, infoHash.length);
        return CONTEXTS.keep(inputs, context);
    }

    /** How many {@code key_schedule_context} values are kept (for tests). */
    static int keptKeyScheduleContexts() {
        return CONTEXTS.size();
    }

    /** Whether the {@code key_schedule_context} of {@code suite} and {@code info} is kept (for tests). */
    static boolean keepsKeyScheduleContext(HpkeSuite suite, byte[] info) {
        return CONTEXTS.contains(new ContextInputs(suite, Bytes.of(info)));
    }

    /**
     * At most {@link #CONTEXTS_KEPT} contexts, least recently used out first. A hit is a lock-free read that writes
     * the entry's use mark only when a context was added since its last use (so a hot entry is not written on every
     * request); adding takes a lock and, when full, drops the entry with the oldest mark (ties: any one of them).
     * Marks are the count of additions, so "recent" means "used since more of the others were added".
     */
    private static final class KeptContexts {
        private static final class Entry {
            final byte[] context;
            volatile long lastUse;

            Entry(byte[] context, long lastUse) {
                this.context = context;
                this.lastUse = lastUse;
            }
        }

        private final ConcurrentHashMap<ContextInputs, Entry> entries = new ConcurrentHashMap<>();
        private volatile long additions; // written under this object's lock only

        byte[] get(ContextInputs inputs) {
            Entry entry = entries.get(inputs);
            if (entry == null) return null;
            long now = additions;
            if (entry.lastUse != now) entry.lastUse = now;
            return entry.context;
        }

        /** Keeps {@code context} unless another thread kept one first; returns the one kept. */
        synchronized byte[] keep(ContextInputs inputs, byte[] context) {
            Entry present = entries.get(inputs);
            if (present != null) return present.context;
            while (entries.size() >= CONTEXTS_KEPT) {
                ContextInputs oldest = null;
                long oldestUse = Long.MAX_VALUE;
                for (var e : entries.entrySet()) {
                    if (e.getValue().lastUse < oldestUse) {
                        oldestUse = e.getValue().lastUse;
                        oldest = e.getKey();
                    }
                }
                entries.remove(oldest);
            }
            long now = additions + 1;
            additions = now;
            entries.put(inputs, new Entry(context, now));
            return context;
        }

        boolean contains(ContextInputs inputs) {
            return entries.containsKey(inputs);
        }

        int size() {
            return entries.size();
        }
    }

    private enum Role {
        SENDER,
        RECIPIENT
    }

    /**
     * {@code KeySchedule(mode_base, shared_secret, info, "", "")} (RFC 9180 §5.1). The shared secret is zeroed
     * afterwards.
     */
    private static HpkeContext keySchedule(HpkeSuite suite, byte[] sharedSecret, byte[] info, Role role) {
        HpkeKdf kdf = HpkeKdf.of(suite.kdf());
        byte[] suiteId = suite.suiteId();
        byte[] empty = new byte[0];
        byte[] context = keyScheduleContext(suite, info);

        byte[] secret = kdf.labeledExtract(suiteId, sharedSecret, "secret", empty);
        AeadId aead = suite.aead();
        byte[] key = aead == AeadId.EXPORT_ONLY ? empty : kdf.labeledExpand(suiteId, secret, "key", context, aead.nK());
        byte[] baseNonce = aead == AeadId.EXPORT_ONLY
                ? empty
                : kdf.labeledExpand(suiteId, secret, "base_nonce", context, aead.nN());
        byte[] exporterSecret =
                kdf.labeledExpand(suiteId, secret, "exp", context, kdf.id().nH());
        Arrays.fill(secret, (byte) 0);
        Arrays.fill(sharedSecret, (byte) 0);
        return role == Role.SENDER
                ? new HpkeContext.Sender(suite, key, baseNonce, exporterSecret)
                : new HpkeContext.Recipient(suite, key, baseNonce, exporterSecret);
    }
}
