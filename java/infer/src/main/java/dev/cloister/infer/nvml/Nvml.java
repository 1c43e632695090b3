package dev.cloister.infer.nvml;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.cloister.base.Bytes;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * NVML's confidential-computing calls through the JDK's foreign-function API: loads the driver's
 * {@code libnvidia-ml.so.1} and nothing else (no JNI library, no CUDA runtime, no {@code libcuda}), so it works in a
 * guest whatever CUDA version it has, or none. {@link #open} calls {@code nvmlInit_v2}; {@link #close} calls
 * {@code nvmlShutdown} and unloads the library. Every failed call throws {@link NvmlException} naming the function and
 * its return code. Struct layouts are nvml.h's (R550 and later); {@code FakeNvmlTest} checks them against a C compiler's.
 *
 * <p>Of the setters only {@link #setGpusReadyState} exists, and only an instance opened with {@link Access#READ_WRITE}
 * may call it; the system property {@value #READ_ONLY_PROPERTY}{@code =true} makes every instance read-only (the
 * device checks run so, on GPUs lent to them).
 */
public final class Nvml implements AutoCloseable {

    /** Where Debian, Ubuntu and NVIDIA's own packages install the driver's library (what the CVM image carries). */
    public static final Path DRIVER_LIBRARY = Path.of("/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1");
    /** Setting this system property to {@code true} refuses every NVML setter in this process. */
    public static final String READ_ONLY_PROPERTY = "cloister.nvml.read-only";

    /** Whether this instance may change GPU settings. */
    public enum Access {
        READ_ONLY,
        READ_WRITE
    }

    static final StructLayout STATE = MemoryLayout.structLayout(
            JAVA_INT.withName("environment"), JAVA_INT.withName("ccFeature"), JAVA_INT.withName("devToolsMode"));
    static final StructLayout SETTINGS_V1 = MemoryLayout.structLayout(
            JAVA_INT.withName("version"),
            JAVA_INT.withName("environment"),
            JAVA_INT.withName("ccFeature"),
            JAVA_INT.withName("devToolsMode"),
            JAVA_INT.withName("multiGpuMode"));
    /** {@code nvmlSystemConfComputeSettings_v1}: {@code NVML_STRUCT_VERSION(SystemConfComputeSettings, 1)}. */
    static final int SETTINGS_V1_VERSION = (int) SETTINGS_V1.byteSize() | (1 << 24);

    static final StructLayout CAPS =
            MemoryLayout.structLayout(JAVA_INT.withName("cpuCaps"), JAVA_INT.withName("gpusCaps"));
    static final StructLayout MEM_SIZE_INFO = MemoryLayout.structLayout(
            JAVA_LONG.withName("protectedMemSizeKib"), JAVA_LONG.withName("unprotectedMemSizeKib"));
    static final int NONCE_SIZE = 0x20;
    static final int REPORT_SIZE = 0x2000;
    static final int CEC_REPORT_SIZE = 0x1000;
    static final StructLayout ATTESTATION_REPORT = MemoryLayout.structLayout(
            JAVA_INT.withName("isCecAttestationReportPresent"),
            JAVA_INT.withName("attestationReportSize"),
            JAVA_INT.withName("cecAttestationReportSize"),
            MemoryLayout.sequenceLayout(NONCE_SIZE, JAVA_BYTE).withName("nonce"),
            MemoryLayout.sequenceLayout(REPORT_SIZE, JAVA_BYTE).withName("attestationReport"),
            MemoryLayout.sequenceLayout(CEC_REPORT_SIZE, JAVA_BYTE).withName("cecAttestationReport"));
    static final int CERT_CHAIN_SIZE = 0x1000;
    static final int ATTESTATION_CERT_CHAIN_SIZE = 0x1400;
    static final StructLayout CERTIFICATE = MemoryLayout.structLayout(
            JAVA_INT.withName("certChainSize"),
            JAVA_INT.withName("attestationCertChainSize"),
            MemoryLayout.sequenceLayout(CERT_CHAIN_SIZE, JAVA_BYTE).withName("certChain"),
            MemoryLayout.sequenceLayout(ATTESTATION_CERT_CHAIN_SIZE, JAVA_BYTE).withName("attestationCertChain"));

    /** nvml.h's buffer sizes for the strings read here. */
    static final int DRIVER_VERSION_BUFFER = 80;

    static final int VBIOS_VERSION_BUFFER = 32;
    static final int UUID_BUFFER = 96;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final FunctionDescriptor NO_ARGS = FunctionDescriptor.of(JAVA_INT);
    private static final FunctionDescriptor POINTER = FunctionDescriptor.of(JAVA_INT, ADDRESS);
    private static final FunctionDescriptor UINT = FunctionDescriptor.of(JAVA_INT, JAVA_INT);
    private static final FunctionDescriptor POINTER_UINT = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT);
    private static final FunctionDescriptor UINT_POINTER = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS);
    private static final FunctionDescriptor HANDLE_POINTER = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
    private static final FunctionDescriptor HANDLE_POINTER_UINT =
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);

    /** Every function this binding calls, with its C signature. */
    static final Map<String, FunctionDescriptor> FUNCTIONS = Map.ofEntries(
            Map.entry("nvmlInit_v2", NO_ARGS),
            Map.entry("nvmlShutdown", NO_ARGS),
            Map.entry("nvmlSystemGetDriverVersion", POINTER_UINT),
            Map.entry("nvmlSystemGetConfComputeState", POINTER),
            Map.entry("nvmlSystemGetConfComputeSettings", POINTER),
            Map.entry("nvmlSystemGetConfComputeCapabilities", POINTER),
            Map.entry("nvmlSystemGetConfComputeGpusReadyState", POINTER),
            Map.entry("nvmlSystemSetConfComputeGpusReadyState", UINT),
            Map.entry("nvmlDeviceGetCount_v2", POINTER),
            Map.entry("nvmlDeviceGetHandleByIndex_v2", UINT_POINTER),
            Map.entry("nvmlDeviceGetArchitecture", HANDLE_POINTER),
            Map.entry("nvmlDeviceGetUUID", HANDLE_POINTER_UINT),
            Map.entry("nvmlDeviceGetVbiosVersion", HANDLE_POINTER_UINT),
            Map.entry("nvmlDeviceGetConfComputeMemSizeInfo", HANDLE_POINTER),
            Map.entry("nvmlDeviceGetConfComputeGpuAttestationReport", HANDLE_POINTER),
            Map.entry("nvmlDeviceGetConfComputeGpuCertificate", HANDLE_POINTER));

    /** One GPU as NVML numbers it; valid while the {@link Nvml} that gave it is open. */
    public static final class Device {
        private final int index;
        private final MemorySegment handle;

        private Device(int index, MemorySegment handle) {
            this.index = index;
            this.handle = handle;
        }

        public int index() {
            return index;
        }

        @Override
        public String toString() {
            return "GPU " + index;
        }
    }

    private final Path library;
    private final Arena arena;
    private final Access access;
    private final Map<String, MethodHandle> handles;
    private boolean closed;

    private Nvml(Path library, Arena arena, Access access, Map<String, MethodHandle> handles) {
        this.library = library;
        this.arena = arena;
        this.access = access;
        this.handles = handles;
    }

    /**
     * Loads {@code library} (the driver's {@link #DRIVER_LIBRARY} in production) and initializes NVML.
     *
     * @throws NvmlException {@link NvmlReturn#ERROR_LIBRARY_NOT_FOUND} if the library cannot be loaded, {@link
     *     NvmlReturn#ERROR_FUNCTION_NOT_FOUND} if it lacks {@code nvmlInit_v2}, or what {@code nvmlInit_v2} returned
     */
    @SuppressWarnings("MustBeClosedChecker") // the arena holds the library for this instance; close() closes it
    public static Nvml open(Path library, Access access) throws NvmlException {
        Objects.requireNonNull(library, "library");
        Objects.requireNonNull(access, "access");
        if (Boolean.getBoolean(READ_ONLY_PROPERTY)) {
            access = Access.READ_ONLY;
        }
        Arena arena = Arena.ofShared();
        SymbolLookup lookup;
        try {
            lookup = SymbolLookup.libraryLookup(library, arena);
        } catch (IllegalArgumentException e) {
            arena.close();
            throw new NvmlException(
                    "dlopen",
                    NvmlReturn.ERROR_LIBRARY_NOT_FOUND.code(),
                    "cannot load " + library + " (" + e.getMessage() + ")",
                    e);
        }
        Map<String, MethodHandle> handles = new HashMap<>();
        FUNCTIONS.forEach((name, descriptor) ->
                lookup.find(name).ifPresent(symbol -> handles.put(name, LINKER.downcallHandle(symbol, descriptor))));
        Nvml nvml = new Nvml(library, arena, access, Map.copyOf(handles));
        try {
            nvml.check("nvmlInit_v2");
        } catch (NvmlException e) {
            arena.close();
            throw e;
        }
        return nvml;
    }

    /** The library this instance loaded. */
    public Path library() {
        return library;
    }

    public Access access() {
        return access;
    }

    /** Whether the loaded library exports {@code function}. */
    public boolean has(String function) {
        return handles.containsKey(function);
    }

    /** {@code nvmlSystemGetDriverVersion}, e.g. {@code 550.90.07}. */
    public String driverVersion() throws NvmlException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buffer = a.allocate(DRIVER_VERSION_BUFFER);
            check("nvmlSystemGetDriverVersion", buffer, DRIVER_VERSION_BUFFER);
            return string("nvmlSystemGetDriverVersion", buffer);
        }
    }

    /** {@code nvmlSystemGetConfComputeState}. */
    public ConfCompute.State confComputeState() throws NvmlException {
        String f = "nvmlSystemGetConfComputeState";
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(STATE);
            check(f, s);
            return new ConfCompute.State(
                    ConfCompute.value(ConfCompute.Environment.class, s.get(JAVA_INT, 0), f, "environment"),
                    ConfCompute.value(ConfCompute.Feature.class, s.get(JAVA_INT, 4), f, "ccFeature"),
                    ConfCompute.value(ConfCompute.DevToolsMode.class, s.get(JAVA_INT, 8), f, "devToolsMode"));
        }
    }

    /** {@code nvmlSystemGetConfComputeSettings} with the struct's version 1 ({@code 0x01000014}). */
    public ConfCompute.Settings confComputeSettings() throws NvmlException {
        String f = "nvmlSystemGetConfComputeSettings";
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(SETTINGS_V1);
            s.set(JAVA_INT, 0, SETTINGS_V1_VERSION);
            check(f, s);
            return new ConfCompute.Settings(
                    ConfCompute.value(ConfCompute.Environment.class, s.get(JAVA_INT, 4), f, "environment"),
                    ConfCompute.value(ConfCompute.Feature.class, s.get(JAVA_INT, 8), f, "ccFeature"),
                    ConfCompute.value(ConfCompute.DevToolsMode.class, s.get(JAVA_INT, 12), f, "devToolsMode"),
                    ConfCompute.value(ConfCompute.MultiGpuMode.class, s.get(JAVA_INT, 16), f, "multiGpuMode"));
        }
    }

    /** {@code nvmlSystemGetConfComputeCapabilities}. */
    public ConfCompute.Capabilities confComputeCapabilities() throws NvmlException {
        String f = "nvmlSystemGetConfComputeCapabilities";
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(CAPS);
            check(f, s);
            return new ConfCompute.Capabilities(
                    ConfCompute.value(ConfCompute.CpuCaps.class, s.get(JAVA_INT, 0), f, "cpuCaps"),
                    ConfCompute.value(ConfCompute.GpusCaps.class, s.get(JAVA_INT, 4), f, "gpusCaps"));
        }
    }

    /** {@code nvmlSystemGetConfComputeGpusReadyState}. */
    public ConfCompute.ReadyState gpusReadyState() throws NvmlException {
        String f = "nvmlSystemGetConfComputeGpusReadyState";
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(JAVA_INT);
            check(f, s);
            return ConfCompute.value(ConfCompute.ReadyState.class, s.get(JAVA_INT, 0), f, "ready state");
        }
    }

    /**
     * {@code nvmlSystemSetConfComputeGpusReadyState}: lets CUDA use the GPUs (or stops it). Changes the GPUs' state for
     * every process of the machine; only the enclave's start gate calls it, as its last step.
     *
     * @throws NvmlException {@link NvmlReturn#ERROR_NO_PERMISSION} without calling NVML when this instance is
     *     read-only, or what NVML returned
     */
    public void setGpusReadyState(ConfCompute.ReadyState state) throws NvmlException {
        String f = "nvmlSystemSetConfComputeGpusReadyState";
        Objects.requireNonNull(state, "state");
        if (access != Access.READ_ONLY) {
            check(f, state.ordinal());
            return;
        }
        throw new NvmlException(
                f,
                NvmlReturn.ERROR_NO_PERMISSION.code(),
                "refused by this binding: opened read-only (" + READ_ONLY_PROPERTY + ")",
                null);
    }

    /** {@code nvmlDeviceGetCount_v2}. */
    public int deviceCount() throws NvmlException {
        String f = "nvmlDeviceGetCount_v2";
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(JAVA_INT);
            check(f, s);
            int n = s.get(JAVA_INT, 0);
            if (n < 0 || n > 64) {
                throw NvmlException.unexpected(f, "a count of " + Integer.toUnsignedString(n) + " devices");
            }
            return n;
        }
    }

    /** {@code nvmlDeviceGetHandleByIndex_v2}. */
    public Device device(int index) throws NvmlException {
        String f = "nvmlDeviceGetHandleByIndex_v2";
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(ADDRESS);
            check(f, index, s);
            MemorySegment handle = s.get(ADDRESS, 0);
            if (handle.equals(MemorySegment.NULL)) {
                throw NvmlException.unexpected(f, "a null handle for device " + index);
            }
            return new Device(index, handle);
        }
    }

    /** {@code nvmlDeviceGetArchitecture}. */
    public DeviceArchitecture architecture(Device device) throws NvmlException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(JAVA_INT);
            check("nvmlDeviceGetArchitecture", device.handle, s);
            return DeviceArchitecture.of(s.get(JAVA_INT, 0));
        }
    }

    /** {@code nvmlDeviceGetUUID}, e.g. {@code GPU-fa4e…}. */
    public String uuid(Device device) throws NvmlException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buffer = a.allocate(UUID_BUFFER);
            check("nvmlDeviceGetUUID", device.handle, buffer, UUID_BUFFER);
            return string("nvmlDeviceGetUUID", buffer);
        }
    }

    /** {@code nvmlDeviceGetVbiosVersion}, e.g. {@code 96.00.5E.00.01}. */
    public String vbiosVersion(Device device) throws NvmlException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buffer = a.allocate(VBIOS_VERSION_BUFFER);
            check("nvmlDeviceGetVbiosVersion", device.handle, buffer, VBIOS_VERSION_BUFFER);
            return string("nvmlDeviceGetVbiosVersion", buffer);
        }
    }

    /** {@code nvmlDeviceGetConfComputeMemSizeInfo}. */
    public ConfCompute.MemSizeInfo memSizeInfo(Device device) throws NvmlException {
        String f = "nvmlDeviceGetConfComputeMemSizeInfo";
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(MEM_SIZE_INFO);
            check(f, device.handle, s);
            long p = s.get(JAVA_LONG, 0);
            long u = s.get(JAVA_LONG, 8);
            if (p < 0 || u < 0) {
                throw NvmlException.unexpected(f, "memory sizes above 2^63 KiB");
            }
            return new ConfCompute.MemSizeInfo(p, u);
        }
    }

    /**
     * {@code nvmlDeviceGetConfComputeGpuAttestationReport}: asks the GPU for a report over {@code nonce}.
     *
     * @param nonce 32 bytes, fresh for each report
     */
    public GpuAttestationReport attestationReport(Device device, byte[] nonce) throws NvmlException {
        String f = "nvmlDeviceGetConfComputeGpuAttestationReport";
        if (nonce.length != NONCE_SIZE) {
            throw new IllegalArgumentException("the nonce is 32 bytes, got " + nonce.length);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(ATTESTATION_REPORT);
            MemorySegment.copy(nonce, 0, s, JAVA_BYTE, 12, NONCE_SIZE);
            check(f, device.handle, s);
            int present = s.get(JAVA_INT, 0);
            int size = s.get(JAVA_INT, 4);
            int cecSize = s.get(JAVA_INT, 8);
            if (size <= 0 || size > REPORT_SIZE) {
                throw NvmlException.unexpected(f, "a report of " + Integer.toUnsignedString(size) + " bytes");
            }
            if (present > 1 || (present == 1 && (cecSize <= 0 || cecSize > CEC_REPORT_SIZE))) {
                throw NvmlException.unexpected(
                        f,
                        "a CEC report flagged " + Integer.toUnsignedString(present) + " of "
                                + Integer.toUnsignedString(cecSize) + " bytes");
            }
            long reportOffset = 12 + NONCE_SIZE;
            byte[] report = s.asSlice(reportOffset, size).toArray(JAVA_BYTE);
            Optional<Bytes> cec = present == 1
                    ? Optional.of(Bytes.of(
                            s.asSlice(reportOffset + REPORT_SIZE, cecSize).toArray(JAVA_BYTE)))
                    : Optional.empty();
            return new GpuAttestationReport(Bytes.of(nonce), Bytes.of(report), cec);
        }
    }

    /** {@code nvmlDeviceGetConfComputeGpuCertificate}. */
    public GpuCertificate certificate(Device device) throws NvmlException {
        String f = "nvmlDeviceGetConfComputeGpuCertificate";
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(CERTIFICATE);
            check(f, device.handle, s);
            int size = s.get(JAVA_INT, 0);
            int attestationSize = s.get(JAVA_INT, 4);
            if (size < 0
                    || size > CERT_CHAIN_SIZE
                    || attestationSize <= 0
                    || attestationSize > ATTESTATION_CERT_CHAIN_SIZE) {
                throw NvmlException.unexpected(
                        f,
                        "chains of " + Integer.toUnsignedString(size) + " and "
                                + Integer.toUnsignedString(attestationSize) + " bytes");
            }
            return new GpuCertificate(
                    Bytes.of(s.asSlice(8, size).toArray(JAVA_BYTE)),
                    Bytes.of(s.asSlice(8 + CERT_CHAIN_SIZE, attestationSize).toArray(JAVA_BYTE)));
        }
    }

    /** {@code nvmlShutdown}, then unloads the library (a failing shutdown still unloads it). */
    @Override
    public synchronized void close() throws NvmlException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            check("nvmlShutdown");
        } finally {
            arena.close();
        }
    }

    private void check(String function, Object... args) throws NvmlException {
        MethodHandle h = handles.get(function);
        if (h == null) {
            throw new NvmlException(
                    function, NvmlReturn.ERROR_FUNCTION_NOT_FOUND.code(), library + " does not export it", null);
        }
        int rc;
        try {
            rc = (int) h.invokeWithArguments(args);
        } catch (Throwable t) {
            if (t instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(function + ": the downcall failed", t);
        }
        if (rc != NvmlReturn.SUCCESS.code()) {
            throw new NvmlException(function, rc);
        }
    }

    /** A NUL-terminated string within its buffer (no terminator: refused). */
    private static String string(String function, MemorySegment buffer) throws NvmlException {
        byte[] bytes = buffer.toArray(JAVA_BYTE);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                return new String(bytes, 0, i, StandardCharsets.US_ASCII);
            }
        }
        throw NvmlException.unexpected(
                function, "a string without a terminator in its " + bytes.length + "-byte buffer");
    }

    @Override
    public String toString() {
        return "Nvml[" + library + ", " + access + "]";
    }
}
