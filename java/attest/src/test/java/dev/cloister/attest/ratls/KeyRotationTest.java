package dev.cloister.attest.ratls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The enclave's RA-TLS key rotates (issue 15, item 7): handshakes across a rotation see different keys and both
 * verify, a handshake given the old certificate before the rotation completes after it, and a session opened before
 * it goes on exchanging data after it.
 */
class KeyRotationTest {

    /** A clock the test moves. */
    static final class MovingClock extends Clock {
        private volatile Instant now = Instant.now();

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    private static final Duration LIFETIME = Duration.ofMinutes(60);

    private static byte[] sha256(byte[] spki) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(spki);
    }

    private static void exchange(RaTlsConnection c, RaTlsConnection s, String text) throws RaTlsException {
        c.send(text.getBytes(StandardCharsets.UTF_8));
        s.receive(c.takeOutgoing());
        assertEquals(text, new String(s.takeReceived(), StandardCharsets.UTF_8));
        s.send(text.getBytes(StandardCharsets.UTF_8));
        c.receive(s.takeOutgoing());
        assertEquals(text, new String(c.takeReceived(), StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void handshakesAcrossARotationSeeDifferentKeysAndOpenSessionsComplete(boolean batched) throws Exception {
        MovingClock clock = new MovingClock();
        AttestationMode mode =
                batched ? new AttestationMode.Batched(Duration.ofMillis(5), 8) : new AttestationMode.PerHandshake();
        try (EnclaveIdentity enclave = EnclaveIdentity.generate(
                RaTlsFixture.source(clock),
                mode,
                EnclaveIdentity.DEFAULT_CERTIFICATE_LIFETIME,
                RaTlsFixture.TIMEOUT,
                LIFETIME,
                clock,
                RaTlsFixture.RANDOM)) {
            RaTlsServer server = RaTlsFixture.server(enclave);
            RaTlsClient client = RaTlsFixture.client(RaTlsFixture.policy(), clock);
            byte[] first = enclave.spki();

            // A session opened with the first key.
            RaTlsConnection[] open = RaTlsHandshakeTest.handshake(client, server);
            assertEquals(
                    dev.cloister.base.Bytes.of(sha256(first)),
                    open[0].peer().orElseThrow().spkiSha256());

            // A handshake given its certificate just before the key is due, its client not yet answered.
            clock.advance(LIFETIME.minusMinutes(1));
            RaTlsConnection late = client.connect();
            RaTlsConnection lateServer = server.accept();
            lateServer.receive(late.takeOutgoing());
            byte[] lateFlight = lateServer.takeOutgoing();

            // The key is due: the next handshake carries a new key, with evidence bound to it, and verifies.
            clock.advance(Duration.ofMinutes(2));
            RaTlsConnection[] rotated = RaTlsHandshakeTest.handshake(client, server);
            assertTrue(rotated[0].isHandshakeComplete());
            byte[] second = enclave.spki();
            assertFalse(MessageDigest.isEqual(first, second), "a new key after the rotation");
            assertEquals(
                    dev.cloister.base.Bytes.of(sha256(second)),
                    rotated[0].peer().orElseThrow().spkiSha256());
            assertFalse(enclave.rotateIfDue(), "not due again until a lifetime has passed");

            // The handshake that was given the old certificate completes with it.
            late.receive(lateFlight);
            lateServer.receive(late.takeOutgoing());
            assertTrue(late.isHandshakeComplete());
            assertTrue(lateServer.isHandshakeComplete());
            assertEquals(
                    dev.cloister.base.Bytes.of(sha256(first)),
                    late.peer().orElseThrow().spkiSha256());
            exchange(late, lateServer, "after the rotation, on the old certificate");

            // The session opened before the rotation goes on.
            exchange(open[0], open[1], "still talking");
            exchange(rotated[0], rotated[1], "on the new key");

            // A lifetime later the key rotates again, without a handshake (the enclave's timer).
            clock.advance(LIFETIME);
            assertTrue(enclave.rotateIfDue());
            byte[] third = enclave.spki();
            assertFalse(MessageDigest.isEqual(second, third));
            assertEquals(
                    dev.cloister.base.Bytes.of(sha256(third)),
                    RaTlsHandshakeTest.handshake(client, server)[0]
                            .peer()
                            .orElseThrow()
                            .spkiSha256());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"PT0.5S", "PT10S"})
    void aKeyLifetimeMustOutlastTheEvidenceTimeout(String lifetime) {
        assertThrows(
                IllegalArgumentException.class,
                () -> EnclaveIdentity.generate(
                        RaTlsFixture.source(Clock.systemUTC()),
                        new AttestationMode.PerHandshake(),
                        EnclaveIdentity.DEFAULT_CERTIFICATE_LIFETIME,
                        Duration.ofSeconds(10),
                        Duration.parse(lifetime),
                        Clock.systemUTC(),
                        RaTlsFixture.RANDOM));
    }
}
