package dev.cloister.cli.soak;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * One party of the soak as a separate operating-system process: its command line, its working directory and the log
 * file its output is appended to across restarts. The soak starts it, kills it with SIGKILL, stalls it with SIGSTOP and
 * SIGCONT, and reads its resident set size from {@code /proc}.
 */
public final class Party {

    private final String name;
    private final List<String> command;
    private final Path directory;
    private final Path log;
    private Process process;
    private int starts;

    public Party(String name, List<String> command, Path directory) {
        this.name = Objects.requireNonNull(name);
        this.command = List.copyOf(command);
        this.directory = Objects.requireNonNull(directory);
        this.log = directory.resolve(name + ".log");
    }

    /**
     * The {@code cloister} launcher as this JVM runs it (the fat jar under {@code ./cloister soak}, the build's class
     * path in tests), with a heap of {@code heap} (e.g. {@code 256m}) and {@code jvmOptions}, followed by
     * {@code args}.
     *
     * <p>The heap is committed and touched whole at start ({@code -Xms} = {@code -Xmx}, {@code -XX:+AlwaysPreTouch}):
     * otherwise its pages become resident only when first used (eden on its first fills, the survivor spaces, the old
     * generation as objects are promoted into it, which the serial collector fills before any full collection), so
     * the resident set grows for many minutes without any leak (measured: RELIABILITY.md, "RSS: where the growth came
     * from"). Pre-touched, the resident set moves only with native memory (code cache, metaspace, malloc, direct
     * buffers); the live heap is measured apart ({@link SoakDeployment#liveHeapKib}).
     */
    public static List<String> launcher(String heap, List<String> jvmOptions, List<String> args) {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-Xms" + heap,
                "-Xmx" + heap,
                "-XX:+AlwaysPreTouch",
                "-XX:+UseSerialGC"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", absolute(System.getProperty("java.class.path")), "dev.cloister.cli.Launcher"));
        command.addAll(args);
        return command;
    }

    /** The class path with every entry absolute (each party runs in a directory of its own). */
    private static String absolute(String classPath) {
        return java.util.Arrays.stream(classPath.split(java.io.File.pathSeparator))
                .filter(e -> !e.isEmpty())
                .map(e -> Path.of(e).toAbsolutePath().toString())
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    }

    public String name() {
        return name;
    }

    public Path log() {
        return log;
    }

    /** How many times it was started. */
    public synchronized int starts() {
        return starts;
    }

    public synchronized void start() throws IOException {
        if (process != null && process.isAlive()) throw new IllegalStateException(name + " is running");
        Files.createDirectories(directory);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putIfAbsent("OMP_WAIT_POLICY", "PASSIVE");
        // At most two glibc malloc arenas: by default a process may make up to 8 per core, one per thread contending
        // for malloc, and each keeps the memory it once held.
        builder.environment().putIfAbsent("MALLOC_ARENA_MAX", "2");
        process = builder.start();
        starts++;
    }

    public synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    public synchronized long pid() {
        if (process == null) throw new IllegalStateException(name + " was never started");
        return process.pid();
    }

    /** SIGKILL, and waits until the process is gone. */
    public void kill() throws InterruptedException {
        Process p;
        synchronized (this) {
            p = process;
        }
        if (p == null) return;
        p.destroyForcibly();
        if (!p.waitFor(30, TimeUnit.SECONDS)) throw new IllegalStateException(name + " survived SIGKILL for 30 s");
    }

    /** SIGTERM, then SIGKILL after {@code graceSeconds}. */
    public void stop(int graceSeconds) throws InterruptedException {
        Process p;
        synchronized (this) {
            p = process;
        }
        if (p == null || !p.isAlive()) return;
        signal("CONT"); // a stalled process cannot end
        p.destroy();
        if (!p.waitFor(graceSeconds, TimeUnit.SECONDS)) kill();
    }

    /** Sends {@code signal} (e.g. {@code STOP}, {@code CONT}) with {@code kill(1)}. */
    public void signal(String signal) throws InterruptedException {
        if (!alive()) return;
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + name + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException("kill -" + signal + " " + name + ": " + e.getMessage(), e);
        }
    }

    /** {@code VmRSS} of {@code /proc/PID/status} in KiB; empty when the process is gone or /proc is unreadable. */
    public OptionalLong rssKib() {
        if (!alive()) return OptionalLong.empty();
        try {
            for (String line :
                    Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("VmRSS:")) {
                    return OptionalLong.of(
                            Long.parseLong(line.substring(6).strip().split("\\s+")[0]));
                }
            }
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }

    /**
     * The bytes of objects alive in this party's Java heap, from {@code jcmd PID GC.class_histogram}: a full
     * collection first, then the histogram, whose {@code Total} line sums what survived it. Empty when the process is
     * gone, is not a JVM, or the JDK has no {@code jcmd}.
     */
    public OptionalLong liveHeapBytes(Path jcmd) throws InterruptedException {
        if (!alive()) return OptionalLong.empty();
        try {
            Process histogram = new ProcessBuilder(
                            jcmd.toString(), "-J-XX:TieredStopAtLevel=1", Long.toString(pid()), "GC.class_histogram")
                    .redirectErrorStream(true)
                    .start();
            String total = null;
            try (var lines = new java.io.BufferedReader(
                    new java.io.InputStreamReader(histogram.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.startsWith("Total ")) total = line;
                }
            }
            if (!histogram.waitFor(60, TimeUnit.SECONDS)) {
                histogram.destroyForcibly();
                return OptionalLong.empty();
            }
            if (histogram.exitValue() != 0 || total == null) return OptionalLong.empty();
            return totalBytes(total);
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    /** The bytes of a class histogram's {@code Total  <instances>  <bytes>} line. */
    static OptionalLong totalBytes(String totalLine) {
        String[] fields = totalLine.strip().split("\\s+");
        if (fields.length != 3 || !fields[0].equals("Total")) return OptionalLong.empty();
        try {
            return OptionalLong.of(Long.parseLong(fields[2]));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
