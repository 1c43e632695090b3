package dev.cloister.attest.ratls;

import java.time.Duration;
import java.util.Objects;

/** How a server enclave obtains the hardware reports for its handshakes. */
public sealed interface AttestationMode {

    /** One hardware report per handshake, bound to that handshake's client random (DESIGN.md step 4). */
    record PerHandshake() implements AttestationMode {}

    /**
     * Handshakes that ask for evidence within {@code window} of the first waiting one share one hardware report, whose
     * REPORT_DATA commits to the Merkle root of their client randoms (RA-TLS.md, "Batching").
     *
     * @param window how long the first handshake of a batch waits for others (e.g. 5 ms); zero takes whatever is
     *     already waiting when the platform is free
     * @param maxBatch at most this many handshakes per report (1..{@link RaTlsEvidence#MAX_BATCH})
     */
    record Batched(Duration window, int maxBatch) implements AttestationMode {
        public Batched {
            Objects.requireNonNull(window, "window");
            if (window.isNegative() || window.compareTo(Duration.ofSeconds(1)) > 0) {
                throw new IllegalArgumentException("batch window must be 0..1 s, got " + window);
            }
            if (maxBatch < 1 || maxBatch > RaTlsEvidence.MAX_BATCH) {
                throw new IllegalArgumentException(
                        "maxBatch must be 1.." + RaTlsEvidence.MAX_BATCH + ", got " + maxBatch);
            }
        }
    }
}
