package dev.cloister.ledger.entry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cloister.ledger.FormatException;

class PlatformPolicyFuzzTest {

    /**
     * The body of a platform policy entry after its header: whatever decodes is a {@link PlatformPolicy} that
     * re-encodes to exactly the input; everything else is a FormatException (never another exception, never a hang).
     */
    @FuzzTest
    void bodyDecodesCanonically(byte[] body) {
        byte[] input = new byte[4 + body.length];
        input[0] = 'C';
        input[1] = 'L';
        input[2] = LedgerEntry.VERSION;
        input[3] = PlatformPolicy.TYPE;
        System.arraycopy(body, 0, input, 4, body.length);
        LedgerEntry e;
        try {
            e = LedgerEntry.decode(input);
        } catch (FormatException ex) {
            return;
        }
        assertInstanceOf(PlatformPolicy.class, e);
        assertArrayEquals(input, e.encode());
    }
}
