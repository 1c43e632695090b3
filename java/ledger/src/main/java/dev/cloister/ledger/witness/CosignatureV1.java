package dev.cloister.ledger.witness;

import java.nio.charset.StandardCharsets;

/**
 * The Ed25519 cosignature/v1 signed message of c2sp.org/tlog-cosignature §"Ed25519 signed message":
 * {@code "cosignature/v1\n" || "time " || decimal(timestamp) || "\n" || checkpoint note text}, and the
 * {@code timestamped_signature} layout (u64 big-endian timestamp, then the 64-byte Ed25519 signature).
 */
public final class CosignatureV1 {

    /** Length of a {@code timestamped_signature} for Ed25519. */
    public static final int SIGNATURE_SIZE = 8 + 64;

    private static final byte[] HEADER = "cosignature/v1\ntime ".getBytes(StandardCharsets.US_ASCII);

    private CosignatureV1() {}

    /** The message a cosigner signs for {@code checkpointText} at POSIX time {@code timestamp}. */
    public static byte[] message(long timestamp, byte[] checkpointText) {
        if (timestamp < 0) {
            throw new IllegalArgumentException("cosignature timestamp " + timestamp + " exceeds 2^63-1");
        }
        byte[] t = Long.toString(timestamp).getBytes(StandardCharsets.US_ASCII);
        byte[] msg = new byte[HEADER.length + t.length + 1 + checkpointText.length];
        System.arraycopy(HEADER, 0, msg, 0, HEADER.length);
        System.arraycopy(t, 0, msg, HEADER.length, t.length);
        msg[HEADER.length + t.length] = '\n';
        System.arraycopy(checkpointText, 0, msg, HEADER.length + t.length + 1, checkpointText.length);
        return msg;
    }

    /** The timestamp of a {@code timestamped_signature}; -1 when it is not 72 bytes or exceeds 2^63-1. */
    public static long timestamp(byte[] timestampedSignature) {
        if (timestampedSignature.length != SIGNATURE_SIZE) {
            return -1;
        }
        long t = 0;
        for (int i = 0; i < 8; i++) {
            t = (t << 8) | (timestampedSignature[i] & 0xff);
        }
        return t;
    }
}
