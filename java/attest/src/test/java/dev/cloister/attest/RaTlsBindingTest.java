package dev.cloister.attest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class RaTlsBindingTest {

    /** Expected value computed independently with Python's hashlib (see the test body for the inputs). */
    @Test
    void matchesAnIndependentComputation() {
        byte[] clientRandom = new byte[32];
        for (int i = 0; i < 32; i++) {
            clientRandom[i] = (byte) i;
        }
        byte[] b = RaTlsBinding.reportData(
                clientRandom,
                "spki-bytes".getBytes(StandardCharsets.US_ASCII),
                "gpu-evidence".getBytes(StandardCharsets.US_ASCII));
        assertEquals(
                "3a59b7f3363813a08826fbeb2f96c48774fd41d697b81433e3626f8a0c847e6f"
                        + "7392fbd39c601a5c515769aa42e07d359844747a57d4d00acc5cb1e91ca45afe",
                HexFormat.of().formatHex(b));
        assertThrows(
                IllegalArgumentException.class, () -> RaTlsBinding.reportData(new byte[31], new byte[1], new byte[0]));
    }
}
