package dev.cloister.attest.ratls;

import dev.cloister.attest.AttestationException;
import dev.cloister.attest.sevsnp.SevSnpEndorsements;
import dev.cloister.base.Bytes;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AMD endorsement chains ({@code cpu-endorsements}: VCEK or VLEK, then ASK and ARK, PEM) that endorsed an accepted
 * report, decoded and keyed by their exact bytes, so that an enclave stapling the same chain at every handshake is not
 * decoded again. Bounded (the least recently used chain leaves first), thread-safe, and holding only public
 * certificates. Nothing is trusted because it is here: each handshake still verifies its report's signature against
 * the chain, the chain to a trusted root at that handshake's time, and the CRL stapled with it.
 */
final class DecodedCpuEndorsements {

    /** Chains remembered: an enclave pool spans a few hosts (one VCEK each), a few product lines. */
    static final int CAPACITY = 16;

    private final Map<Bytes, SevSnpEndorsements> chains = new LinkedHashMap<>(CAPACITY, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Bytes, SevSnpEndorsements> eldest) {
            return size() > CAPACITY;
        }
    };

    /** The chain {@code pem} decoded: as remembered, or decoded now ({@link RaTlsVerifier#cpuEndorsements}). */
    SevSnpEndorsements decode(Bytes pem) throws AttestationException {
        SevSnpEndorsements known;
        synchronized (chains) {
            known = chains.get(pem);
        }
        return known != null ? known : RaTlsVerifier.cpuEndorsements(pem.toByteArray());
    }

    /** Remembers {@code decoded}, decoded from {@code pem}, once a report it endorsed has been accepted. */
    void remember(Bytes pem, SevSnpEndorsements decoded) {
        synchronized (chains) {
            chains.put(pem, decoded);
        }
    }

    /** Whether {@code pem} is remembered (for tests). */
    boolean holds(Bytes pem) {
        synchronized (chains) {
            return chains.containsKey(pem);
        }
    }
}
