package dev.cloister.tokens.h2c;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * {@code expand_message_xmd} of RFC 9380 §5.3.1, with the oversize-DST rule of §5.3.3.
 *
 * @param hashAlgorithm a JDK {@link MessageDigest} name ("SHA-256", "SHA-384", "SHA-512")
 * @param outputBytes   b_in_bytes, the digest output size
 * @param blockBytes    s_in_bytes, the digest's input block size
 */
public record ExpandMessageXmd(String hashAlgorithm, int outputBytes, int blockBytes) {

    public static final ExpandMessageXmd SHA256 = new ExpandMessageXmd("SHA-256", 32, 64);
    public static final ExpandMessageXmd SHA384 = new ExpandMessageXmd("SHA-384", 48, 128);
    public static final ExpandMessageXmd SHA512 = new ExpandMessageXmd("SHA-512", 64, 128);

    private static final byte[] OVERSIZE_PREFIX =
            "H2C-OVERSIZE-DST-".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    public ExpandMessageXmd {
        if (outputBytes <= 0 || blockBytes < outputBytes) {
            throw new IllegalArgumentException("bad digest sizes " + outputBytes + "/" + blockBytes);
        }
        try {
            if (MessageDigest.getInstance(hashAlgorithm).getDigestLength() != outputBytes) {
                throw new IllegalArgumentException(hashAlgorithm + " does not output " + outputBytes + " bytes");
            }
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalArgumentException("no digest " + hashAlgorithm, e);
        }
    }

    /** A fresh digest instance of this hash. */
    public MessageDigest digest() {
        try {
            return MessageDigest.getInstance(hashAlgorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(hashAlgorithm + " vanished", e);
        }
    }

    /**
     * RFC 9380 §5.3.1 expand_message_xmd(msg, DST, len_in_bytes).
     *
     * @throws IllegalArgumentException when len_in_bytes is 0, above 65535, or needs more than 255 blocks
     */
    public byte[] expand(byte[] msg, byte[] dst, int lenInBytes) {
        int ell = (lenInBytes + outputBytes - 1) / outputBytes;
        if (lenInBytes <= 0 || lenInBytes > 65535 || ell > 255) {
            throw new IllegalArgumentException("expand_message_xmd: len_in_bytes " + lenInBytes + " out of range");
        }
        MessageDigest h = digest();
        byte[] dstPrime = dstPrime(h, dst);
        h.update(new byte[blockBytes]);
        h.update(msg);
        h.update((byte) (lenInBytes >>> 8));
        h.update((byte) lenInBytes);
        h.update((byte) 0);
        h.update(dstPrime);
        byte[] b0 = h.digest();

        byte[] out = new byte[lenInBytes];
        // b_1 = H(b_0 ‖ 1 ‖ DST'), b_i = H(strxor(b_0, b_(i-1)) ‖ i ‖ DST'); with b_0 XOR 0 = b_0 one loop does both.
        byte[] previous = new byte[outputBytes];
        byte[] input = new byte[outputBytes];
        for (int i = 1; i <= ell; i++) {
            for (int j = 0; j < outputBytes; j++) {
                input[j] = (byte) (b0[j] ^ previous[j]);
            }
            h.update(input);
            h.update((byte) i);
            h.update(dstPrime);
            previous = h.digest();
            System.arraycopy(
                    previous, 0, out, (i - 1) * outputBytes, Math.min(outputBytes, lenInBytes - (i - 1) * outputBytes));
        }
        return out;
    }

    /** DST_prime = DST ‖ I2OSP(len(DST), 1), after hashing a DST longer than 255 bytes (§5.3.3). */
    private byte[] dstPrime(MessageDigest h, byte[] dst) {
        byte[] d = dst;
        if (d.length > 255) {
            h.update(OVERSIZE_PREFIX);
            h.update(d);
            d = h.digest();
        }
        byte[] prime = new byte[d.length + 1];
        System.arraycopy(d, 0, prime, 0, d.length);
        prime[d.length] = (byte) d.length;
        return prime;
    }
}
