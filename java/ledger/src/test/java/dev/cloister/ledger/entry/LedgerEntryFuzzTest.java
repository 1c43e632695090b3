package dev.cloister.ledger.entry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.ledger.FormatException;

class LedgerEntryFuzzTest {

    /** Canonical encoding: whatever decodes re-encodes to exactly the input bytes; everything else is a FormatException. */
    @FuzzTest
    void decodeIsCanonical(byte[] input) {
        LedgerEntry e;
        try {
            e = LedgerEntry.decode(input);
        } catch (FormatException ex) {
            return;
        }
        assertArrayEquals(input, e.encode());
    }
}
