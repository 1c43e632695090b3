package dev.cloister.cli.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.cli.Launcher;
import dev.cloister.enclave.ReleaseMeasurement;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The README's "Example with separate processes" runs as pasted: the block between its
 * {@code separate-processes:begin}/{@code end} markers, run by bash from the repository root, with {@code J} the
 * {@code cloister} launcher of this build, the ports from a free {@code BASE}, the small test model, and
 * {@code TMPDIR} here. Every server it starts is gone when it ends.
 */
class ReadmeExampleTest {

    private static final String BEGIN = "<!-- separate-processes:begin -->";
    private static final String END = "<!-- separate-processes:end -->";
    /** The README's example uses the ports BASE to BASE+10. */
    private static final int PORTS = 11;

    @TempDir
    Path dir;

    /** On every {@code cloister} process the example starts, so that none can be missed or mistaken. */
    private final String marker = "-Dcloister.readme.example=" + UUID.randomUUID();

    @AfterEach
    void killLeftovers() {
        leftovers().forEach(ProcessHandle::destroyForcibly);
    }

    private List<ProcessHandle> leftovers() {
        return ProcessHandle.allProcesses()
                .filter(p -> commandLine(p).contains(marker))
                .toList();
    }

    /** A process's arguments from /proc (ProcessHandle.Info leaves them out for a java started through a script). */
    private static List<String> commandLine(ProcessHandle process) {
        try {
            byte[] cmdline = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
            return List.of(new String(cmdline, StandardCharsets.UTF_8).split("\0"));
        } catch (IOException e) {
            return List.of(); // ended meanwhile, or not ours to read
        }
    }

    private static Path repositoryRoot() {
        // Surefire runs in the module directory, java/cli.
        Path root = Path.of("").toAbsolutePath().getParent().getParent();
        assertTrue(Files.isRegularFile(root.resolve("README.md")), "no README.md in " + root);
        return root;
    }

    /** The lines between the markers, less the code fence. */
    static String exampleBlock(String readme) {
        int begin = readme.indexOf(BEGIN);
        int end = readme.indexOf(END);
        assertTrue(begin >= 0 && end > begin, "README.md has no " + BEGIN + " ... " + END + " block");
        return readme.substring(begin + BEGIN.length(), end)
                .lines()
                .filter(line -> !line.startsWith("```"))
                .reduce("", (a, b) -> a + b + "\n");
    }

