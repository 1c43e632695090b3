package dev.cloister.wire.ohttp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;

class KeyConfigsFuzzTest {

    /** Any bytes: either a list that re-encodes and parses to itself, or an OhttpException. */
    @FuzzTest
    void decodeKeyConfigList(byte[] input) {
        try {
            List<KeyConfig> configs = KeyConfigs.decode(input);
            assertEquals(configs, KeyConfigs.decode(KeyConfigs.encode(configs)));
        } catch (OhttpException expected) {
            // refused with a reason
        }
    }
}
