package dev.cloister.wire.hpke;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import javax.crypto.Mac;

/**
 * HKDF (RFC 5869) and the labeled variants HPKE builds on (RFC 9180 §4).
 *
 * <p>HMAC comes from the {@link HpkeEngine} given (by default {@link HpkeEngine#selected()}: AWS-LC where it loads, else
 * the JDK, whose SHA-NI intrinsics beat BouncyCastle's lightweight {@code HMac} in {@code PrimitiveChoiceBenchmark}).
 * Instances are immutable and thread-safe.
 */
public final class HpkeKdf {

    private static final byte[] HPKE_V1 = "HPKE-v1".getBytes(StandardCharsets.US_ASCII);

    private final KdfId id;
    private final HpkeEngine engine;

    private HpkeKdf(KdfId id, HpkeEngine engine) {
        this.id = id;
        this.engine = engine;
    }

    private static final Map<HpkeEngine, Map<KdfId, HpkeKdf>> ALL = new EnumMap<>(HpkeEngine.class);

    static {
        for (HpkeEngine engine : HpkeEngine.values()) {
            Map<KdfId, HpkeKdf> byId = new EnumMap<>(KdfId.class);
            for (KdfId id : KdfId.values()) byId.put(id, new HpkeKdf(id, engine));
            ALL.put(engine, byId);
        }
    }

    /** The KDF {@code id} computed by {@link HpkeEngine#selected()}. */
    public static HpkeKdf of(KdfId id) {
        return of(id, HpkeEngine.selected());
    }

    /** The KDF {@code id} computed by {@code engine}. */
    public static HpkeKdf of(KdfId id, HpkeEngine engine) {
        return ALL.get(engine).get(id);
    }

    public KdfId id() {
        return id;
    }

    /** {@code Extract(salt, ikm)}: HMAC(salt, ikm), with an empty salt meaning Nh zero bytes. */
    public byte[] extract(byte[] salt, byte[] ikm) {
        Mac mac = mac(salt.length == 0 ? new byte[id.nH()] : salt);
        return mac.doFinal(ikm);
    }

    /** {@code Expand(prk, info, L)}. */
    public byte[] expand(byte[] prk, byte[] info, int length) {
        if (length < 0 || length > 255 * id.nH()) {
            throw new IllegalArgumentException("HKDF-Expand length out of range: " + length);
        }
        Mac mac = mac(prk);
        byte[] out = new byte[length];
        byte[] t = new byte[0];
        int written = 0;
        for (int i = 1; written < length; i++) {
            mac.update(t);
            mac.update(info);
            mac.update((byte) i);
            t = mac.doFinal();
            int n = Math.min(t.length, length - written);
            System.arraycopy(t, 0, out, written, n);
            written += n;
        }
        Arrays.fill(t, (byte) 0);
        return out;
    }

    /** {@code LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" || suite_id || label || ikm)}. */
    public byte[] labeledExtract(byte[] suiteId, byte[] salt, String label, byte[] ikm) {
        Mac mac = mac(salt.length == 0 ? new byte[id.nH()] : salt);
        mac.update(HPKE_V1);
        mac.update(suiteId);
        mac.update(label.getBytes(StandardCharsets.US_ASCII));
        mac.update(ikm);
        return mac.doFinal();
    }

    /**
     * {@code LabeledExpand(prk, label, info, L) = Expand(prk, I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info, L)}.
     */
    public byte[] labeledExpand(byte[] suiteId, byte[] prk, String label, byte[] info, int length) {
        if (length > 0xffff) {
            throw new IllegalArgumentException("LabeledExpand length over 2^16-1: " + length);
        }
        byte[] labelBytes = label.getBytes(StandardCharsets.US_ASCII);
        byte[] labeledInfo = new byte[2 + HPKE_V1.length + suiteId.length + labelBytes.length + info.length];
        labeledInfo[0] = (byte) (length >>> 8);
        labeledInfo[1] = (byte) length;
        int p = 2;
        System.arraycopy(HPKE_V1, 0, labeledInfo, p, HPKE_V1.length);
        p += HPKE_V1.length;
        System.arraycopy(suiteId, 0, labeledInfo, p, suiteId.length);
        p += suiteId.length;
        System.arraycopy(labelBytes, 0, labeledInfo, p, labelBytes.length);
        p += labelBytes.length;
        System.arraycopy(info, 0, labeledInfo, p, info.length);
        return expand(prk, labeledInfo, length);
    }

    /** This thread's HMAC object, keyed with {@code key}: used to the end before the next call to this method. */
    private Mac mac(byte[] key) {
        return engine.hmac(id, key);
    }
}
