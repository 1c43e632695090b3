package dev.cloister.attest.ratls;

import static dev.cloister.attest.ratls.RaTlsFixture.RANDOM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.sim.SimulatedSevSnpPlatform;
import dev.cloister.base.Bytes;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A remembered AMD chain ({@link DecodedCpuEndorsements}) saves only its decoding: what a handshake refuses with the
 * chain decoded afresh, it refuses with the chain remembered from an accepted handshake.
 */
class DecodedCpuEndorsementsTest {

    /** The simulated VCEKs last seven years; this platform's VCEK expires three minutes after it is made. */
    private static final Duration VCEK_LIFETIME = Duration.ofDays(7 * 365);

    private static SimulatedSevSnpPlatform expiring;

    @BeforeAll
    static void makeAPlatformWhoseVcekExpiresSoon(@TempDir Path dir) throws IOException {
        expiring = SimulatedSevSnpPlatform.openOrCreate(
                dir, Instant.now().minus(VCEK_LIFETIME).plus(Duration.ofMinutes(3)), RANDOM);
    }

    private static EvidenceSource on(SimulatedSevSnpPlatform cpu) {
        return new SimulatedEvidenceSource(
                cpu,
                Optional.of(RaTlsFixture.gpu()),
                RaTlsFixture.RELEASE,
                Duration.ZERO,
                Duration.ofMinutes(1),
                Clock.systemUTC(),
                RANDOM);
    }

    /** {@link RaTlsFixture#RELEASE} under {@code cpu}'s root, GPU evidence up to 30 minutes old (time is moved). */
    private static RaTlsPolicy policy(SimulatedSevSnpPlatform cpu) {
        return RaTlsPolicy.acceptingReleases(
                cpu.insecurePolicy(), List.of(RaTlsFixture.RELEASE), RaTlsFixture.simulatedGpu(Duration.ofMinutes(30)));
    }

    private static Bytes chainOf(byte[] certificate) throws RaTlsException {
        return RaTlsCertificate.parse(certificate)
                .evidence()
                .bundle()
                .cpuEndorsements()
                .value();
    }

    @Test
    void aRememberedChainIsRefusedOnceItsVcekHasExpired() throws Exception {
        RaTlsPolicy policy = policy(expiring);
        byte[] nonce = RaTlsFixture.filled(32, 0x4e);
        try (EnclaveIdentity enclave = RaTlsFixture.perHandshake(on(expiring))) {
            byte[] der = enclave.forServerHandshake(nonce).certificate().der().toByteArray();
            Instant now = Instant.now();
            Instant later = now.plus(Duration.ofMinutes(4));
            refusedAfreshAndRemembered(
                    policy, nonce, new Handshake(later, der), new Handshake(now, der), "is not valid at " + later);
        }
    }

    @Test
    void aReportSignedByAnotherVcekUnderARememberedChainIsRefused() throws Exception {
        RaTlsPolicy policy = RaTlsFixture.policy();
        EvidenceSource genuine = RaTlsFixture.source(Clock.systemUTC());
        EvidenceSource other = on(expiring);
        // Reports signed by another platform's VCEK, stapled with the fixture platform's chain and CRL.
        EvidenceSource swapped = new EvidenceSource() {
            @Override
            public Optional<GpuEvidence> currentGpuEvidence() throws IOException {
                return other.currentGpuEvidence();
            }

            @Override
            public CpuEvidence cpuReport(byte[] reportData) throws IOException {
                CpuEvidence signed = other.cpuReport(reportData);
                CpuEvidence endorsed = genuine.cpuReport(reportData);
                return new CpuEvidence(signed.report(), endorsed.endorsements(), signed.ledgerProofs(), endorsed.crl());
            }
        };
        byte[] nonce = RaTlsFixture.filled(32, 0x4f);
        try (EnclaveIdentity honest = RaTlsFixture.perHandshake(genuine);
                EnclaveIdentity forger = RaTlsFixture.perHandshake(swapped)) {
            byte[] good = honest.forServerHandshake(nonce).certificate().der().toByteArray();
            byte[] forged = forger.forServerHandshake(nonce).certificate().der().toByteArray();
            assertEquals(chainOf(good), chainOf(forged));
            Instant now = Instant.now();
            refusedAfreshAndRemembered(
                    policy, nonce, new Handshake(now, forged), new Handshake(now, good), "signature");
        }
    }

    /** A certificate appraised at a time. */
    private record Handshake(Instant at, byte[] certificate) {}

    /**
     * {@code refused} is refused (CPU evidence, the message naming {@code reason}) while its chain is decoded afresh;
     * {@code accepted}, stapling the same chain, is accepted, after which the chain is remembered; then {@code refused}
     * is refused again with the same reason and message.
     */
    private static void refusedAfreshAndRemembered(
            RaTlsPolicy policy, byte[] nonce, Handshake refused, Handshake accepted, String reason) throws Exception {
        DecodedCpuEndorsements decoded = new DecodedCpuEndorsements();
        RaTlsVerifier verifier = new RaTlsVerifier(RaTlsFixture.VERIFIER, decoded);
        Bytes chain = chainOf(refused.certificate());
        RaTlsException afresh = assertThrows(
                RaTlsException.class,
                () -> verifier.verify(
                        refused.at(), RaTlsVerifier.PeerRole.SERVER, nonce, refused.certificate(), policy));
        assertEquals(RaTlsException.Reason.CPU_EVIDENCE_REFUSED, afresh.reason(), afresh.getMessage());
        assertTrue(afresh.getMessage().contains(reason), afresh.getMessage());
        assertFalse(decoded.holds(chain), "a chain is remembered only once it endorsed an accepted report");

        verifier.verify(accepted.at(), RaTlsVerifier.PeerRole.SERVER, nonce, accepted.certificate(), policy);
        assertTrue(decoded.holds(chain));

        RaTlsException remembered = assertThrows(
                RaTlsException.class,
                () -> verifier.verify(
                        refused.at(), RaTlsVerifier.PeerRole.SERVER, nonce, refused.certificate(), policy));
        assertEquals(afresh.reason(), remembered.reason());
        assertEquals(afresh.getMessage(), remembered.getMessage());
    }

    @Test
    void atMostCapacityChainsAreRememberedTheLeastRecentlyUsedLeavingFirst() throws Exception {
        DecodedCpuEndorsements decoded = new DecodedCpuEndorsements();
        Bytes first = Bytes.of(new byte[] {1});
        decoded.remember(first, expiring.endorsements());
        for (int i = 2; i <= DecodedCpuEndorsements.CAPACITY; i++) {
            decoded.remember(Bytes.of(new byte[] {(byte) i}), expiring.endorsements());
        }
        assertTrue(decoded.holds(first));
        decoded.decode(first); // used: now the most recent
        decoded.remember(Bytes.of(new byte[] {(byte) 100}), expiring.endorsements());
        assertTrue(decoded.holds(first));
        assertFalse(decoded.holds(Bytes.of(new byte[] {2})), "the least recently used chain left");
    }
}
