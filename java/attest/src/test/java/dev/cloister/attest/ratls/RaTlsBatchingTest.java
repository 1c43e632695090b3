package dev.cloister.attest.ratls;

import static dev.cloister.attest.ratls.RaTlsFixture.RANDOM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.sevsnp.SevSnpClaims;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Concurrent handshakes share hardware reports, and every client still verifies its own place in the batch. */
class RaTlsBatchingTest {

    /** Counts the hardware reports made. */
    static final class CountingSource implements EvidenceSource {
        final EvidenceSource inner;
        final AtomicInteger reports = new AtomicInteger();

        CountingSource(EvidenceSource inner) {
            this.inner = inner;
        }

        @Override
        public Optional<GpuEvidence> currentGpuEvidence() throws IOException {
            return inner.currentGpuEvidence();
        }

        @Override
        public CpuEvidence cpuReport(byte[] reportData) throws IOException {
            reports.incrementAndGet();
            return inner.cpuReport(reportData);
        }
    }

    @Test
    void concurrentHandshakesShareReportsAndEachVerifiesItsPath() throws Exception {
        CountingSource source = new CountingSource(new SimulatedEvidenceSource(
                RaTlsFixture.cpu(),
                Optional.of(RaTlsFixture.gpu()),
                RaTlsFixture.RELEASE,
                Duration.ofMillis(20),
                Duration.ofMinutes(1),
                Clock.systemUTC(),
                RANDOM));
        int handshakes = 24;
        try (EnclaveIdentity enclave = EnclaveIdentity.generate(
                        source,
                        new AttestationMode.Batched(Duration.ofMillis(10), 64),
                        EnclaveIdentity.DEFAULT_CERTIFICATE_LIFETIME,
                        RaTlsFixture.TIMEOUT,
                        Clock.systemUTC(),
                        RANDOM);
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            RaTlsServer server = RaTlsFixture.server(enclave);
            RaTlsClient client = RaTlsFixture.client(RaTlsFixture.policy());
            List<Future<RaTlsAttestation>> results = new ArrayList<>();
            for (int i = 0; i < handshakes; i++) {
                results.add(pool.submit(() -> {
                    RaTlsConnection c = client.connect();
                    RaTlsConnection s = server.accept();
                    RaTlsFixture.pump(c, s);
                    assertTrue(s.isHandshakeComplete());
                    return c.peer().orElseThrow();
                }));
            }
            Set<String> reportDatas = new HashSet<>();
            long batched = 0;
            for (Future<RaTlsAttestation> f : results) {
                RaTlsAttestation a = f.get();
                reportDatas.add(HexFormat.of().formatHex(((SevSnpClaims) a.cpu().claims()).reportData()));
                batched += a.batchSize() > 1 ? 1 : 0;
            }
            assertTrue(source.reports.get() < handshakes, "reports: " + source.reports.get());
            assertEquals(source.reports.get(), reportDatas.size(), "one REPORT_DATA per report");
            assertTrue(batched > 0, "some handshakes shared a report");
        }
    }

    @Test
    void aSingleHandshakeIsABatchOfOne() throws Exception {
        try (EnclaveIdentity enclave = RaTlsFixture.identity(new AttestationMode.Batched(Duration.ofMillis(1), 8))) {
            RaTlsConnection c = RaTlsFixture.client(RaTlsFixture.policy()).connect();
            RaTlsConnection s = RaTlsFixture.server(enclave).accept();
            RaTlsFixture.pump(c, s);
            assertEquals(1, c.peer().orElseThrow().batchSize());
        }
    }
}
