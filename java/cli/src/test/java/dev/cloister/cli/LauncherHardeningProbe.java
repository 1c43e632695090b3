package dev.cloister.cli;

import dev.cloister.infer.nativecore.NativeEngine;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Stands in for the launcher's jar in {@link LauncherHardeningTest}: loads the native inference library as the enclave
 * does, then prints what its own JVM runs with, its pid, and waits for its standard input to close.
 */
public final class LauncherHardeningProbe {

    private LauncherHardeningProbe() {}

    public static void main(String[] args) throws IOException {
        NativeEngine.cudaBuilt(); // loads the JNI library through JavaCPP
        StringBuilder out = new StringBuilder();
        out.append("pid=").append(ProcessHandle.current().pid()).append('\n');
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            out.append("arg=").append(arg).append('\n');
        }
        out.append("injected=").append(System.getProperty("cloister.injected")).append('\n');
        out.append("tmpdir=").append(System.getProperty("java.io.tmpdir")).append('\n');
        // Where the JNI library JavaCPP extracted is mapped from, as the kernel sees it.
        java.util.Set<String> libraries = new java.util.TreeSet<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"), StandardCharsets.US_ASCII)) {
            int slash = line.indexOf('/');
            if (slash >= 0 && line.contains("jniNativeCore"))
                libraries.add(line.substring(slash).strip());
        }
        for (String lib : libraries) {
            out.append("lib=").append(lib).append('\n');
        }
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"), StandardCharsets.US_ASCII)) {
            if (line.startsWith("Max core file size"))
                out.append("core=").append(line).append('\n');
        }
        out.append("ready\n");
        System.out.print(out);
        System.out.flush();
        while (System.in.read() >= 0) {
            // until the test closes our input
        }
    }
}
