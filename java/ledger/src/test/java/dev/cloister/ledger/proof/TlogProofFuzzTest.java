package dev.cloister.ledger.proof;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.ledger.FormatException;
import dev.cloister.ledger.witness.AddCheckpointRequest;

class TlogProofFuzzTest {

    /**
     * The two "header lines, blank line, signed checkpoint" formats: a {@code .tlog-proof} and a tlog-witness
     * add-checkpoint body. Any input either fails with a FormatException or re-encodes to the same bytes.
     */
    @FuzzTest
    void parseAndReencode(byte[] input) {
        try {
            assertArrayEquals(input, TlogProof.parse(input).encode());
        } catch (FormatException e) {
            // fine
        }
        try {
            assertArrayEquals(input, AddCheckpointRequest.parse(input).encode());
        } catch (FormatException e) {
            // fine
        }
    }
}
