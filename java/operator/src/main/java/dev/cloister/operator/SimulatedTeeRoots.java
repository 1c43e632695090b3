package dev.cloister.operator;

import dev.cloister.attest.nvgpu.NvidiaGpuPolicy;
import dev.cloister.attest.ratls.AcceptedCpuPlatforms;
import dev.cloister.attest.sevsnp.SevSnpPolicy;
import dev.cloister.attest.sim.SimulatedNvidiaGpu;
import dev.cloister.attest.sim.SimulatedSevSnpPlatform;
import dev.cloister.attest.sim.SimulatedTdxPlatform;
import dev.cloister.attest.tdx.TdxPolicy;
import dev.cloister.server.command.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code --insecure-simulated-tee DIR} on a verifier's side (the client, the gateway): policies that trust the simulated
 * platform whose roots are in {@code DIR}. The roots are read, never created: only the platform's own commands
 * ({@code cloister enclave --sim-dir}, {@code cloister demo}) make them, and a verifier pointed at a wrong directory is
 * told so instead of trusting fresh roots that no enclave uses.
 *
 * @param cpu the simulated SEV-SNP root's policy; Intel-only choices ({@link AcceptedCpuPlatforms.Choice#TDX}) never consult it
 *     and get {@link SevSnpPolicy#genuineAmd()}, which no simulated report satisfies
 * @param gpu the simulated GPU root's policy
 * @param tdx with a choice that accepts TDX: the simulated TDX root's policy, TCB status UpToDate required
 */
public record SimulatedTeeRoots(SevSnpPolicy cpu, NvidiaGpuPolicy gpu, Optional<TdxPolicy> tdx) {

    /** The simulated TDX platform's file in a simulator directory ({@code SimulatedTdxPlatform} keeps it there). */
    static final String TDX_FILE = "sim-tdx.pem";

    public SimulatedTeeRoots {
        Objects.requireNonNull(cpu, "cpu");
        Objects.requireNonNull(gpu, "gpu");
        Objects.requireNonNull(tdx, "tdx");
    }

    /** The CPU platforms {@code choice} names, TDX quotes under the simulated TDX root ({@link #open} read it). */
    public AcceptedCpuPlatforms accepted(AcceptedCpuPlatforms.Choice choice) {
        return choice.with(tdx);
    }

    /** The SEV-SNP and GPU roots in {@code dir} (SEV-SNP only). */
    public static SimulatedTeeRoots open(String option, Path dir) throws IOException {
        return open(option, dir, AcceptedCpuPlatforms.Choice.SEV_SNP);
    }

    /** The roots in {@code dir} of each CPU platform that {@code platforms} accepts, and the GPU's. */
    public static SimulatedTeeRoots open(String option, Path dir, AcceptedCpuPlatforms.Choice platforms)
            throws IOException {
        String argument = option + " " + dir;
        if (!Files.exists(dir)) {
            throw new UsageException(
                    argument, "no such directory (the enclave creates it: 'cloister enclave --sim-dir " + dir + "')");
        }
        if (!Files.isDirectory(dir)) {
            throw new UsageException(argument, "not a directory");
        }
        try {
            SecureRandom random = new SecureRandom();
            SevSnpPolicy cpu = platforms.acceptsSevSnp()
                    ? SimulatedSevSnpPlatform.open(dir, random).insecurePolicy()
                    : SevSnpPolicy.genuineAmd();
            Optional<TdxPolicy> tdx = Optional.empty();
            if (platforms.acceptsTdx()) {
                Path file = dir.resolve(TDX_FILE);
                if (!Files.isRegularFile(file)) {
                    throw new UsageException(
                            argument,
                            "holds no simulated TDX platform (" + file + " is missing; 'cloister enclave"
                                    + " --simulated-platform tdx --sim-dir " + dir + "' creates it)");
                }
                // The file exists, so this reads it and creates nothing.
                tdx = Optional.of(SimulatedTdxPlatform.openOrCreate(dir, Instant.now(), random)
                        .insecurePolicy()
                        .withTcb(TdxPolicy.TcbStatusIn.upToDate()));
            }
            return new SimulatedTeeRoots(cpu, SimulatedNvidiaGpu.open(dir).insecurePolicy(), tdx);
        } catch (NoSuchFileException e) {
            throw new UsageException(
                    argument,
                    "holds no simulated platform (" + e.getFile() + " is missing; " + "'cloister enclave --sim-dir "
                            + dir + "' creates it)");
        }
    }
}
