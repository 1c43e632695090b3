package dev.cloister.base;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class SecretBytesTest {

    @Test
    void copiesInAndRevealsCopies() {
        byte[] raw = {1, 2, 3};
        SecretBytes s = SecretBytes.copyOf(raw);
        raw[0] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, s.reveal());
        s.reveal()[0] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, s.reveal());
        assertEquals(3, s.length());
    }

    @Test
    void takeFromZeroesTheSource() {
        byte[] raw = {1, 2, 3};
        SecretBytes s = SecretBytes.takeFrom(raw);
        assertArrayEquals(new byte[3], raw);
        assertArrayEquals(new byte[] {1, 2, 3}, s.reveal());
    }

    @Test
    void toStringShowsOnlyTheLength() {
        byte[] raw = Hex.parse("deadbeefcafe");
        SecretBytes s = SecretBytes.copyOf(raw);
        assertEquals("SecretBytes[6 bytes, redacted]", s.toString());
        assertFalse(s.toString().contains("dead"));
    }

    @Test
    void destroyZeroesAndLaterReadsFail() {
        SecretBytes s = SecretBytes.copyOf(new byte[] {1, 2, 3});
        assertFalse(s.isDestroyed());
        s.destroy();
        assertTrue(s.isDestroyed());
        IllegalStateException e = assertThrows(IllegalStateException.class, s::reveal);
        assertEquals("secret of 3 bytes already destroyed", e.getMessage());
        assertEquals(3, s.length());
        assertEquals(SecretBytes.copyOf(new byte[3]), s);
    }

    @Test
    void equalityIsByValueAndHashIsTheLengthOnly() {
        SecretBytes a = SecretBytes.copyOf(new byte[] {1, 2, 3});
        assertEquals(a, SecretBytes.copyOf(new byte[] {1, 2, 3}));
        assertNotEquals(a, SecretBytes.copyOf(new byte[] {1, 2, 4}));
        assertNotEquals(a, SecretBytes.copyOf(new byte[] {1, 2}));
        assertNotEquals(a, Bytes.of(new byte[] {1, 2, 3}));
        assertEquals(3, a.hashCode());
        assertEquals(a.hashCode(), SecretBytes.copyOf(new byte[] {7, 7, 7}).hashCode());
    }

    @Test
    void emptySecretsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> SecretBytes.copyOf(new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> SecretBytes.random(new SecureRandom(), 0));
    }

    @Test
    void randomSecretsHaveTheLengthAsked() {
        SecretBytes r = SecretBytes.random(new SecureRandom(), 32);
        assertEquals(32, r.length());
        assertNotEquals(r, SecretBytes.random(new SecureRandom(), 32));
    }
}
