package dev.cloister.protocol.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class MemberAnnouncementTest {

    private static final Instant NOW = Instant.parse("2026-12-06T09:00:00Z");
    private final SecretKeySpec key = new SecretKeySpec(new byte[32], "HmacSHA256");

    @Test
    void roundTripsAndAuthenticates() throws Exception {
        MemberAnnouncement a = new MemberAnnouncement("e-1", URI.create("http://127.0.0.1:9100/sessions/"), NOW);
        byte[] body = a.encode();
        assertEquals(a, MemberAnnouncement.parse(body));
        String header = MemberAnnouncement.authorization(key, body);
        assertTrue(MemberAnnouncement.isAuthentic(key, body, header));
        body[body.length - 2] ^= 1;
        assertFalse(MemberAnnouncement.isAuthentic(key, body, header), "a changed body fails");
        assertFalse(MemberAnnouncement.isAuthentic(
                new SecretKeySpec(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, "HmacSHA256"),
                a.encode(),
                header));
        assertFalse(MemberAnnouncement.isAuthentic(key, a.encode(), null));
        assertFalse(MemberAnnouncement.isAuthentic(key, a.encode(), "Bearer x"));
        assertTrue(a.isFresh(NOW.plus(Duration.ofMinutes(1))));
        assertFalse(a.isFresh(NOW.plus(Duration.ofMinutes(3))), "an old announcement is a replay");
        assertFalse(a.isFresh(NOW.minus(Duration.ofMinutes(3))));
    }

    @Test
    void refusesWhatIsNotAnAnnouncement() {
        for (String body : new String[] {
            "",
            "[]",
            "{\"id\":\"e1\",\"sessions\":\"http://h/sessions/\"}",
            "{\"id\":\"e1\",\"sessions\":\"http://h/sessions/\",\"at\":\"2026-12-06T09:00:00Z\",\"x\":1}",
            "{\"id\":\"e 1\",\"sessions\":\"http://h/sessions/\",\"at\":\"2026-12-06T09:00:00Z\"}",
            "{\"id\":\"e1\",\"sessions\":\"file:///etc/\",\"at\":\"2026-12-06T09:00:00Z\"}",
            "{\"id\":\"e1\",\"sessions\":\"http://h/sessions\",\"at\":\"2026-12-06T09:00:00Z\"}",
            "{\"id\":\"e1\",\"sessions\":\"http://u@h/sessions/\",\"at\":\"2026-12-06T09:00:00Z\"}",
            "{\"id\":\"e1\",\"sessions\":\"http://h/sessions/\",\"at\":\"yesterday\"}",
            "{\"id\":1,\"sessions\":\"http://h/sessions/\",\"at\":\"2026-12-06T09:00:00Z\"}"
        }) {
            assertThrows(
                    MemberAnnouncement.Malformed.class,
                    () -> MemberAnnouncement.parse(body.getBytes(StandardCharsets.UTF_8)),
                    body);
        }
        assertThrows(MemberAnnouncement.Malformed.class, () -> MemberAnnouncement.parse(new byte[5000]));
    }
}
