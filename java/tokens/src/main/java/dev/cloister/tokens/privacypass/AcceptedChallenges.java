package dev.cloister.tokens.privacypass;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Which challenge digests a redeemer accepts for this origin (RFC 9577 §2.2: the origin checks that challenge_digest
 * matches a challenge it sent, or one it is willing to accept).
 */
@FunctionalInterface
public interface AcceptedChallenges {
    boolean accepts(byte[] challengeDigest);

    /** Exactly these challenges (for an origin with fixed challenges, e.g. an empty redemption context). */
    static AcceptedChallenges of(TokenChallenge... challenges) {
        List<byte[]> digests = new ArrayList<>();
        for (TokenChallenge c : challenges) {
            digests.add(c.digest());
        }
        return digest -> {
            boolean found = false;
            for (byte[] d : digests) {
                found |= MessageDigest.isEqual(d, digest);
            }
            return found;
        };
    }
}
