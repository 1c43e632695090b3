package dev.cloister.base;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class HexTest {

    @Test
    void formatsLowercaseAndUppercase() {
        byte[] b = {0x00, 0x7f, (byte) 0x80, (byte) 0xff, 0x0a};
        assertEquals("007f80ff0a", Hex.format(b));
        assertEquals("007F80FF0A", Hex.formatUpperCase(b));
        assertEquals("7f80", Hex.format(b, 1, 3));
        assertEquals("", Hex.format(new byte[0]));
    }

    @Test
    void parsesEitherCase() {
        byte[] b = {0x00, 0x7f, (byte) 0x80, (byte) 0xff, (byte) 0xab};
        assertArrayEquals(b, Hex.parse("007f80ffab"));
        assertArrayEquals(b, Hex.parse("007F80FFAB"));
        assertArrayEquals(new byte[0], Hex.parse(""));
        assertArrayEquals(new byte[] {0x12, 0x34}, Hex.parse("1234"));
    }

    @Test
    void roundTripsEveryByte() {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        assertArrayEquals(all, Hex.parse(Hex.format(all)));
        assertArrayEquals(all, Hex.parse(Hex.formatUpperCase(all)));
    }

    @Test
    void oddLengthIsRefused() {
        MalformedHexException e = assertThrows(MalformedHexException.class, () -> Hex.parse("abc"));
        assertEquals("hex of odd length 3", e.getMessage());
    }

    @Test
    void badCharacterIsNamedWithItsIndex() {
        assertEquals(
                "hex: character 'g' at index 3 is not a hex digit",
                assertThrows(MalformedHexException.class, () -> Hex.parse("00ag"))
                        .getMessage());
        assertEquals(
                "hex: character U+0020 at index 2 is not a hex digit",
                assertThrows(MalformedHexException.class, () -> Hex.parse("00 1"))
                        .getMessage());
        assertEquals(
                "hex: character 'x' at index 1 is not a hex digit",
                assertThrows(MalformedHexException.class, () -> Hex.parse("0x12"))
                        .getMessage());
        assertEquals(
                "hex: character U+000A at index 2 is not a hex digit",
                assertThrows(MalformedHexException.class, () -> Hex.parse("00\n0"))
                        .getMessage());
        assertEquals(
                "hex: character U+0660 at index 0 is not a hex digit",
                assertThrows(MalformedHexException.class, () -> Hex.parse("\u06601"))
                        .getMessage());
    }

    @Test
    void mixedCaseIsRefused() {
        assertEquals(
                "hex mixes lowercase (index 1) and uppercase (index 3) digits",
                assertThrows(MalformedHexException.class, () -> Hex.parse("0a0B"))
                        .getMessage());
    }

    @Test
    void expectedLengthIsChecked() {
        assertArrayEquals(new byte[] {1, 2}, Hex.parse("0102", 2));
        assertEquals(
                "hex of 4 characters, want 6 (3 bytes)",
                assertThrows(MalformedHexException.class, () -> Hex.parse("0102", 3))
                        .getMessage());
    }

    @Test
    void malformedHexIsAnIllegalArgument() {
        // Callers that caught HexFormat's IllegalArgumentException keep working.
        assertThrows(IllegalArgumentException.class, () -> Hex.parse("zz"));
    }
}
