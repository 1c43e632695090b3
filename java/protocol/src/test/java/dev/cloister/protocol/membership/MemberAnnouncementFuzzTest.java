package dev.cloister.protocol.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import javax.crypto.spec.SecretKeySpec;

class MemberAnnouncementFuzzTest {

    private static final SecretKeySpec KEY = new SecretKeySpec(new byte[32], "HmacSHA256");

    /** Any body parses to an announcement that encodes back to itself, or is Malformed; any header but the MAC fails. */
    @FuzzTest
    void bodiesParseOrAreRefused(byte[] input) throws Exception {
        assertFalse(MemberAnnouncement.isAuthentic(KEY, input, new String(input, StandardCharsets.ISO_8859_1)));
        MemberAnnouncement announcement;
        try {
            announcement = MemberAnnouncement.parse(input);
        } catch (MemberAnnouncement.Malformed expected) {
            return;
        }
        assertEquals(announcement, MemberAnnouncement.parse(announcement.encode()));
    }
}
