package dev.cloister.enclave;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the enclave's JVM must run with, checked at start (README, "The enclave's JVM"): no options taken from the
 * environment ({@value #TOOL_OPTIONS}, {@value #UNDERSCORE_OPTIONS} and {@value #LAUNCHER_OPTIONS} are honoured by
 * the JVM or the {@code java} launcher before any of our code runs, so their presence is refused, never ignored), the
 * attach mechanism off and core dumps on crash off. The {@code cloister} launcher and the CVM's init start the enclave
 * this way; a JVM started otherwise is told what is missing.
 */
public final class JvmHardening {

    static final String TOOL_OPTIONS = "JAVA_TOOL_OPTIONS";
    static final String UNDERSCORE_OPTIONS = "_JAVA_OPTIONS";
    static final String LAUNCHER_OPTIONS = "JDK_JAVA_OPTIONS";

    /** The flags the enclave's JVM must have, as {@code -XX:} options; the last occurrence of each counts. */
    static final List<String> REQUIRED_FLAGS = List.of("+DisableAttachMechanism", "-CreateCoredumpOnCrash");

    private JvmHardening() {}

    /** The environment variable that carried JVM options into this process, if any (then the enclave refuses). */
    static Optional<String> optionsFromEnvironment(Map<String, String> environment) {
        for (String name : List.of(TOOL_OPTIONS, UNDERSCORE_OPTIONS, LAUNCHER_OPTIONS)) {
            if (environment.containsKey(name)) return Optional.of(name);
        }
        return Optional.empty();
    }

    /** The required flags that the JVM's input arguments do not leave in force (empty: hardened). */
    static List<String> missingFlags(List<String> inputArguments) {
        List<String> missing = new ArrayList<>();
        for (String flag : REQUIRED_FLAGS) {
            String name = flag.substring(1);
            String last = null;
            for (String argument : inputArguments) {
                if (argument.equals("-XX:+" + name) || argument.equals("-XX:-" + name)) last = argument;
            }
            if (!("-XX:" + flag).equals(last)) missing.add("-XX:" + flag);
        }
        return missing;
    }

    /** The missing flags of this JVM. */
    static List<String> missingFlags() {
        return missingFlags(
                java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
    }
}
