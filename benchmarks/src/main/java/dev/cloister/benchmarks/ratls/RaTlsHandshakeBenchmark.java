package dev.cloister.benchmarks.ratls;

import dev.cloister.attest.ratls.AttestationMode;
import dev.cloister.attest.ratls.EnclaveIdentity;
import dev.cloister.attest.ratls.KeyExchange;
import dev.cloister.attest.ratls.RaTlsAttestation;
import dev.cloister.attest.ratls.RaTlsClient;
import dev.cloister.attest.ratls.RaTlsConnection;
import dev.cloister.attest.ratls.RaTlsException;
import dev.cloister.attest.ratls.RaTlsServer;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * RA-TLS handshakes in memory with simulated evidence (a fresh SEV-SNP report signed per handshake, GPU evidence
 * refreshed once a minute) and full client verification. Issue 6 targets: client ≤ 6 ms, server ≥ 400 handshakes/s on
 * 2 cores.
 *
 * <ul>
 *   <li>{@code fullHandshake}: client and server of one handshake on one thread (ms/op = client + server CPU);
 *   <li>{@code serverFlight}: the server's part only: a recorded ClientHello in, its whole first flight out (ServerHello
 *       … Finished, with the certificate and its fresh report); client ms ≈ fullHandshake − serverFlight;
 *   <li>{@code serverHandshakesPerSecond}: serverFlight on 2 threads, in handshakes per second.
 * </ul>
 */
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Benchmark)
public class RaTlsHandshakeBenchmark {

    /**
     * What the client offers: X25519 alone, the hybrid alone, or the default offer (the hybrid first and X25519, a key
     * share for each; the server picks the hybrid).
     */
    @Param({"X25519", "X25519_MLKEM768", "DEFAULT_OFFER"})
    public String group;

    private EnclaveIdentity identity;
    private RaTlsServer server;
    private RaTlsClient client;
    private byte[] clientHello;

    @Setup
    public void setUp() throws IOException, RaTlsException {
        SimulatedEnclave enclave = new SimulatedEnclave();
        identity = enclave.identity(new AttestationMode.PerHandshake(), Duration.ZERO);
        server = enclave.server(identity);
        client = enclave.client(
                group.equals("DEFAULT_OFFER") ? KeyExchange.DEFAULT_OFFER : List.of(KeyExchange.valueOf(group)));
        clientHello = client.connect().takeOutgoing();
        handshake();
    }

    @TearDown
    public void tearDown() {
        identity.close();
    }

    private RaTlsAttestation handshake() throws RaTlsException {
        RaTlsConnection c = client.connect();
        RaTlsConnection s = server.accept();
        s.receive(c.takeOutgoing());
        c.receive(s.takeOutgoing());
        s.receive(c.takeOutgoing());
        if (!s.isHandshakeComplete()) {
            throw new IllegalStateException("server did not complete");
        }
        return c.peer().orElseThrow();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public RaTlsAttestation fullHandshake() throws RaTlsException {
        return handshake();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public byte[] serverFlight() throws RaTlsException {
        RaTlsConnection s = server.accept();
        s.receive(clientHello);
        return s.takeOutgoing();
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(2)
    public byte[] serverHandshakesPerSecond() throws RaTlsException {
        return serverFlight();
    }
}
