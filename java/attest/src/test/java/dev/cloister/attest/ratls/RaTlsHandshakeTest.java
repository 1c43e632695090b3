package dev.cloister.attest.ratls;

import static dev.cloister.attest.ratls.RaTlsFixture.RELEASE;
import static dev.cloister.attest.ratls.RaTlsFixture.pump;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.sevsnp.SevSnpClaims;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Full in-memory RA-TLS handshakes with simulated evidence and the real verifiers. */
class RaTlsHandshakeTest {

    static EnclaveIdentity enclave;

    @BeforeAll
    static void start() {
        enclave = RaTlsFixture.identity(new AttestationMode.PerHandshake());
    }

    @AfterAll
    static void stop() {
        enclave.close();
    }

    static RaTlsConnection[] handshake(RaTlsClient client, RaTlsServer server) throws RaTlsException {
        RaTlsConnection c = client.connect();
        RaTlsConnection s = server.accept();
        pump(c, s);
        return new RaTlsConnection[] {c, s};
    }

    @Test
    void clientAcceptsAFreshlyAttestedEnclaveAndDataFlowsBothWays() throws Exception {
        RaTlsConnection[] cs = handshake(RaTlsFixture.client(RaTlsFixture.policy()), RaTlsFixture.server(enclave));
        RaTlsConnection c = cs[0];
        RaTlsConnection s = cs[1];
        assertTrue(c.isHandshakeComplete());
        assertTrue(s.isHandshakeComplete());
        RaTlsAttestation peer = c.peer().orElseThrow();
        assertArrayEquals(
                MessageDigest.getInstance("SHA-256").digest(enclave.spki()),
                peer.spkiSha256().toByteArray());
        assertArrayEquals(RELEASE, ((SevSnpClaims) peer.cpu().claims()).measurement());
        assertEquals(1, peer.gpus().size());
        assertEquals(1, peer.batchSize());
        assertTrue(s.peer().isEmpty(), "an anonymous client has no attestation");

        c.send("summarize my chats".getBytes(StandardCharsets.UTF_8));
        s.receive(c.takeOutgoing());
        assertEquals("summarize my chats", new String(s.takeReceived(), StandardCharsets.UTF_8));
        s.send("a summary".getBytes(StandardCharsets.UTF_8));
        c.receive(s.takeOutgoing());
        assertEquals("a summary", new String(c.takeReceived(), StandardCharsets.UTF_8));

        c.close();
        s.receive(c.takeOutgoing());
        assertTrue(s.isClosed());
        assertThrows(RaTlsException.class, () -> c.send(new byte[1]));
    }

