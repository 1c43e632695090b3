package dev.cloister.enclave.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.enclave.EnclaveCommand;
import dev.cloister.testing.FakeNvml;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cloister enclave --gpu nvml} as a process: where NVML is missing, or the GPU's confidential computing is off,
 * it exits with {@link EnclaveCommand#GATE_REFUSED} and the reason, never loads the model and never listens.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EnclaveGpuGateProcessTest {

    @TempDir
    Path dir;

    private record Run(int exit, String output, boolean listened) {}

    private Run enclave(Map<String, String> environment, String... gpuArguments) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED",
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                EnclaveCommand.class.getName(),
                "--listen",
                "127.0.0.1:" + port,
                "--sim-dir",
                dir.resolve("sim").toString(),
                // A model that does not exist: the gate must refuse before anything looks for it.
                "--model",
                dir.resolve("no-model.bin").toString(),
                "--tokenizer",
                dir.resolve("no-tokenizer.bin").toString()));
        command.addAll(List.of(gpuArguments));
        Path log = dir.resolve("enclave.log");
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(environment);
        Process p = pb.start();
        boolean listened = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (p.isAlive() && System.nanoTime() < deadline) {
            listened |= accepts(port);
            Thread.sleep(20);
        }
        if (p.isAlive()) {
            p.destroyForcibly();
            throw new AssertionError("the enclave did not exit: " + Files.readString(log));
        }
        listened |= accepts(port);
        return new Run(p.exitValue(), Files.readString(log), listened);
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void withoutNvmlTheEnclaveExitsNonZeroAndOpensNoPort() throws Exception {
        Run r = enclave(
                Map.of(),
                "--gpu",
                "nvml",
                "--nvml-library",
                dir.resolve("libnvidia-ml.so.1").toString());
        assertEquals(EnclaveCommand.GATE_REFUSED, r.exit(), r.output());
        assertTrue(r.output().contains("refused to start: GPU start gate, step load NVML"), r.output());
        assertTrue(r.output().contains("NVML_ERROR_LIBRARY_NOT_FOUND"), r.output());
        assertFalse(r.listened(), r.output());
        assertFalse(r.output().contains("model:"), "the model was looked for: " + r.output());
    }

    @Test
    void aGpuWithConfidentialComputingOffIsRefusedWithCcFeatureZero() throws Exception {
        // What a lent cloud H100 looks like: NVML answers, CC is off.
        Path config = FakeNvml.write(dir, Map.of("cc_feature", "0", "environment", "0"));
        Run r = enclave(
                Map.of("FAKE_NVML_CONFIG", config.toString()),
                "--gpu",
                "nvml",
                "--nvml-library",
                FakeNvml.library().toString());
        assertEquals(EnclaveCommand.GATE_REFUSED, r.exit(), r.output());
        assertTrue(r.output().contains("ccFeature=0"), r.output());
        assertFalse(r.listened(), r.output());
    }

    @Test
    void theNvmlLibraryOverrideIsRefusedInAProductionImage() throws Exception {
        Path marker = Files.createFile(dir.resolve("production"));
        var e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.cloister.server.command.UsageException.class,
                () -> GpuStartOptions.of(
                        "configfs-tsm", "nvml", 1, FakeNvml.library(), null, java.time.Duration.ZERO, false, marker));
        assertTrue(e.getMessage().contains("production image"), e.getMessage());
        // Without the marker the same options are accepted.
        assertEquals(
                FakeNvml.library(),
                GpuStartOptions.of(
                                "configfs-tsm",
                                "nvml",
                                1,
                                FakeNvml.library(),
                                null,
                                java.time.Duration.ZERO,
                                false,
                                dir.resolve("absent"))
                        .library());
    }
}
