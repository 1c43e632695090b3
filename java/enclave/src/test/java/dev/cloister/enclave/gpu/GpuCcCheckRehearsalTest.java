package dev.cloister.enclave.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.testing.FakeNvml;
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
 * The device check {@code native/gpu-cc-check.sh} rehearsed on the CPU: {@code --fake} runs its NVML probe, the
 * enclave's start gate, the configfs-tsm refusal and the ready-state comparison against the fake
 * {@code libnvidia-ml.so.1} (a GPU with CC off, as a lent cloud GPU is), with this build's class path in place of the
 * fat jar; so its parsing, its table and its assertions are proven before a GPU session runs it for real.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class GpuCcCheckRehearsalTest {

    @TempDir
    Path dir;

    private record Run(int exit, String output, String table) {}

    /** The script, from this module's directory (java/enclave) two levels below the repository root. */
    private static Path script() {
        Path s = Path.of("../../native/gpu-cc-check.sh").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(s), "missing " + s);
        return s;
    }

    private Run check(Map<String, String> environment, String... arguments) throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        List<String> command = new ArrayList<>(List.of(
                "bash",
                script().toString(),
                "--cp",
                System.getProperty("java.class.path"),
                "--java",
                ProcessHandle.current().info().command().orElse("java"),
                "--fake",
                FakeNvml.library().toString()));
        command.addAll(List.of(arguments));
        Path log = dir.resolve("check.log");
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OUT", out.toString());
        pb.environment().remove("FAKE_NVML_CONFIG");
        pb.environment().putAll(environment);
        Process p = pb.start();
        if (!p.waitFor(240, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("gpu-cc-check.sh did not finish: " + Files.readString(log));
        }
        Path table = out.resolve("table.txt");
        return new Run(p.exitValue(), Files.readString(log), Files.isRegularFile(table) ? Files.readString(table) : "");
    }

    /** The table's row for {@code check}, e.g. {@code enclave --gpu nvml refuses (ccFeature=0) | PASS | ...}. */
    private static String row(Run r, String check) {
        return r.table()
                .lines()
                .filter(l -> l.startsWith(check))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no row '" + check + "' in:\n" + r.output()));
    }

    private static String result(String row) {
        int first = row.indexOf('|');
        return row.substring(first + 1, row.indexOf('|', first + 1)).strip();
    }

    @Test
    void onAFakeGpuWithCcOffEveryRehearsedStepPassesAndTheSkippedOnesSayWhy() throws Exception {
        Run r = check(Map.of());
        assertEquals(0, r.exit(), r.output());
        assertEquals("skipped", result(row(r, "nvidia-smi")), r.table());
        assertTrue(row(r, "nvidia-smi").contains("--fake"), r.table());
        assertEquals("rc=0", result(row(r, "NVML through FFM (NvmlProbe)")), r.output());
        assertEquals("skipped", result(row(r, "presets vs FFM")), r.table());
        assertEquals("PASS", result(row(r, "enclave --gpu nvml refuses (ccFeature=0)")), r.output());
        assertEquals("PASS", result(row(r, "ready state unchanged")), r.output());
        // The ready state was read, not two empty strings compared.
        assertTrue(row(r, "ready state unchanged").contains("nvmlSystemGetConfComputeGpusReadyState"), r.table());
        if (!Files.isDirectory(Path.of("/sys/kernel/config/tsm/report"))) {
            // One row per check (a PASS row once came with a FAIL row for the same check), naming the reason.
            assertEquals(
                    1,
                    r.table().lines().filter(l -> l.startsWith("configfs-tsm")).count(),
                    r.table());
            assertEquals("PASS", result(row(r, "configfs-tsm refused without a TEE")), r.output());
            assertTrue(row(r, "configfs-tsm refused").contains("configfs-tsm needs a confidential VM"), r.table());
        }
        assertEquals(r.table().lines().count(), r.table().lines().distinct().count(), r.table());
        // The probe's record is the fake's: CC off, one Hopper GPU.
        String probe = Files.readString(dir.resolve("out/nvml-ffm.json"));
        assertTrue(probe.contains("\"nvmlSystemGetConfComputeSettings\""), probe);
        assertTrue(probe.contains("\"library\":\"" + FakeNvml.library()), probe);
        assertTrue(probe.contains("ccFeature=DISABLED"), probe);
    }

    @Test
    void theChecksAssertionsFailWhenTheGpuIsNotWhatTheyExpect() throws Exception {
        // A GPU with CC on, checked as cc-off: the gate does not refuse with ccFeature=0, and the row says FAIL.
        Path on = FakeNvml.write(dir, Map.of("cc_feature", "1", "environment", "2"));
        Run r = check(Map.of("FAKE_NVML_CONFIG", on.toString()));
        assertEquals(1, r.exit(), r.output());
        assertEquals("FAIL", result(row(r, "enclave --gpu nvml refuses (ccFeature=0)")), r.output());
        // A GPU with CC off, checked as cc-on: it does not pass the gate.
        Run off = check(Map.of(), "--expect", "cc-on");
        assertEquals(1, off.exit(), off.output());
        assertEquals("FAIL", result(row(off, "enclave --gpu nvml passes the gate")), off.output());
    }

    @Test
    void badInvocationsAreUsageErrors() throws Exception {
        Run missing = check(Map.of(), "--fake", dir.resolve("absent.so").toString());
        assertEquals(2, missing.exit(), missing.output());
        assertTrue(missing.output().contains("no such file"), missing.output());
        Run set = check(Map.of(), "--allow-set-ready-state");
        assertEquals(2, set.exit(), set.output());
        assertTrue(set.output().contains("not --fake"), set.output());
    }
}
