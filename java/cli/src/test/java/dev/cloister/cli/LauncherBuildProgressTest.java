package dev.cloister.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./cloister} launcher's first build: it shows each Maven module as it starts ([i/n], the time so far) and
 * CMake's lines, not Maven's whole log, and on a failure the errors and where the log is. Runs the real script in a
 * copy of the repository's top level whose {@code mvnw} and JDK are stand-ins that print what Maven prints.
 */
class LauncherBuildProgressTest {

    private static final Path SCRIPT = Path.of("../../cloister");

    @TempDir
    Path root;

    private record Run(int code, String out, String err) {}

    private static void executable(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
    }

    /** The launcher's copy, a JDK stand-in that reports version 25 and echoes its arguments, and the given mvnw. */
    private Run launch(String mavenOutput, int mavenExit) throws IOException, InterruptedException {
        Files.copy(SCRIPT, root.resolve("cloister"));
        Files.setPosixFilePermissions(root.resolve("cloister"), PosixFilePermissions.fromString("rwx------"));
        Files.createDirectories(root.resolve("java/cli"));
        Files.createDirectories(root.resolve("native"));
        // The launcher finds the JDK and the JVM flags through tools/jdk.sh, which reads them from the root pom.
        Files.createDirectories(root.resolve("tools"));
        Files.copy(SCRIPT.resolveSibling("tools/jdk.sh"), root.resolve("tools/jdk.sh"));
        Files.copy(SCRIPT.resolveSibling("pom.xml"), root.resolve("pom.xml"));
        Files.createDirectories(root.resolve("tmp"));
        executable(root.resolve("jdk/bin/java"), """
                #!/bin/sh
                case "$*" in *-XshowSettings*) echo '    java.specification.version = 25' >&2; exit 0 ;; esac
                echo "launched: $*"
                """);
        executable(
                root.resolve("mvnw"),
                "#!/bin/sh\ncat <<'EOF'\n" + mavenOutput + "EOF\n"
                        + (mavenExit == 0 ? "mkdir -p java/cli/target && touch java/cli/target/cloister.jar\n" : "")
                        + "exit " + mavenExit + "\n");
        ProcessBuilder builder = new ProcessBuilder(root.resolve("cloister").toString(), "--version");
        builder.environment().put("JAVA_HOME", root.resolve("jdk").toString());
        builder.environment().put("TMPDIR", root.resolve("tmp").toString());
        Process process = builder.start();
        process.getOutputStream().close();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the launcher finished");
        return new Run(
                process.exitValue(),
                new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static final String BUILDING = """
            [INFO] Scanning for projects...
            [INFO] Reactor Build Order:
            [INFO] ------------------< dev.cloister:cloister-wire >------------------
            [INFO] Building Cloister wire: BHTTP, HPKE, OHTTP 0.1.0-SNAPSHOT          [1/2]
            [INFO] --- compiler:3.14.0:compile (default-compile) @ cloister-wire ---
            [INFO] Compiling 57 source files with javac [debug release 25] to target/classes
            [ 50%] Building CXX object CMakeFiles/cloister_infer.dir/src/engine.cpp.o
            [INFO] Building Cloister CLI: the cloister launcher 0.1.0-SNAPSHOT [2/2]
            [INFO] Building jar: /repo/java/cli/target/cloister-cli-0.1.0-SNAPSHOT.jar
            """;

    @Test
    void theFirstBuildShowsEachModuleWithTheTimeSoFarAndCmakesProgress() throws Exception {
        Run run = launch(BUILDING + "[INFO] BUILD SUCCESS\n", 0);
        assertEquals(0, run.code(), run.err());
        assertEquals(
                "launched: --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -jar "
                        + root.resolve("java/cli/target/cloister.jar")
                        + " --version\n",
                run.out());
        List<String> lines =
                run.err().replaceAll("\\d+m\\d\\ds", "TIME").lines().toList();
        assertEquals(
                List.of(
                        "cloister: building (first run takes a few minutes: Java modules and the native inference core)...",
                        "cloister: [1/2] Cloister wire: BHTTP, HPKE, OHTTP (TIME)",
                        "cloister:   Compiling 57 source files to target/classes (TIME)",
                        "[ 50%] Building CXX object CMakeFiles/cloister_infer.dir/src/engine.cpp.o",
                        "cloister: [2/2] Cloister CLI: the cloister launcher (TIME)",
                        "cloister: built in TIME"),
                lines);
        try (var left = Files.list(root.resolve("tmp"))) {
            assertEquals(0, left.count(), "the build log of a success is removed");
        }
    }

    @Test
    void aFailedBuildShowsItsErrorsAndKeepsTheLog() throws Exception {
        Run run = launch(BUILDING + "[ERROR] COMPILATION ERROR :\n[ERROR] /repo/X.java:[3,1] ';' expected\n", 3);
        assertEquals(3, run.code());
        assertTrue(run.err().contains("[ERROR] /repo/X.java:[3,1] ';' expected\n"), run.err());
        assertFalse(run.err().contains("[INFO] Scanning"), run.err());
        Matcher failed = Pattern.compile(
                        "cloister: the build failed after \\d+m\\d\\ds \\(exit 3; the whole log: (.*)\\)")
                .matcher(run.err());
        assertTrue(failed.find(), run.err());
        assertTrue(Files.readString(Path.of(failed.group(1))).contains("[INFO] Scanning for projects..."));
        assertEquals("", run.out(), "nothing is launched");
    }
}
