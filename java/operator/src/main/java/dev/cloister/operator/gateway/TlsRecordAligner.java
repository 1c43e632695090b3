package dev.cloister.operator.gateway;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Cuts the enclave's TLS bytes, as they arrive from its connection in pieces of whatever size TCP made, back into
 * whole TLS records (RFC 8446 §5.1: a 5-byte header whose last two bytes give the length), so that each record the
 * enclave wrote leaves as one OHTTP chunk. The enclave pads its answer into records of one size (issue 15, item 1);
 * without this, a split or merged read would show the relay chunk sizes that depend on the network instead.
 *
 * <p>Holds at most one record. A header that no TLS 1.3 record can have (longer than 2^14 + 256 bytes) ends the
 * alignment: from then on the bytes pass as they come, and the client's TLS refuses them.
 */
final class TlsRecordAligner {

    /** The largest TLSCiphertext.length (RFC 8446 §5.2). */
    static final int MAX_RECORD = (1 << 14) + 256;

    private static final int HEADER = 5;

    private byte[] held = new byte[0];
    private boolean passThrough;

    /** The whole records {@code piece} completes, each on its own, in order (possibly none). */
    List<byte[]> offer(byte[] piece) {
        if (passThrough) return piece.length == 0 ? List.of() : List.of(piece);
        byte[] bytes = held.length == 0 ? piece : concat(held, piece);
        List<byte[]> records = new ArrayList<>();
        int at = 0;
        while (bytes.length - at >= HEADER) {
            int length = ((bytes[at + 3] & 0xff) << 8) | (bytes[at + 4] & 0xff);
            if (length > MAX_RECORD) {
                passThrough = true;
                records.add(Arrays.copyOfRange(bytes, at, bytes.length));
                at = bytes.length;
                break;
            }
            if (bytes.length - at < HEADER + length) break;
            records.add(Arrays.copyOfRange(bytes, at, at + HEADER + length));
            at += HEADER + length;
        }
        held = Arrays.copyOfRange(bytes, at, bytes.length);
        return records;
    }

    /** What is left at the end of the answer: a record cut short (sent as it is; the client's TLS refuses it). */
    byte[] rest() {
        byte[] rest = held;
        held = new byte[0];
        return rest;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
