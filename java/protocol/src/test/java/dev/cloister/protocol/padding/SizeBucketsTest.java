package dev.cloister.protocol.padding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class SizeBucketsTest {

    @Test
    void messagesArePaddedToTheNextPowerOfTwoFromTheMinimum() {
        SizeBuckets buckets = SizeBuckets.DEFAULT;
        assertEquals(1024, buckets.size(0));
        assertEquals(1024, buckets.size(1));
        assertEquals(1024, buckets.size(1024));
        assertEquals(2048, buckets.size(1025));
        assertEquals(2048, buckets.size(2048));
        assertEquals(4096, buckets.size(2049));
        assertEquals(1 << 30, buckets.size((1 << 29) + 1));
        assertEquals(1023, buckets.padding(1));
        assertEquals(0, buckets.padding(4096));
        assertEquals(65536, new SizeBuckets(65536).size(100));
    }

    @Test
    void nonsenseBucketsAndSizesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SizeBuckets(1000));
        assertThrows(IllegalArgumentException.class, () -> new SizeBuckets(32));
        assertThrows(IllegalArgumentException.class, () -> new SizeBuckets(1 << 21));
        assertThrows(IllegalArgumentException.class, () -> SizeBuckets.DEFAULT.size(-1));
        assertThrows(IllegalArgumentException.class, () -> SizeBuckets.DEFAULT.size((1L << 30) + 1));
    }

    @Test
    void theHeaderNamesAModeOrNone() throws Exception {
        assertEquals(Optional.empty(), PaddingMode.of(Optional.empty()));
        assertEquals(Optional.of(PaddingMode.FRAMES), PaddingMode.of(Optional.of("frames")));
        assertEquals(Optional.of(PaddingMode.BUCKET), PaddingMode.of(Optional.of("bucket")));
        PaddingMode.UnknownModeException e =
                assertThrows(PaddingMode.UnknownModeException.class, () -> PaddingMode.of(Optional.of("FRAMES")));
        assertEquals("cloister-padding names an unknown padding mode (use frames or bucket)", e.getMessage());
    }
}
