package dev.cloister.operator.sessions;

import dev.cloister.protocol.http.BoundedResponse;
import dev.cloister.attest.ratls.RaTlsClient;
import dev.cloister.attest.ratls.RaTlsConnection;
import dev.cloister.attest.ratls.RaTlsException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admission to the gateway's pool: the gateway attests an enclave itself before routing any session to it, with an
 * RA-TLS handshake of its own (fresh client random, the gateway's policy of accepted releases) through the enclave's
 * session endpoint, and repeats it every {@code recheck} (an enclave that fails or stops answering leaves the pool).
 * The handshake's session is closed at once; no application data flows.
 */
public final class EnclaveRegistration {

    private static final Logger LOG = LoggerFactory.getLogger(EnclaveRegistration.class);
    /** The most of an enclave's handshake answer that is read: one session step (see {@link SessionRouter}). */
    private static final int MAX_FLIGHT_BYTES = SessionRouter.MAX_STEP_BYTES;

    private final Vertx vertx;
    private final WebClient web;
    private final EnclavePool pool;
    private final RaTlsClient attester;
    private final Duration timeout;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, URI> registered = new ConcurrentHashMap<>();

    public EnclaveRegistration(Vertx vertx, WebClient web, EnclavePool pool, RaTlsClient attester, Duration timeout,
            Clock clock) {
        this.vertx = vertx;
        this.web = web;
        this.pool = pool;
        this.attester = attester;
        this.timeout = timeout;
        this.clock = clock;
    }

    /** Attests the enclave at {@code sessions} (its {@code /sessions/} base URL) and admits it when it passes. */
    public Future<EnclavePool.Member> register(String id, URI sessions) {
        registered.put(id, sessions);
        return attest(sessions).map(attestation -> {
            EnclavePool.Member member = new EnclavePool.Member(id, sessions, attestation.cpu(), clock.instant());
            pool.admit(member);
            LOG.info("enclave admitted to the pool, {} members", pool.members().size());
            return member;
        }).onFailure(e -> {
            pool.remove(id);
            LOG.warn("enclave refused admission: attestation failed");
        });
    }

    /** Re-attests every registered enclave every {@code period}; failures leave the pool, successes (re)enter it. */
    public long recheckEvery(Duration period) {
        return vertx.setPeriodic(period.toMillis(), t -> registered.forEach(this::register));
    }

    public void deregister(String id) {
        registered.remove(id);
        pool.remove(id);
    }

    private Future<dev.cloister.attest.ratls.RaTlsAttestation> attest(URI sessions) {
        RaTlsConnection connection;
        try {
            connection = attester.connect();
        } catch (RaTlsException e) {
            return Future.failedFuture(e);
        }
        byte[] id = new byte[16];
        random.nextBytes(id);
        URI session = sessions.resolve(Base64.getUrlEncoder().withoutPadding().encodeToString(id));
        // Not attested yet: at most one RA-TLS flight (certificate with evidence) of the enclave's answer is read.
        return BoundedResponse.send(web.postAbs(session.toString()).timeout(timeout.toMillis())
                        .putHeader("content-type", SessionRouter.MEDIA_TYPE),
                        Buffer.buffer(connection.takeOutgoing()), MAX_FLIGHT_BYTES)
                .compose(answer -> vertx.executeBlocking(() -> {
                    try {
                        if (answer.statusCode() != 200) {
                            throw new IllegalStateException("the enclave answered " + answer.statusCode());
                        }
                        connection.receive(answer.body().getBytes());
                        if (!connection.isHandshakeComplete() || connection.peer().isEmpty()) {
                            throw new IllegalStateException("the enclave did not complete an attested handshake");
                        }
                        return connection.peer().get();
                    } finally {
                        connection.close();
                    }
                }, false))
                .onComplete(r -> web.deleteAbs(session.toString()).timeout(timeout.toMillis()).send());
    }
}
