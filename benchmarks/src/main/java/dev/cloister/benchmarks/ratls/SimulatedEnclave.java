package dev.cloister.benchmarks.ratls;

import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.ratls.AttestationMode;
import dev.cloister.attest.ratls.EnclaveIdentity;
import dev.cloister.attest.ratls.KeyExchange;
import dev.cloister.attest.ratls.RaTlsClient;
import dev.cloister.attest.ratls.RaTlsPolicy;
import dev.cloister.attest.ratls.RaTlsServer;
import dev.cloister.attest.ratls.SimulatedEvidenceSource;
import dev.cloister.attest.sim.SimulatedNvidiaGpu;
import dev.cloister.attest.sim.SimulatedSevSnpPlatform;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** A simulated CPU + GPU enclave and a client that trusts its release, for the RA-TLS benchmarks. */
final class SimulatedEnclave {

    static final SecureRandom RANDOM = new SecureRandom();
    static final byte[] RELEASE = new byte[48];

    static {
        Arrays.fill(RELEASE, (byte) 0x5a);
    }

    final SimulatedSevSnpPlatform cpu;
    final SimulatedNvidiaGpu gpu;
    final AttestationVerifier verifier = AttestationVerifier.create();

    SimulatedEnclave() throws IOException {
        // Kept between runs: generating the simulated RSA-4096 chain takes seconds.
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "cloister-ratls-benchmark-sim");
        cpu = SimulatedSevSnpPlatform.openOrCreate(dir, Instant.now(), RANDOM);
        gpu = SimulatedNvidiaGpu.openOrCreate(dir, Instant.now(), RANDOM);
    }

    EnclaveIdentity identity(AttestationMode mode, Duration reportLatency) {
        SimulatedEvidenceSource source = new SimulatedEvidenceSource(
                cpu, Optional.of(gpu), RELEASE, reportLatency, Duration.ofMinutes(1), Clock.systemUTC(), RANDOM);
        return EnclaveIdentity.generate(
                source,
                mode,
                EnclaveIdentity.DEFAULT_CERTIFICATE_LIFETIME,
                Duration.ofSeconds(30),
                Clock.systemUTC(),
                RANDOM);
    }

    RaTlsServer server(EnclaveIdentity identity) {
        return RaTlsServer.create(
                identity,
                List.of(KeyExchange.X25519, KeyExchange.X25519_MLKEM768),
                new RaTlsServer.ClientAuthentication.None(),
                Duration.ofSeconds(30),
                Clock.systemUTC(),
                RANDOM);
    }

    RaTlsClient client(KeyExchange group) {
        return client(List.of(group));
    }

    /** A client offering {@code groups}, most preferred first, with a key share for each. */
    RaTlsClient client(List<KeyExchange> groups) {
        RaTlsPolicy policy = RaTlsPolicy.acceptingReleases(
                cpu.insecurePolicy(),
                List.of(RELEASE),
                new RaTlsPolicy.RequireGpu(gpu.insecurePolicy(), Duration.ofMinutes(5)));
        return RaTlsClient.create(
                policy, verifier, groups, Optional.empty(), Duration.ofSeconds(30), Clock.systemUTC(), RANDOM);
    }
}
