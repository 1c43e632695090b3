package dev.cloister.attest.ratls;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

class RaTlsHandshakeFuzzTest {

    private static EnclaveIdentity enclave;
    private static RaTlsServer server;
    private static RaTlsClient client;

    private static synchronized void setUp() {
        if (enclave == null) {
            enclave = RaTlsFixture.identity(new AttestationMode.PerHandshake());
            server = RaTlsFixture.server(enclave);
            client = RaTlsFixture.client(RaTlsFixture.policy());
        }
    }

    /**
     * Bytes from a hostile peer, on either side of a handshake, in any split: each connection either goes on waiting
     * or fails with an RaTlsException; nothing else escapes, and nothing completes a handshake.
     */
    @FuzzTest
    void handshakeInputFailsOnlyWithRaTlsException(FuzzedDataProvider data) throws RaTlsException {
        setUp();
        RaTlsConnection c = client.connect();
        c.takeOutgoing();
        RaTlsConnection s = server.accept();
        boolean toServer = data.consumeBoolean();
        RaTlsConnection target = toServer ? s : c;
        while (data.remainingBytes() > 0) {
            byte[] chunk = data.consumeBytes(data.consumeInt(1, 4096));
            try {
                target.receive(chunk);
            } catch (RaTlsException refused) {
                target.takeOutgoing();
                break;
            }
            target.takeOutgoing();
        }
        if (!toServer && c.isHandshakeComplete()) {
            throw new AssertionError("a client completed a handshake with fuzzed server bytes");
        }
    }
}
