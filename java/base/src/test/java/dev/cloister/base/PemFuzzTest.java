package dev.cloister.base;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;

class PemFuzzTest {

    private static final Pem.Limits LIMITS = new Pem.Limits(16 * 1024, 8);

    /**
     * Any input either fails with a {@link MalformedPemException} or decodes to blocks whose canonical encoding
     * decodes, canonically, to the same blocks; an input accepted as canonical is that encoding byte for byte.
     */
    @FuzzTest
    void decodeEncodeDecode(byte[] input) throws MalformedPemException {
        List<Pem.Block> blocks;
        try {
            blocks = Pem.decode(input, LIMITS);
        } catch (MalformedPemException e) {
            return;
        }
        byte[] canonical = Pem.encode(blocks).getBytes(StandardCharsets.US_ASCII);
        assertEquals(blocks, Pem.decodeCanonical(canonical, new Pem.Limits(Math.max(1, canonical.length), 8)));
        try {
            Pem.decodeCanonical(input, LIMITS);
        } catch (MalformedPemException e) {
            return;
        }
        assertArrayEquals(canonical, input);
    }
}
