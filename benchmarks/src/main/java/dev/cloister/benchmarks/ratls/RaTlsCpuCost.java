package dev.cloister.benchmarks.ratls;

import dev.cloister.attest.ratls.AttestationMode;
import dev.cloister.attest.ratls.EnclaveIdentity;
import dev.cloister.attest.ratls.KeyExchange;
import dev.cloister.attest.ratls.RaTlsClient;
import dev.cloister.attest.ratls.RaTlsConnection;
import dev.cloister.attest.ratls.RaTlsServer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

/**
 * CPU time (not wall time) of each side of an in-memory RA-TLS handshake, measured with the thread CPU clock, so that
 * the numbers hold on a loaded shared machine where JMH's wall-clock scores swing. One thread runs both sides in turn;
 * client = ClientHello + appraisal of the server's flight + Finished; server = the flight (with the simulated report,
 * whose ECDSA P-384 signing stands in for the security processor) + the client's Finished. Medians over the runs.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.cloister.benchmarks.ratls.RaTlsCpuCost [handshakes]
 * </pre>
 */
public final class RaTlsCpuCost {

    private RaTlsCpuCost() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        SimulatedEnclave enclave = new SimulatedEnclave();
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        dev.cloister.attest.ratls.SimulatedEvidenceSource firmware =
                new dev.cloister.attest.ratls.SimulatedEvidenceSource(
                        enclave.cpu,
                        java.util.Optional.empty(),
                        SimulatedEnclave.RELEASE,
                        Duration.ZERO,
                        Duration.ofMinutes(1),
                        java.time.Clock.systemUTC(),
                        SimulatedEnclave.RANDOM);
        long[] reportNs = new long[n];
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < n; i++) {
                long t0 = cpu.getCurrentThreadCpuTime();
                firmware.cpuReport(new byte[64]);
                reportNs[i] = cpu.getCurrentThreadCpuTime() - t0;
            }
        }
        System.out.println(String.format(
                Locale.ROOT,
                "simulated SEV-SNP report (ECDSA P-384 signing, the security "
                        + "processor's work on real hardware): %.2f ms CPU (median of %d)",
                median(reportNs) / 1e6,
                n));
        for (KeyExchange group : KeyExchange.values()) {
            try (EnclaveIdentity identity = enclave.identity(new AttestationMode.PerHandshake(), Duration.ZERO)) {
                RaTlsServer server = enclave.server(identity);
                RaTlsClient client = enclave.client(group);
                long[] clientNs = new long[n];
                long[] serverNs = new long[n];
                for (int round = 0; round < 2; round++) {
                    for (int i = 0; i < n; i++) {
                        long t0 = cpu.getCurrentThreadCpuTime();
                        RaTlsConnection c = client.connect();
                        byte[] hello = c.takeOutgoing();
                        long t1 = cpu.getCurrentThreadCpuTime();
                        RaTlsConnection s = server.accept();
                        s.receive(hello);
                        byte[] flight = s.takeOutgoing();
                        long t2 = cpu.getCurrentThreadCpuTime();
                        c.receive(flight);
                        byte[] fin = c.takeOutgoing();
                        long t3 = cpu.getCurrentThreadCpuTime();
                        s.receive(fin);
                        long t4 = cpu.getCurrentThreadCpuTime();
                        if (!c.isHandshakeComplete() || !s.isHandshakeComplete()) {
                            throw new IllegalStateException("handshake did not complete");
                        }
                        clientNs[i] = (t1 - t0) + (t3 - t2);
                        serverNs[i] = (t2 - t1) + (t4 - t3);
                    }
                }
                double clientMs = median(clientNs) / 1e6;
                double serverMs = median(serverNs) / 1e6;
                System.out.println(String.format(
                        Locale.ROOT,
                        "%-16s client %.2f ms CPU/handshake (median of %d), "
                                + "server %.2f ms CPU/handshake → %.0f handshakes/s on 2 cores",
                        group,
                        clientMs,
                        n,
                        serverMs,
                        2000 / serverMs));
            }
        }
    }

    static double median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
