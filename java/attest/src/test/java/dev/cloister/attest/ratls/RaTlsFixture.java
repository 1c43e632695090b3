package dev.cloister.attest.ratls;

import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.sevsnp.SevSnpPolicy;
import dev.cloister.attest.sim.SimulatedNvidiaGpu;
import dev.cloister.attest.sim.SimulatedSevSnpPlatform;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Simulated platforms shared by the RA-TLS tests of one JVM (generated once under target/, as RSA-4096 keys take
 * seconds), and helpers that run handshakes in memory.
 */
final class RaTlsFixture {

    static final SecureRandom RANDOM = new SecureRandom();
    static final byte[] RELEASE = filled(48, 0x5a);
    static final byte[] OTHER_RELEASE = filled(48, 0x6b);
    static final AttestationVerifier VERIFIER = AttestationVerifier.create();
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static SimulatedSevSnpPlatform cpu;
    private static SimulatedNvidiaGpu gpu;

    private RaTlsFixture() {}

    static synchronized SimulatedSevSnpPlatform cpu() {
        if (cpu == null) {
            try {
                Path dir = Path.of("target", "ratls-sim");
                cpu = SimulatedSevSnpPlatform.openOrCreate(dir, Instant.now(), RANDOM);
                gpu = SimulatedNvidiaGpu.openOrCreate(dir, Instant.now(), RANDOM);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return cpu;
    }

    static synchronized SimulatedNvidiaGpu gpu() {
        cpu();
        return gpu;
    }

    static byte[] filled(int n, int b) {
        byte[] a = new byte[n];
        Arrays.fill(a, (byte) b);
        return a;
    }

    /** A CPU + GPU enclave of {@link #RELEASE}, no added report latency, GPU evidence refreshed every minute. */
    static SimulatedEvidenceSource source(Clock clock) {
        return new SimulatedEvidenceSource(
                cpu(), Optional.of(gpu()), RELEASE, Duration.ZERO, Duration.ofMinutes(1), clock, RANDOM);
    }

    /** An enclave of {@code source}, a fresh report per handshake. */
    static EnclaveIdentity perHandshake(EvidenceSource source) {
        return EnclaveIdentity.generate(
                source,
                new AttestationMode.PerHandshake(),
                EnclaveIdentity.DEFAULT_CERTIFICATE_LIFETIME,
                TIMEOUT,
                Clock.systemUTC(),
                RANDOM);
    }

    /** Whether a client with {@code policy} completes a handshake with {@code server}. */
    static boolean completes(RaTlsPolicy policy, CertificateIssuer server) throws RaTlsException {
        RaTlsConnection c = client(policy).connect();
        pump(c, server(server).accept());
        return c.isHandshakeComplete();
    }

    static EnclaveIdentity identity(AttestationMode mode) {
        return EnclaveIdentity.generate(
                source(Clock.systemUTC()),
                mode,
                EnclaveIdentity.DEFAULT_CERTIFICATE_LIFETIME,
                TIMEOUT,
                Clock.systemUTC(),
                RANDOM);
    }

    static SevSnpPolicy simulatedCpu() {
        return cpu().insecurePolicy();
    }

    static RaTlsPolicy.RequireGpu simulatedGpu(Duration maxAge) {
        return new RaTlsPolicy.RequireGpu(gpu().insecurePolicy(), maxAge);
    }

    /** Accepts {@link #RELEASE} on the simulated roots, with a GPU refreshed within 5 minutes. */
    static RaTlsPolicy policy() {
        return RaTlsPolicy.acceptingReleases(simulatedCpu(), List.of(RELEASE), simulatedGpu(Duration.ofMinutes(5)));
    }

    static RaTlsServer server(CertificateIssuer identity) {
        return new RaTlsServer(
                identity,
                List.of(KeyExchange.X25519, KeyExchange.X25519_MLKEM768),
                new RaTlsServer.ClientAuthentication.None(),
                TIMEOUT,
                Clock.systemUTC(),
                RANDOM);
    }

    static RaTlsClient client(RaTlsPolicy policy) {
        return client(policy, Clock.systemUTC());
    }

    static RaTlsClient client(RaTlsPolicy policy, Clock clock) {
        return new RaTlsClient(policy, VERIFIER, KeyExchange.X25519, Optional.empty(), TIMEOUT, clock, RANDOM);
    }

    /** Moves bytes both ways until neither side has anything to send. */
    static void pump(RaTlsConnection client, RaTlsConnection server) throws RaTlsException {
        for (int i = 0; i < 16; i++) {
            byte[] a = client.takeOutgoing();
            if (a.length > 0) {
                server.receive(a);
            }
            byte[] b = server.takeOutgoing();
            if (b.length > 0) {
                client.receive(b);
            }
            if (a.length == 0 && b.length == 0) {
                return;
            }
        }
    }
}
