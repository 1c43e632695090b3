package dev.cloister.enclave;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JvmHardeningTest {

    @Test
    void theLastOccurrenceOfEachRequiredFlagCounts() {
        assertEquals(
                List.of(),
                JvmHardening.missingFlags(List.of(
                        "--enable-native-access=ALL-UNNAMED",
                        "-XX:+DisableAttachMechanism",
                        "-XX:-CreateCoredumpOnCrash")));
        assertEquals(
                List.of("-XX:+DisableAttachMechanism", "-XX:-CreateCoredumpOnCrash"),
                JvmHardening.missingFlags(List.of()));
        assertEquals(
                List.of("-XX:+DisableAttachMechanism"),
                JvmHardening.missingFlags(List.of(
                        "-XX:+DisableAttachMechanism", "-XX:-CreateCoredumpOnCrash", "-XX:-DisableAttachMechanism")),
                "a later flag turns it back on");
        assertEquals(
                List.of("-XX:-CreateCoredumpOnCrash"),
                JvmHardening.missingFlags(List.of("-XX:+DisableAttachMechanism", "-XX:+CreateCoredumpOnCrash")));
    }

    @Test
    void anyOptionsVariableInTheEnvironmentIsNamed() {
        assertEquals(Optional.empty(), JvmHardening.optionsFromEnvironment(Map.of("PATH", "/bin")));
        for (String name : List.of("JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS")) {
            assertEquals(Optional.of(name), JvmHardening.optionsFromEnvironment(Map.of(name, "")), name);
        }
    }
}
