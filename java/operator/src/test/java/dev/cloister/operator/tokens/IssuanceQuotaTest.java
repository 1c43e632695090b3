package dev.cloister.operator.tokens;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.tokens.keys.Epoch;
import org.junit.jupiter.api.Test;

class IssuanceQuotaTest {

    @Test
    void quotaHoldsPerEpochAndAnOlderEpochCannotResetIt() {
        IssuanceQuota quota = new IssuanceQuota(10);
        assertTrue(quota.tryReserve("alice", new Epoch(5), 10));
        assertFalse(quota.tryReserve("alice", new Epoch(5), 1), "quota used up");
        assertFalse(
                quota.tryReserve("alice", new Epoch(4), 1), "a request dated in the previous epoch does not reset it");
        assertFalse(quota.tryReserve("alice", new Epoch(5), 1), "and the current epoch's count is intact");
        assertTrue(quota.tryReserve("bob", new Epoch(5), 10), "accounts are separate");
        assertTrue(quota.tryReserve("alice", new Epoch(6), 10), "a new epoch starts a new quota");
        quota.release("alice", 4);
        assertTrue(quota.tryReserve("alice", new Epoch(6), 4), "a failed issuance gives its reservation back");
        assertFalse(quota.tryReserve("alice", new Epoch(6), 1));
    }
}
