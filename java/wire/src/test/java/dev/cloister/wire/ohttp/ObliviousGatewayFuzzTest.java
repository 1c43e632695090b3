package dev.cloister.wire.ohttp;

import com.code_intelligence.jazzer.junit.FuzzTest;

class ObliviousGatewayFuzzTest {

    private static final KeyRing RING = OhttpTestKeys.ring(OhttpTestKeys.seeded(5));
    private static final ObliviousGateway GATEWAY = new ObliviousGateway(() -> RING);

    /** Arbitrary encapsulated requests (the key ids 1 and 2 exist) are refused with a reason, never a crash. */
    @FuzzTest
    void decapsulate(byte[] input) {
        try {
            GATEWAY.decapsulate(input, OhttpTestKeys.NOW);
        } catch (OhttpException expected) {
            // refused with a reason
        }
    }
}
