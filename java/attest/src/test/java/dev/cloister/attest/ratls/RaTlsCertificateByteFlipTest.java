package dev.cloister.attest.ratls;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every single-byte change of a genuine RA-TLS certificate is refused by the client's appraisal: no byte of it lies
 * outside what is signed (the self-signature covers the evidence extension; the evidence itself is signed by the
 * platform and bound to the key and the nonce).
 */
class RaTlsCertificateByteFlipTest {

    @Test
    void everyFlippedByteIsRefused() throws Exception {
        try (EnclaveIdentity enclave = RaTlsFixture.identity(new AttestationMode.PerHandshake())) {
            byte[] nonce = RaTlsFixture.filled(32, 0x4e);
            byte[] der = enclave.forServerHandshake(nonce).certificate().der().toByteArray();
            RaTlsVerifier verifier = new RaTlsVerifier(RaTlsFixture.VERIFIER);
            RaTlsPolicy policy = RaTlsFixture.policy();
            Instant now = Instant.now();
            verifier.verify(now, RaTlsVerifier.PeerRole.SERVER, nonce, der, policy);
            List<Integer> accepted = new ArrayList<>();
            for (int i = 0; i < der.length; i++) {
                byte[] flipped = der.clone();
                flipped[i] ^= 0x01;
                try {
                    verifier.verify(now, RaTlsVerifier.PeerRole.SERVER, nonce, flipped, policy);
                    accepted.add(i);
                } catch (RaTlsException refused) {
                    // expected
                }
            }
            if (!accepted.isEmpty()) {
                fail("flips accepted at offsets " + accepted + " of " + der.length);
            }
        }
    }
}
