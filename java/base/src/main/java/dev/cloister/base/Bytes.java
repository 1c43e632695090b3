package dev.cloister.base;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable byte string with value equality: a digest, a public key, an encoded structure. Bytes are copied in
 * ({@link #of}) and out ({@link #toByteArray()}), so no caller can change a value another holds; records that hold
 * {@code Bytes} get a correct {@code equals}, {@code hashCode} and {@code toString} without writing them.
 *
 * <p>{@link #equals} is not constant-time; compare secret-derived values (MACs, tags) with
 * {@link #equalsConstantTime}, and hold key material in {@link SecretBytes}, not here.
 */
public final class Bytes implements Comparable<Bytes> {

    /** The empty byte string. */
    public static final Bytes EMPTY = new Bytes(new byte[0]);

    /** {@link #toString()} shows all of a value up to this many bytes, and a prefix of a longer one. */
    static final int SHOWN_IN_FULL = 32;

    private static final int PREFIX_SHOWN = 8;

    private final byte[] bytes;
    private int hash;

    private Bytes(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A copy of {@code bytes}. */
    public static Bytes of(byte[] bytes) {
        return bytes.length == 0 ? EMPTY : new Bytes(bytes.clone());
    }

    /** A copy of {@code bytes[from, to)}. */
    public static Bytes of(byte[] bytes, int from, int to) {
        Objects.checkFromToIndex(from, to, bytes.length);
        return from == to ? EMPTY : new Bytes(Arrays.copyOfRange(bytes, from, to));
    }

    /** The remaining bytes of {@code buffer}, which this reads to its limit. */
    public static Bytes of(ByteBuffer buffer) {
        byte[] b = new byte[buffer.remaining()];
        buffer.get(b);
        return b.length == 0 ? EMPTY : new Bytes(b);
    }

    /**
     * The bytes that {@code hex} spells (see {@link Hex#parse(CharSequence)}).
     *
     * @throws MalformedHexException for text that is not strict hex
     */
    public static Bytes fromHex(CharSequence hex) {
        byte[] b = Hex.parse(hex);
        return b.length == 0 ? EMPTY : new Bytes(b);
    }

    /** {@code parts[0] ‖ parts[1] ‖ …}. */
    public static Bytes concat(Bytes... parts) {
        int n = 0;
        for (Bytes p : parts) {
            n = Math.addExact(n, p.bytes.length);
        }
        byte[] out = new byte[n];
        int at = 0;
        for (Bytes p : parts) {
            System.arraycopy(p.bytes, 0, out, at, p.bytes.length);
            at += p.bytes.length;
        }
        return n == 0 ? EMPTY : new Bytes(out);
    }

    /** {@code this ‖ other}. */
    public Bytes concat(Bytes other) {
        return concat(this, other);
    }

    /** A copy of the bytes. */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** A read-only view of the bytes (no copy), positioned at the start. */
    public ByteBuffer asReadOnlyBuffer() {
        return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
    }

    public int length() {
        return bytes.length;
    }

    public boolean isEmpty() {
        return bytes.length == 0;
    }

    /** The byte at {@code index}. */
    public byte get(int index) {
        return bytes[Objects.checkIndex(index, bytes.length)];
    }

    /** The bytes {@code [from, to)}. */
    public Bytes slice(int from, int to) {
        Objects.checkFromToIndex(from, to, bytes.length);
        return from == 0 && to == bytes.length ? this : of(bytes, from, to);
    }

    /** Copies the bytes into {@code destination} at {@code offset}. */
    public void copyTo(byte[] destination, int offset) {
        System.arraycopy(bytes, 0, destination, offset, bytes.length);
    }

    /** Feeds the bytes to {@code digest} (no copy). */
    public void updateDigest(MessageDigest digest) {
        digest.update(bytes);
    }

    /** Lowercase hex of the bytes. */
    public String hex() {
        return Hex.format(bytes);
    }

    /** Whether {@code other} holds the same bytes as this (not constant-time). */
    public boolean contentEquals(byte[] other) {
        return Arrays.equals(bytes, other);
    }

    /** Whether {@code other} holds the same bytes, in time that depends only on the lengths. */
    public boolean equalsConstantTime(Bytes other) {
        return MessageDigest.isEqual(bytes, other.bytes);
    }

    /** Whether {@code other} holds the same bytes, in time that depends only on the lengths. */
    public boolean equalsConstantTime(byte[] other) {
        return MessageDigest.isEqual(bytes, other);
    }

    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof Bytes other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = Arrays.hashCode(bytes);
            hash = h;
        }
        return h;
    }

    /** Unsigned lexicographic order: the order of the hex spellings. */
    @Override
    public int compareTo(Bytes other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    /** The hex of a value of up to 32 bytes; the length and the first 8 bytes of a longer one. */
    @Override
    public String toString() {
        if (bytes.length <= SHOWN_IN_FULL) {
            return hex();
        }
        return bytes.length + " bytes " + Hex.format(bytes, 0, PREFIX_SHOWN) + "…";
    }
}
