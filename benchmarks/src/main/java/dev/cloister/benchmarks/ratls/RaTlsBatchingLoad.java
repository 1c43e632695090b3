package dev.cloister.benchmarks.ratls;

import dev.cloister.attest.ratls.AttestationMode;
import dev.cloister.attest.ratls.EnclaveIdentity;
import dev.cloister.attest.ratls.KeyExchange;
import dev.cloister.attest.ratls.RaTlsClient;
import dev.cloister.attest.ratls.RaTlsConnection;
import dev.cloister.attest.ratls.RaTlsException;
import dev.cloister.attest.ratls.RaTlsServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * Open-loop load on one simulated enclave whose hardware reports take 20 ms each, one at a time (as a TDX quote or an
 * SEV-SNP report through the security processor), with and without attestation batching. Handshakes arrive at a fixed
 * rate (scheduled times, so queueing delay counts: no coordinated omission); each one is the server's whole part of a
 * real RA-TLS handshake: a ClientHello in, ServerHello … Finished out with a certificate bound to that ClientHello.
 * Latency is from the scheduled arrival to the server's flight being ready. After each run a sample of the flights is
 * handed to the clients that sent the ClientHellos, which verify them fully (the run fails if any is refused).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.cloister.benchmarks.ratls.RaTlsBatchingLoad [seconds] [window-ms]
 * </pre>
 */
public final class RaTlsBatchingLoad {

    private RaTlsBatchingLoad() {}

    record Result(
            String mode,
            int offered,
            int arrivals,
            int completed,
            double achieved,
            double p50,
            double p99,
            double max,
            int verified) {
        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "%-13s offered %4d/s  arrivals %5d  completed %5d  achieved %6.1f/s  "
                            + "p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms  verified %d",
                    mode,
                    offered,
                    arrivals,
                    completed,
                    achieved,
                    p50,
                    p99,
                    max,
                    verified);
        }
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int windowMs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Duration reportLatency = Duration.ofMillis(20);
        SimulatedEnclave enclave = new SimulatedEnclave();
        RaTlsClient client = enclave.client(KeyExchange.X25519);
        AttestationMode perHandshake = new AttestationMode.PerHandshake();
        AttestationMode batched = new AttestationMode.Batched(Duration.ofMillis(windowMs), 512);

        System.out.println("# warm-up");
        run(enclave, client, batched, reportLatency, 200, 4, "warm-up");
        List<Result> results = new ArrayList<>();
        for (int rate : new int[] {20, 40, 50, 60, 80}) {
            results.add(run(enclave, client, perHandshake, reportLatency, rate, seconds, "per-handshake"));
            System.out.println(results.getLast());
        }
        for (int rate : new int[] {100, 200, 400, 500, 600, 800}) {
            results.add(run(enclave, client, batched, reportLatency, rate, seconds, "batched-" + windowMs + "ms"));
            System.out.println(results.getLast());
        }
        System.out.println("# summary (report latency " + reportLatency.toMillis() + " ms serialized, " + seconds
                + " s of arrivals per rate, " + Runtime.getRuntime().availableProcessors() + " CPUs)");
        results.forEach(System.out::println);
    }

    static Result run(
            SimulatedEnclave enclave,
            RaTlsClient client,
            AttestationMode mode,
            Duration reportLatency,
            int rate,
            int seconds,
            String name)
            throws Exception {
        int n = rate * seconds;
        RaTlsConnection[] clients = new RaTlsConnection[n];
        byte[][] hellos = new byte[n][];
        for (int i = 0; i < n; i++) {
            clients[i] = client.connect();
            hellos[i] = clients[i].takeOutgoing();
        }
        byte[][] flights = new byte[n][];
        ConcurrentHistogram latencyMicros = new ConcurrentHistogram(TimeUnit.SECONDS.toMicros(120), 3);
        AtomicInteger completed = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicLong lastDone = new AtomicLong();
        try (EnclaveIdentity identity = enclave.identity(mode, reportLatency);
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            RaTlsServer server = enclave.server(identity);
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
            long interval = TimeUnit.SECONDS.toNanos(1) / rate;
            for (int i = 0; i < n; i++) {
                long scheduled = start + i * interval;
                for (long wait; (wait = scheduled - System.nanoTime()) > 0; ) {
                    LockSupport.parkNanos(wait);
                }
                int k = i;
                threads.execute(() -> {
                    try {
                        RaTlsConnection s = server.accept();
                        s.receive(hellos[k]);
                        flights[k] = s.takeOutgoing();
                        long done = System.nanoTime();
                        latencyMicros.recordValue(Math.min((done - scheduled) / 1000, TimeUnit.SECONDS.toMicros(120)));
                        lastDone.accumulateAndGet(done, Math::max);
                        completed.incrementAndGet();
                    } catch (RaTlsException | RuntimeException e) {
                        failed.incrementAndGet();
                    }
                });
            }
            threads.shutdown();
            if (!threads.awaitTermination(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException(name + " at " + rate + "/s did not drain in 120 s");
            }
            int verified = 0;
            for (int i = 0; i < n; i += Math.max(1, n / 40)) {
                if (flights[i] == null) {
                    continue;
                }
                clients[i].receive(flights[i]);
                if (!clients[i].isHandshakeComplete()) {
                    throw new IllegalStateException("a client did not accept its server flight");
                }
                verified++;
            }
            double elapsed = (lastDone.get() - start) / 1e9;
            return new Result(
                    name,
                    rate,
                    n,
                    completed.get(),
                    completed.get() / elapsed,
                    latencyMicros.getValueAtPercentile(50) / 1000.0,
                    latencyMicros.getValueAtPercentile(99) / 1000.0,
                    latencyMicros.getMaxValue() / 1000.0,
                    verified);
        } finally {
            Arrays.fill(clients, null);
            if (failed.get() > 0) {
                System.out.println("# " + name + " at " + rate + "/s: " + failed.get() + " handshakes failed");
            }
        }
    }
}
