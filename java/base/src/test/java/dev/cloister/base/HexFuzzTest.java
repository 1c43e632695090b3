package dev.cloister.base;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;

class HexFuzzTest {

    /**
     * Any string either fails with a {@link MalformedHexException} or parses to bytes whose hex is the string in
     * lowercase (or uppercase): the parse accepts exactly the two spellings {@link Hex} writes.
     */
    @FuzzTest
    void parseFormatParse(@NotNull String input) {
        byte[] b;
        try {
            b = Hex.parse(input);
        } catch (MalformedHexException e) {
            return;
        }
        String lower = Hex.format(b);
        String upper = Hex.formatUpperCase(b);
        if (!input.equals(lower)) {
            assertEquals(upper, input);
        }
        assertArrayEquals(b, Hex.parse(lower));
        assertArrayEquals(b, Hex.parse(upper));
    }
}