    /** A BASE whose BASE..BASE+10 are all free on loopback now. */
    private static int freePortRange() {
        SecureRandom random = new SecureRandom();
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = 20_000 + random.nextInt(30_000);
            boolean free = true;
            for (int port = base; port < base + PORTS && free; port++) {
                try (ServerSocket s = new ServerSocket()) {
                    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                } catch (IOException e) {
                    free = false;
                }
            }
            if (free) return base;
        }
        throw new AssertionError("no " + PORTS + " consecutive free ports");
    }

    private static String permissions(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void theSeparateProcessesExampleRunsAsPasted() throws Exception {
        Path root = repositoryRoot();
        String block = exampleBlock(Files.readString(root.resolve("README.md")));
        assertTrue(block.contains("$J summarize"), block);
        Path script = dir.resolve("example.sh");
        Files.writeString(script, block);

        String java = ProcessHandle.current().info().command().orElse("java");
        String classPath = System.getProperty("java.class.path");
        assertTrue(!java.contains("'") && !classPath.contains("'"), "quotes in the class path");
        Path launcher = dir.resolve("cloister");
        Files.writeString(
                launcher,
                "#!/bin/sh\nexec '" + java + "' --enable-native-access=ALL-UNNAMED "
                        + "--sun-misc-unsafe-memory-access=allow -Xmx256m " + marker + " -cp '" + classPath
                        + "' dev.cloister.cli.Launcher \"$@\"\n");
        launcher.toFile().setExecutable(true);
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        Path output = dir.resolve("output.txt");

        ProcessBuilder builder = new ProcessBuilder("bash", "-eu", script.toString())
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().put("J", launcher.toString());
        builder.environment().put("BASE", Integer.toString(freePortRange()));
        builder.environment().put("MODEL", "stories260K");
        builder.environment()
                .put("CLOISTER_MODELS", root.resolve("testdata/models").toString());
        builder.environment().put("TMPDIR", tmp.toString());
        builder.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        Process bash = builder.start();
        boolean ended = bash.waitFor(240, TimeUnit.SECONDS);
        if (!ended) {
            bash.descendants().forEach(ProcessHandle::destroyForcibly);
            bash.destroyForcibly();
        }
        String out = Files.readString(output, StandardCharsets.UTF_8);
        Matcher stateLine = Pattern.compile("state and server logs: (\\S+)").matcher(out);
        Path state = stateLine.find() ? Path.of(stateLine.group(1)) : null;
        String diagnosis = out + (state == null ? "" : serverLogs(state));
        assertTrue(ended, () -> "the example did not end within 240 s:\n" + diagnosis);
        assertEquals(0, bash.exitValue(), () -> "the example failed:\n" + diagnosis);

        // The private summary of the sample chat, verified, and the request log's entry for it.
        assertTrue(out.contains("verified: "), diagnosis);
        assertTrue(out.contains("\"result\":\"ok\""), diagnosis);
        assertTrue(out.contains("\"message_ids\":[\"m-101\",\"m-102\",\"m-103\",\"m-104\",\"m-105\"]"), diagnosis);
        List<String> lines = out.strip().lines().toList();
        String last = lines.getLast();
        assertTrue(last.startsWith("{") && last.contains("\"use_case\":\"summarize\""), diagnosis);

        // Everything it kept is in a new owner-only directory under TMPDIR; its secrets are owner-only.
        assertTrue(state != null && state.startsWith(tmp), diagnosis);
        assertEquals("rwx------", permissions(state));
        for (String secret : List.of("ledger.key", "witness.key", "operator.key", "token-seed", "accounts")) {
            assertEquals("rw-------", permissions(state.resolve(secret)), secret);
        }

        // Its exit stopped every server it started.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!leftovers().isEmpty() && System.nanoTime() < deadline) Thread.sleep(100);
        assertEquals(List.of(), leftovers().stream().map(ProcessHandle::pid).toList(), "processes left running");
    }

    private static String serverLogs(Path state) {
        StringBuilder logs = new StringBuilder();
        try (Stream<Path> files = Files.list(state)) {
            for (Path log :
                    files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
                logs.append("\n--- ").append(log.getFileName()).append('\n').append(Files.readString(log));
            }
        } catch (IOException e) {
            logs.append("\n(server logs unreadable: ").append(e.getMessage()).append(')');
        }
        return logs.toString();
    }

    private static String cli(int expected, String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = Launcher.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        assertEquals(expected, cli.execute(args), () -> String.join(" ", args) + ": " + out);
        return out.toString();
    }

    @Test
    void theExamplesHelpersPrintTheMeasurementAndWriteTheSampleChat() throws Exception {
        assertEquals(
                HexFormat.of().formatHex(ReleaseMeasurement.ofRunningBuild()),
                cli(0, "enclave", "--print-measurement").strip());
        assertTrue(cli(2, "enclave", "--print-measurement", "--listen", "127.0.0.1:0")
                .contains("mutually exclusive"));
        assertTrue(cli(2, "enclave").contains("--listen"));

        Path chat = dir.resolve("chat.json");
        cli(0, "demo", "--write-sample-chat", chat.toString());
        try (var bundled = Launcher.class.getResourceAsStream("/dev/cloister/cli/demo/sample-chat.json")) {
            assertEquals(new String(bundled.readAllBytes(), StandardCharsets.UTF_8), Files.readString(chat));
        }
        // An existing file is never overwritten.
        Files.writeString(chat, "mine");
        assertTrue(cli(2, "demo", "--write-sample-chat", chat.toString()).contains("already exists"));
        assertEquals("mine", Files.readString(chat));
    }
}
