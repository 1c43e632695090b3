package dev.cloister.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./cloister} launcher starts the enclave's JVM hardened (issue 15, item 7): the real script, in a copy of
 * the repository's top level whose jar is {@link LauncherHardeningProbe}, run with the real JDK. The enclave's JVM
 * refuses attach (jcmd fails), runs with core dumps off, ignores the options the environment offers, and keeps its
 * temporary files and the native library JavaCPP extracts from the jar in a private tmpfs directory; another
 * command's JVM, the control, can be attached to.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LauncherHardeningTest {

    private static final Path SCRIPT = Path.of("../../cloister");

    @TempDir
    Path root;

    private record Probe(Process process, Map<String, List<String>> lines) {
        String one(String key) {
            return lines.getOrDefault(key, List.of("(none)")).getFirst();
        }
    }

    private void layout() throws IOException {
        Files.copy(SCRIPT, root.resolve("cloister"));
        Files.setPosixFilePermissions(root.resolve("cloister"), PosixFilePermissions.fromString("rwx------"));
        Files.createDirectories(root.resolve("java/cli/target"));
        Files.createDirectories(root.resolve("native"));
        Files.createDirectories(root.resolve("tools"));
        Files.copy(SCRIPT.resolveSibling("tools/jdk.sh"), root.resolve("tools/jdk.sh"));
        Files.copy(SCRIPT.resolveSibling("pom.xml"), root.resolve("pom.xml"));
        // The "launcher jar": the probe, with this test's class path.
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, LauncherHardeningProbe.class.getName());
        List<String> classPath = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path path = Path.of(entry).toAbsolutePath();
            // The infer module's classes as a jar, as in the launcher's fat jar: JavaCPP then extracts the library.
            if (Files.isDirectory(path.resolve("dev/cloister/infer/nativecore"))) path = jarOf(path);
            classPath.add(path.toUri().toString());
        }
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", classPath));
        Path jar = root.resolve("java/cli/target/cloister.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            out.flush();
        }
        // Newer than every source, so the launcher does not build.
        Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis() + 60_000));
    }

    private Path jarOf(Path classes) throws IOException {
        Path jar = root.resolve("infer.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
                Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new java.util.jar.JarEntry(
                        classes.relativize(file).toString().replace(java.io.File.separatorChar, '/')));
                Files.copy(file, out);
                out.closeEntry();
            }
        }
        return jar;
    }

    private Probe launch(String command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(root.resolve("cloister").toString(), command, "--probe");
        builder.environment()
                .put("JAVA_HOME", Path.of(System.getProperty("java.home")).toString());
        builder.environment().put("JAVA_TOOL_OPTIONS", "-Dcloister.injected=tool");
        builder.environment().put("JDK_JAVA_OPTIONS", "-Dcloister.injected=launcher");
        builder.environment().put("_JAVA_OPTIONS", "-Dcloister.injected=underscore");
        builder.environment().remove("CLOISTER_TMPFS");
        builder.redirectErrorStream(true);
        Process process = builder.start();
        Map<String, List<String>> lines = new java.util.HashMap<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        List<String> all = new ArrayList<>();
        for (String line; (line = in.readLine()) != null && !line.equals("ready"); ) {
            all.add(line);
            int eq = line.indexOf('=');
            if (eq > 0)
                lines.computeIfAbsent(line.substring(0, eq), k -> new ArrayList<>())
                        .add(line.substring(eq + 1));
        }
        assertTrue(lines.containsKey("tmpdir") && process.isAlive(), () -> "the probe ended: " + all);
        return new Probe(process, lines);
    }

    private static int jcmd(String pid) throws Exception {
        Process jcmd = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), pid, "VM.flags")
                .redirectErrorStream(true)
                .start();
        jcmd.getInputStream().readAllBytes();
        assertTrue(jcmd.waitFor(60, TimeUnit.SECONDS));
        return jcmd.exitValue();
    }

    private static void end(Probe probe) throws Exception {
        try (OutputStream in = probe.process().getOutputStream()) {
            in.flush();
        }
        assertTrue(probe.process().waitFor(30, TimeUnit.SECONDS));
    }

    @Test
    void theEnclavesJvmIsHardenedAndAnotherCommandsIsNot() throws Exception {
        layout();
        Probe enclave = launch("enclave");
        Path tmp = Path.of(enclave.one("tmpdir"));
        try {
            List<String> args = enclave.lines().get("arg");
            assertTrue(args.contains("-XX:+DisableAttachMechanism"), args::toString);
            assertTrue(args.contains("-XX:-CreateCoredumpOnCrash"), args::toString);
            assertEquals("null", enclave.one("injected"), "no option from the environment reached the JVM");
            assertTrue(args.stream().noneMatch(a -> a.contains("cloister.injected")), args::toString);
            assertTrue(enclave.one("core").strip().matches("Max core file size +0 +\\S+ +bytes"), enclave.one("core"));
            assertEquals("tmpfs", Files.getFileStore(tmp).type(), tmp.toString());
            assertTrue(tmp.getFileName().toString().startsWith("cloister-enclave."), tmp.toString());
            String lib = enclave.one("lib");
            assertTrue(Path.of(lib).startsWith(tmp), () -> "JavaCPP extracted its library to " + lib);
            assertNotEquals(0, jcmd(enclave.one("pid")), "jcmd attached to the enclave's JVM");
            end(enclave);
        } finally {
            enclave.process().destroyForcibly();
            if (Files.isDirectory(tmp) && tmp.getFileName().toString().startsWith("cloister-enclave.")) {
                try (Stream<Path> left = Files.walk(tmp)) {
                    left.sorted(java.util.Comparator.reverseOrder())
                            .forEach(p -> p.toFile().delete());
                }
            }
        }

        // The control: the same probe as another command keeps the JVM's defaults, so the checks above can fail.
        Probe other = launch("gateway");
        try {
            assertFalse(other.lines().get("arg").contains("-XX:+DisableAttachMechanism"));
            assertEquals(0, jcmd(other.one("pid")), "jcmd attaches to an unhardened JVM");
        } finally {
            end(other);
        }
    }

    @Test
    void anEnclaveStartedWithOptionsFromTheEnvironmentRefuses() throws Exception {
        for (String name : List.of("JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS")) {
            ProcessBuilder builder = new ProcessBuilder(
                    ProcessHandle.current().info().command().orElse("java"),
                    "-cp",
                    System.getProperty("java.class.path"),
                    "dev.cloister.cli.Launcher",
                    "enclave",
                    "--listen",
                    "127.0.0.1:0");
            builder.environment().put(name, "-Dcloister.injected=1");
            builder.redirectErrorStream(true);
            Process process = builder.start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(60, TimeUnit.SECONDS));
            assertEquals(2, process.exitValue(), out);
            assertTrue(out.contains(name + ": is set: the JVM took options from the environment"), out);
        }
    }
}
