package dev.cloister.operator;

import dev.cloister.attest.nvgpu.NvidiaGpuPolicy;
import dev.cloister.attest.sevsnp.SevSnpPolicy;
import dev.cloister.attest.sim.SimulatedNvidiaGpu;
import dev.cloister.attest.sim.SimulatedSevSnpPlatform;
import dev.cloister.server.command.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;

/**
 * {@code --insecure-simulated-tee DIR} on a verifier's side (the client, the gateway): policies that trust the simulated
 * platform whose roots are in {@code DIR}. The roots are read, never created: only the platform's own commands
 * ({@code cloister enclave --sim-dir}, {@code cloister demo}) make them, and a verifier pointed at a wrong directory is
 * told so instead of trusting fresh roots that no enclave uses.
 */
public record SimulatedTeeRoots(SevSnpPolicy cpu, NvidiaGpuPolicy gpu) {

    public static SimulatedTeeRoots open(String option, Path dir) throws IOException {
        String argument = option + " " + dir;
        if (!Files.exists(dir)) {
            throw new UsageException(
                    argument, "no such directory (the enclave creates it: 'cloister enclave --sim-dir " + dir + "')");
        }
        if (!Files.isDirectory(dir)) {
            throw new UsageException(argument, "not a directory");
        }
        try {
            return new SimulatedTeeRoots(
                    SimulatedSevSnpPlatform.open(dir, new SecureRandom()).insecurePolicy(),
                    SimulatedNvidiaGpu.open(dir).insecurePolicy());
        } catch (NoSuchFileException e) {
            throw new UsageException(
                    argument,
                    "holds no simulated platform (" + e.getFile() + " is missing; " + "'cloister enclave --sim-dir "
                            + dir + "' creates it)");
        }
    }
}
