package dev.cloister.base;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class BytesTest {

    @Test
    void copiesInAndOut() {
        byte[] raw = {1, 2, 3};
        Bytes b = Bytes.of(raw);
        raw[0] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, b.toByteArray());
        b.toByteArray()[1] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, b.toByteArray());
    }

    @Test
    void valueEqualityAndHashCode() {
        Bytes a = Bytes.of(new byte[] {1, 2, 3});
        Bytes b = Bytes.fromHex("010203");
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, Bytes.of(new byte[] {1, 2}));
        assertNotEquals(a, Bytes.of(new byte[] {1, 2, 4}));
        assertNotEquals(a, "010203");
        assertTrue(a.contentEquals(new byte[] {1, 2, 3}));
        assertFalse(a.contentEquals(new byte[] {1, 2}));
    }

    @Test
    void recordsHoldingBytesCompareByValue() {
        record Digest(String algorithm, Bytes value) {}
        assertEquals(new Digest("sha-256", Bytes.fromHex("00ff")), new Digest("sha-256", Bytes.of(new byte[] {0, -1})));
        assertEquals("Digest[algorithm=sha-256, value=00ff]", new Digest("sha-256", Bytes.fromHex("00ff")).toString());
    }

    @Test
    void constantTimeEquality() {
        Bytes a = Bytes.fromHex("aabbcc");
        assertTrue(a.equalsConstantTime(Bytes.fromHex("aabbcc")));
        assertFalse(a.equalsConstantTime(Bytes.fromHex("aabbcd")));
        assertFalse(a.equalsConstantTime(Bytes.fromHex("aabb")));
        assertTrue(a.equalsConstantTime(new byte[] {(byte) 0xaa, (byte) 0xbb, (byte) 0xcc}));
    }

    @Test
    void emptyIsOneValue() {
        assertSame(Bytes.EMPTY, Bytes.of(new byte[0]));
        assertSame(Bytes.EMPTY, Bytes.fromHex(""));
        assertSame(Bytes.EMPTY, Bytes.concat());
        assertTrue(Bytes.EMPTY.isEmpty());
        assertEquals("", Bytes.EMPTY.toString());
    }

    @Test
    void sliceConcatAndAccess() {
        Bytes b = Bytes.fromHex("0001020304");
        assertEquals(Bytes.fromHex("0102"), b.slice(1, 3));
        assertSame(b, b.slice(0, 5));
        assertEquals(Bytes.EMPTY, b.slice(2, 2));
        assertEquals(Bytes.fromHex("000102030405"), b.concat(Bytes.fromHex("05")));
        assertEquals(
                Bytes.fromHex("0102ff"), Bytes.concat(Bytes.fromHex("01"), Bytes.fromHex("02"), Bytes.fromHex("ff")));
        assertEquals(Bytes.fromHex("0203"), Bytes.of(new byte[] {1, 2, 3, 4}, 1, 3));
        assertEquals(3, b.get(3));
        assertEquals(5, b.length());
        assertThrows(IndexOutOfBoundsException.class, () -> b.get(5));
        assertThrows(IndexOutOfBoundsException.class, () -> b.slice(3, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> Bytes.of(new byte[2], 1, 3));
        byte[] into = new byte[7];
        b.copyTo(into, 2);
        assertArrayEquals(new byte[] {0, 0, 0, 1, 2, 3, 4}, into);
    }

    @Test
    void buffersAreReadOnlyViews() {
        Bytes b = Bytes.fromHex("0102");
        ByteBuffer view = b.asReadOnlyBuffer();
        assertEquals(2, view.remaining());
        assertThrows(ReadOnlyBufferException.class, () -> view.put(0, (byte) 9));
        ByteBuffer src = ByteBuffer.wrap(new byte[] {5, 6, 7});
        src.get();
        assertEquals(Bytes.fromHex("0607"), Bytes.of(src));
        assertEquals(0, src.remaining());
    }

    @Test
    void digestSeesTheBytes() throws Exception {
        Bytes b = Bytes.fromHex("616263");
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        b.updateDigest(md);
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Hex.format(md.digest()));
    }

    @Test
    void orderIsUnsignedLexicographic() {
        List<Bytes> l = new ArrayList<>(List.of(
                Bytes.fromHex("ff"), Bytes.fromHex("00"), Bytes.fromHex("0000"), Bytes.fromHex("7f"), Bytes.EMPTY));
        Collections.sort(l);
        assertEquals(
                List.of(
                        Bytes.EMPTY,
                        Bytes.fromHex("00"),
                        Bytes.fromHex("0000"),
                        Bytes.fromHex("7f"),
                        Bytes.fromHex("ff")),
                l);
    }

    @Test
    void toStringShowsShortValuesWholeAndLongOnesByPrefix() {
        byte[] thirtyTwo = new byte[32];
        thirtyTwo[31] = 1;
        assertEquals("00".repeat(31) + "01", Bytes.of(thirtyTwo).toString());
        byte[] long_ = new byte[33];
        long_[0] = (byte) 0xab;
        assertEquals("33 bytes ab00000000000000…", Bytes.of(long_).toString());
    }

    @Test
    void badHexIsRefused() {
        assertThrows(MalformedHexException.class, () -> Bytes.fromHex("0g"));
    }
}
