package dev.cloister.enclave;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cloister.protocol.FinishReason;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Every way the engine can end an answer has a name on the wire (the enclave maps one to the other by name). */
class FinishReasonTest {

    @Test
    void everyEngineFinishReasonHasAWireName() {
        assertEquals(
                Arrays.stream(dev.cloister.infer.sampling.FinishReason.values())
                        .map(Enum::name)
                        .toList(),
                Arrays.stream(FinishReason.values()).map(Enum::name).toList());
    }
}
