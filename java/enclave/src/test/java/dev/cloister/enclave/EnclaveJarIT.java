package dev.cloister.enclave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The enclave's runnable jar is what the confidential VM image carries and what its measurement covers: it must hold the
 * enclave and the libraries it uses, and nothing of the other parties (relay, gateway and the rest of the operator,
 * ledger server, client, launcher). Runs after {@code package}, on the jar itself.
 */
class EnclaveJarIT {

    /** Packages of the other parties and of libraries only they use. */
    private static final List<String> FOREIGN = List.of(
            "dev/cloister/operator/",
            "dev/cloister/relay/",
            "dev/cloister/ledgerserver/",
            "dev/cloister/client/",
            "dev/cloister/cli/",
            "dev/cloister/testing/",
            "io/vertx/redis/",
            "org/junit/");

    private static Path jar() {
        Path jar = Path.of(System.getProperty("cloister.enclave.jar", "target/cloister-enclave.jar"));
        assertTrue(Files.isRegularFile(jar), "no enclave jar at " + jar.toAbsolutePath());
        return jar;
    }

    private static List<String> entries() throws IOException {
        try (JarFile file = new JarFile(jar().toFile())) {
            return Collections.list(file.entries()).stream()
                    .map(e -> e.getName())
                    .toList();
        }
    }

    @Test
    void holdsTheEnclaveAndNoOtherParty() throws IOException {
        List<String> entries = entries();
        for (String needed : List.of(
                "dev/cloister/enclave/EnclaveCommand.class",
                "dev/cloister/enclave/EnclaveVerticle.class",
                "dev/cloister/attest/",
                "dev/cloister/infer/",
                "dev/cloister/wire/",
                "dev/cloister/server/",
                "dev/cloister/protocol/AssistantRequest.class")) {
            assertTrue(entries.stream().anyMatch(e -> e.startsWith(needed)), "enclave jar lacks " + needed);
        }
        List<String> foreign = new ArrayList<>();
        for (String entry : entries) {
            for (String prefix : FOREIGN) {
                if (entry.startsWith(prefix)) {
                    foreign.add(entry);
                }
            }
        }
        assertEquals(List.of(), foreign, "classes of other parties in the enclave jar");
    }

    @Test
    void mainClassIsTheEnclaveCommand() throws IOException {
        try (JarFile file = new JarFile(jar().toFile())) {
            assertEquals(
                    EnclaveCommand.class.getName(),
                    file.getManifest().getMainAttributes().getValue("Main-Class"));
        }
    }

    @Test
    void runsOnItsOwn() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(java.toString(), "-jar", jar().toString(), "--help")
                .redirectErrorStream(true)
                .start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the enclave jar did not answer --help in 60 s");
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), out);
        assertTrue(out.contains("Usage: enclave"), out);
        assertFalse(out.contains("Exception"), out);
    }
}