    /** The extension types of a ClientHello record (RFC 8446 §4.1.2). */
    static java.util.List<Integer> extensionTypes(byte[] record) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(record);
        b.position(5 + 4 + 2 + 32);
        b.position(b.position() + 1 + (b.get(b.position()) & 0xff));
        b.position(b.position() + 2 + (b.getShort(b.position()) & 0xffff));
        b.position(b.position() + 1 + (b.get(b.position()) & 0xff));
        int end = b.position() + 2 + (b.getShort() & 0xffff);
        java.util.List<Integer> types = new java.util.ArrayList<>();
        while (b.position() < end) {
            types.add(b.getShort() & 0xffff);
            b.position(b.position() + 2 + (b.getShort(b.position()) & 0xffff));
        }
        return types;
    }

    @Test
    void noResumptionIsOfferedOrGranted() throws Exception {
        RaTlsConnection c = RaTlsFixture.client(RaTlsFixture.policy()).connect();
        byte[] hello = c.takeOutgoing();
        java.util.List<Integer> types = extensionTypes(hello);
        assertTrue(types.contains(43) && types.contains(51), "supported_versions and key_share: " + types);
        for (int forbidden : new int[] {35, 41, 42, 45}) {
            assertFalse(
                    types.contains(forbidden), "session_ticket / pre_shared_key / early_data / psk modes: " + types);
        }
        RaTlsConnection s = RaTlsFixture.server(enclave).accept();
        s.receive(hello);
        c.receive(s.takeOutgoing());
        s.receive(c.takeOutgoing());
        assertTrue(s.isHandshakeComplete());
        assertEquals(0, s.takeOutgoing().length, "no NewSessionTicket after the handshake");
    }

    @Test
    void hybridMlKemKeyExchangeWorks() throws Exception {
        RaTlsClient client = new RaTlsClient(
                RaTlsFixture.policy(),
                RaTlsFixture.VERIFIER,
                KeyExchange.X25519_MLKEM768,
                Optional.empty(),
                RaTlsFixture.TIMEOUT,
                Clock.systemUTC(),
                RaTlsFixture.RANDOM);
        RaTlsConnection[] cs = handshake(client, RaTlsFixture.server(enclave));
        assertTrue(cs[0].isHandshakeComplete());
        assertTrue(cs[1].isHandshakeComplete());
    }

    @Test
    void eachHandshakeGetsItsOwnCertificateAndReport() throws Exception {
        RaTlsClient client = RaTlsFixture.client(RaTlsFixture.policy());
        RaTlsServer server = RaTlsFixture.server(enclave);
        RaTlsAttestation a = handshake(client, server)[0].peer().orElseThrow();
        RaTlsAttestation b = handshake(client, server)[0].peer().orElseThrow();
        assertEquals(a.spkiSha256(), b.spkiSha256(), "one enclave key");
        assertFalse(
                MessageDigest.isEqual(
                        ((SevSnpClaims) a.cpu().claims()).reportData(),
                        ((SevSnpClaims) b.cpu().claims()).reportData()),
                "each report commits to its own client random");
    }

    @Test
    void mutualRaTlsBetweenEnclavesAttestsBothSides() throws Exception {
        try (EnclaveIdentity caller = RaTlsFixture.identity(new AttestationMode.PerHandshake())) {
            RaTlsServer server = RaTlsServer.create(
                    enclave,
                    java.util.List.of(KeyExchange.X25519),
                    new RaTlsServer.ClientAuthentication.MutualRaTls(RaTlsFixture.policy(), RaTlsFixture.VERIFIER),
                    RaTlsFixture.TIMEOUT,
                    Clock.systemUTC(),
                    RaTlsFixture.RANDOM);
            RaTlsClient client = RaTlsClient.create(
                    RaTlsFixture.policy(),
                    RaTlsFixture.VERIFIER,
                    KeyExchange.X25519,
                    Optional.of(caller),
                    RaTlsFixture.TIMEOUT,
                    Clock.systemUTC(),
                    RaTlsFixture.RANDOM);
            RaTlsConnection[] cs = handshake(client, server);
            assertTrue(cs[0].isHandshakeComplete());
            assertTrue(cs[1].isHandshakeComplete());
            assertArrayEquals(
                    MessageDigest.getInstance("SHA-256").digest(caller.spki()),
                    cs[1].peer().orElseThrow().spkiSha256().toByteArray());
            assertArrayEquals(
                    MessageDigest.getInstance("SHA-256").digest(enclave.spki()),
                    cs[0].peer().orElseThrow().spkiSha256().toByteArray());
            cs[0].send(new byte[] {1, 2, 3});
            cs[1].receive(cs[0].takeOutgoing());
            assertArrayEquals(new byte[] {1, 2, 3}, cs[1].takeReceived());
            cs[1].send(new byte[] {4});
            cs[0].receive(cs[1].takeOutgoing());
            assertArrayEquals(new byte[] {4}, cs[0].takeReceived());
        }
    }

    @Test
    void mutualRaTlsRefusesACallerOfAnotherRelease() throws Exception {
        try (EnclaveIdentity caller = RaTlsFixture.identity(new AttestationMode.PerHandshake())) {
            RaTlsPolicy onlyOther = RaTlsPolicy.acceptingReleases(
                    RaTlsFixture.simulatedCpu(),
                    java.util.List.of(RaTlsFixture.OTHER_RELEASE),
                    RaTlsFixture.simulatedGpu(Duration.ofMinutes(5)));
            RaTlsServer server = RaTlsServer.create(
                    enclave,
                    java.util.List.of(KeyExchange.X25519),
                    new RaTlsServer.ClientAuthentication.MutualRaTls(onlyOther, RaTlsFixture.VERIFIER),
                    RaTlsFixture.TIMEOUT,
                    Clock.systemUTC(),
                    RaTlsFixture.RANDOM);
            RaTlsClient client = RaTlsClient.create(
                    RaTlsFixture.policy(),
                    RaTlsFixture.VERIFIER,
                    KeyExchange.X25519,
                    Optional.of(caller),
                    RaTlsFixture.TIMEOUT,
                    Clock.systemUTC(),
                    RaTlsFixture.RANDOM);
            RaTlsConnection c = client.connect();
            RaTlsConnection s = server.accept();
            RaTlsException refused = assertThrows(RaTlsException.class, () -> pump(c, s));
            assertEquals(RaTlsException.Reason.CPU_EVIDENCE_REFUSED, refused.reason(), refused.getMessage());
            assertTrue(refused.getMessage().contains("MEASUREMENT"), refused.getMessage());
            assertFalse(s.isHandshakeComplete());
            RaTlsException told = assertThrows(RaTlsException.class, () -> c.receive(s.takeOutgoing()));
            assertEquals(RaTlsException.Reason.PEER_ALERT, told.reason());
            assertTrue(told.getMessage().contains("bad_certificate"), told.getMessage());
            // TLS 1.3: the client's handshake ends with its own Finished, before the server appraised it; the
            // server's alert then closes it, and nothing it sends is ever accepted.
            assertTrue(c.isClosed());
            assertThrows(RaTlsException.class, () -> c.send(new byte[1]));
        }
    }

    @Test
    void mutualRaTlsRefusesACallerWithoutEvidence() throws Exception {
        RaTlsServer server = RaTlsServer.create(
                enclave,
                java.util.List.of(KeyExchange.X25519),
                new RaTlsServer.ClientAuthentication.MutualRaTls(RaTlsFixture.policy(), RaTlsFixture.VERIFIER),
                RaTlsFixture.TIMEOUT,
                Clock.systemUTC(),
                RaTlsFixture.RANDOM);
        RaTlsConnection c = RaTlsFixture.client(RaTlsFixture.policy()).connect();
        RaTlsConnection s = server.accept();
        RaTlsException refused = assertThrows(RaTlsException.class, () -> pump(c, s));
        assertEquals(RaTlsException.Reason.MALFORMED_CERTIFICATE, refused.reason(), refused.getMessage());
        assertFalse(s.isHandshakeComplete());
    }
}
