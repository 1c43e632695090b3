package dev.cloister.enclave;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.wire.bhttp.BhttpLimits;
import dev.cloister.wire.bhttp.BinaryRequest;
import dev.cloister.wire.bhttp.FieldSection;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The idle bound ends sessions that wait between steps, never an answer being generated: idle time counts from the
 * last request step, answer record sealed, or end of the generation, whichever came last.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EnclaveSessionIdleTest {

    static final Duration IDLE = Duration.ofSeconds(30);
    /** The longest an answer's generation may run (deadline plus one pause) in these tests. */
    static final Duration LONGEST_ANSWER = Duration.ofHours(2);

    static final BhttpLimits LIMITS = new BhttpLimits(1 << 20, 16 << 10, 64, 1 << 20, 0);

    /** The system clock, moved forward by hand (the TLS handshake's own deadline reads the system clock). */
    static final class MovableClock extends Clock {
        private volatile Duration ahead = Duration.ZERO;

        void advance(Duration d) {
            ahead = ahead.plus(d);
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(ahead);
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

    static boolean idle(EnclaveSession session, Instant cutoff) {
        return session.idleSince(cutoff, cutoff.minus(LONGEST_ANSWER));
    }

    @Test
    void aSessionWaitingForItsRequestIsIdleFromItsLastStep() throws Exception {
        MovableClock clock = new MovableClock();
        EnclaveSession session = RecordOutboxTest.handshake(clock).session();
        Instant lastStep = session.lastUsed();
        assertFalse(idle(session, lastStep));
        clock.advance(IDLE.plusSeconds(1));
        assertTrue(idle(session, clock.instant().minus(IDLE)));
    }

    @Test
    void anAnswerInProgressIsNotIdleAndIdleTimeCountsFromItsEnd() throws Exception {
        MovableClock clock = new MovableClock();
        RecordOutboxTest.Opened opened = RecordOutboxTest.handshake(clock);
        EnclaveSession session = opened.session();
        sendRequest(opened, clock);

        // An answer that streams for an hour: no step arrives meanwhile, and the session is not idle.
        clock.advance(Duration.ofHours(1));
        assertFalse(idle(session, clock.instant().minus(IDLE)));

        // The generation ends; a record sealed after it (a padded answer's frame) still counts as activity.
        session.generationEnded();
        clock.advance(IDLE.minusSeconds(1));
        session.seal(new byte[] {'x'});
        clock.advance(IDLE.minusSeconds(1));
        assertFalse(idle(session, clock.instant().minus(IDLE)));

        // The answer is all sealed now; its last records wait for the reader, and idle time counts from here.
        Instant before = clock.instant();
        session.closeTls();
        Instant answered = session.lastUsed();
        assertFalse(answered.isBefore(before));
        assertFalse(idle(session, answered));
        assertTrue(idle(session, answered.plusNanos(1)));
        clock.advance(IDLE.minusSeconds(1));
        assertFalse(idle(session, clock.instant().minus(IDLE)));
        clock.advance(Duration.ofSeconds(2));
        assertTrue(idle(session, clock.instant().minus(IDLE)));
    }

    @Test
    void anAnswerWhoseEndIsNeverSignalledEndsOnceLongerThanAnyGenerationCanRun() throws Exception {
        MovableClock clock = new MovableClock();
        RecordOutboxTest.Opened opened = RecordOutboxTest.handshake(clock);
        EnclaveSession session = opened.session();
        sendRequest(opened, clock);

        // Neither generationEnded nor closeTls comes (the answer failed before its outbox closed).
        clock.advance(LONGEST_ANSWER.plus(IDLE).minusSeconds(1));
        assertFalse(idle(session, clock.instant().minus(IDLE)));
        clock.advance(Duration.ofSeconds(2));
        assertTrue(idle(session, clock.instant().minus(IDLE)), "the backstop ends it");
    }

    /** The client sends a whole request; the session decodes it (its answer is then in progress). */
    static void sendRequest(RecordOutboxTest.Opened opened, Clock clock) throws Exception {
        opened.client()
                .send(BinaryRequest.of(
                                "POST",
                                "https",
                                "enclave.invalid",
                                "/v1/chat/completions",
                                FieldSection.EMPTY,
                                "{}".getBytes(StandardCharsets.UTF_8))
                        .encode());
        assertTrue(opened.session()
                .receive(opened.client().takeOutgoing(), clock.instant(), LIMITS)
                .request()
                .isPresent());
    }
}
