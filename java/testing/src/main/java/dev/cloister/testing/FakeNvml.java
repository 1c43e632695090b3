package dev.cloister.testing;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The fake {@code libnvidia-ml.so.1} of {@code native/tests/fake_nvml.c}, whose path the build passes as the system
 * property {@code cloister.fake.nvml} (java/infer's CMake run builds it): where it is, and its test hooks. A test
 * configures it ({@link #configure}: KEY=VALUE lines, see the C file) before opening it through the NVML binding;
 * the binding and these hooks share the library's state (one dlopen per process).
 */
public final class FakeNvml {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Arena ARENA = Arena.ofAuto();

    private FakeNvml() {}

    /** The fake library's path; a missing property or file fails the test (NVML tests never skip). */
    public static Path library() {
        String p = System.getProperty("cloister.fake.nvml");
        if (p == null || p.isBlank()) {
            throw new AssertionError("system property cloister.fake.nvml is not set (the build sets it)");
        }
        Path path = Path.of(p);
        if (!Files.isRegularFile(path)) {
            throw new AssertionError("the fake NVML library is missing: " + path + " (java/infer's build makes it)");
        }
        return path;
    }

    private static MethodHandle hook(String name, FunctionDescriptor d) {
        SymbolLookup lookup = SymbolLookup.libraryLookup(library(), ARENA);
        return LINKER.downcallHandle(lookup.find(name).orElseThrow(() -> new AssertionError("no hook " + name)), d);
    }

    /**
     * Writes {@code settings} as a configuration file in {@code dir}, makes the fake read it (it is reread by no one
     * else: the next {@code nvmlInit_v2} uses it) and resets its counters.
     *
     * @return the configuration file (for a child process: environment variable {@code FAKE_NVML_CONFIG})
     */
    public static Path configure(Path dir, Map<String, String> settings) {
        Path file = write(dir, settings);
        try (Arena a = Arena.ofConfined()) {
            int rc = (int) hook("fake_nvml_configure", FunctionDescriptor.of(JAVA_INT, ADDRESS))
                    .invoke(a.allocateFrom(file.toString()));
            if (rc != 0) {
                throw new AssertionError("the fake NVML refused its configuration " + settings);
            }
        } catch (Throwable t) {
            throw t instanceof AssertionError e ? e : new AssertionError(t);
        }
        return file;
    }

    /** Writes {@code settings} as a configuration file in {@code dir} only (for a child process). */
    public static Path write(Path dir, Map<String, String> settings) {
        StringBuilder text = new StringBuilder();
        new TreeMap<>(settings)
                .forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        try {
            Path file = Files.createTempFile(dir, "fake-nvml", ".conf");
            Files.writeString(file, text);
            return file;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** {@code sizeof(type)} as the C compiler laid it out, or -1 for a type the fake does not know. */
    public static long sizeOf(String type) {
        return stringToLong("fake_nvml_sizeof", type);
    }

    /** {@code offsetof(struct, field)} for {@code "struct.field"}, or -1. */
    public static long offsetOf(String field) {
        return stringToLong("fake_nvml_offsetof", field);
    }

    /** How many times {@code nvmlSystemSetConfComputeGpusReadyState} succeeded since the last configuration. */
    public static int setCalls() {
        try {
            return (int)
                    hook("fake_nvml_set_calls", FunctionDescriptor.of(JAVA_INT)).invoke();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** How many times the NVML function {@code name} was called since the last configuration. */
    public static int calls(String name) {
        try (Arena a = Arena.ofConfined()) {
            return (int) hook("fake_nvml_calls", FunctionDescriptor.of(JAVA_INT, ADDRESS))
                    .invoke(a.allocateFrom(name));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The nonce of the last attestation report request. */
    public static byte[] lastNonce() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(32);
            hook("fake_nvml_last_nonce", FunctionDescriptor.ofVoid(ADDRESS)).invoke(out);
            return out.toArray(JAVA_BYTE);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static long stringToLong(String hook, String arg) {
        try (Arena a = Arena.ofConfined()) {
            return (long) hook(hook, FunctionDescriptor.of(JAVA_LONG, ADDRESS)).invoke(a.allocateFrom(arg));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
