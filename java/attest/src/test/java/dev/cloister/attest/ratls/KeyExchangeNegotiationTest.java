package dev.cloister.attest.ratls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Which key exchange an RA-TLS handshake negotiates: X25519MLKEM768 by default, X25519 with a peer that lacks the
 * hybrid, and a handshake failure when the two sides share no group.
 */
class KeyExchangeNegotiationTest {

    static EnclaveIdentity enclave;

    @BeforeAll
    static void start() {
        enclave = RaTlsFixture.identity(new AttestationMode.PerHandshake());
    }

    @AfterAll
    static void stop() {
        enclave.close();
    }

    private static RaTlsClient client(List<KeyExchange> offer) {
        return RaTlsClient.create(
                RaTlsFixture.policy(),
                RaTlsFixture.VERIFIER,
                offer,
                Optional.empty(),
                RaTlsFixture.TIMEOUT,
                Clock.systemUTC(),
                RaTlsFixture.RANDOM);
    }

    private static RaTlsServer server(List<KeyExchange> accepted) {
        return new RaTlsServer(
                enclave,
                accepted,
                new RaTlsServer.ClientAuthentication.None(),
                RaTlsFixture.TIMEOUT,
                Clock.systemUTC(),
                RaTlsFixture.RANDOM);
    }

    private static String negotiated(RaTlsClient client, RaTlsServer server) throws RaTlsException {
        RaTlsConnection[] cs = RaTlsHandshakeTest.handshake(client, server);
        assertTrue(cs[0].isHandshakeComplete());
        assertTrue(cs[1].isHandshakeComplete());
        assertTrue(cs[0].peer().isPresent(), "the evidence verified");
        assertEquals(cs[0].keyExchange(), cs[1].keyExchange());
        return cs[0].keyExchange().orElseThrow();
    }

    @Test
    void theDefaultOfferNegotiatesTheHybridWhateverOrderTheServerListsItsGroupsIn() throws Exception {
        assertEquals(List.of(KeyExchange.X25519_MLKEM768, KeyExchange.X25519), KeyExchange.DEFAULT_OFFER);
        RaTlsClient client = client(KeyExchange.DEFAULT_OFFER);
        assertEquals(
                "X25519MLKEM768", negotiated(client, server(List.of(KeyExchange.X25519_MLKEM768, KeyExchange.X25519))));
        assertEquals(
                "X25519MLKEM768", negotiated(client, server(List.of(KeyExchange.X25519, KeyExchange.X25519_MLKEM768))));
    }

    @Test
    void peersWithoutTheHybridStillConnectWithX25519() throws Exception {
        assertEquals(
                "x25519",
                negotiated(client(KeyExchange.DEFAULT_OFFER), server(List.of(KeyExchange.X25519))),
                "a server that lacks the hybrid, without a HelloRetryRequest");
        assertEquals(
                "x25519",
                negotiated(
                        client(List.of(KeyExchange.X25519)),
                        server(List.of(KeyExchange.X25519_MLKEM768, KeyExchange.X25519))),
                "a client that offers only X25519");
    }

    @Test
    void noSharedGroupIsAHandshakeFailure() {
        RaTlsConnection c;
        try {
            c = client(List.of(KeyExchange.X25519_MLKEM768)).connect();
        } catch (RaTlsException e) {
            throw new AssertionError(e);
        }
        RaTlsConnection s = server(List.of(KeyExchange.X25519)).accept();
        RaTlsException refused = assertThrows(RaTlsException.class, () -> RaTlsFixture.pump(c, s));
        assertFalse(s.isHandshakeComplete());
        assertTrue(refused.getMessage().contains("handshake_failure"), refused.getMessage());
    }

    @Test
    void anOfferIsOneOrMoreDistinctGroups() {
        assertThrows(IllegalArgumentException.class, () -> client(List.of()));
        assertThrows(IllegalArgumentException.class, () -> client(List.of(KeyExchange.X25519, KeyExchange.X25519)));
    }
}
