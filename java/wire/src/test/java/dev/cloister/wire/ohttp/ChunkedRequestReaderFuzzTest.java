package dev.cloister.wire.ohttp;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

class ChunkedRequestReaderFuzzTest {

    private static final KeyRing RING = OhttpTestKeys.ring(OhttpTestKeys.seeded(5));
    private static final OhttpLimits LIMITS = new OhttpLimits(8192, 1024);

    /** Arbitrary chunked streams, split at arbitrary points, are refused with a reason, never a crash or a hang. */
    @FuzzTest
    void readStream(FuzzedDataProvider data) {
        ChunkedRequestReader reader = new ChunkedRequestReader(() -> RING, OhttpTestKeys.NOW, LIMITS);
        try {
            while (data.remainingBytes() > 0) {
                int n = data.consumeInt(0, 64);
                reader.offer(data.consumeBytes(n));
            }
            reader.finish();
        } catch (OhttpException expected) {
            // refused with a reason
        }
    }
}
