package dev.cloister.attest.policy;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

class PolicyFileFuzzTest {

    /**
     * Any bytes as a policy file: parsed into policies or refused with an {@link IllegalArgumentException} naming the
     * problem; nothing else (no other exception, no hang).
     */
    @FuzzTest
    void policyFilesParseOrAreRefused(FuzzedDataProvider data) {
        try {
            PolicyFile.parse(data.consumeRemainingAsBytes());
        } catch (IllegalArgumentException refused) {
            // a refusal is a correct outcome
        }
    }
}
