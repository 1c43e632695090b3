package dev.cloister.operator.sessions;

import dev.cloister.attest.ratls.RaTlsClient;
import dev.cloister.attest.ratls.RaTlsConnection;
import dev.cloister.attest.ratls.RaTlsException;
import dev.cloister.protocol.http.BoundedResponse;
import dev.cloister.protocol.membership.GatewayAuthorization;
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
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admission to the gateway's pool: the gateway attests an enclave itself before routing any session to it, with an
 * RA-TLS handshake of its own (fresh client random, the gateway's policy of accepted releases) through the enclave's
 * session endpoint, and repeats it every {@code recheck} (an enclave that fails or stops answering leaves the pool).
 * The handshake's session is closed at once; no application data flows.
 *
 * <p>The operator's log says what each check found, and only when it changed for that enclave: admitted; unreachable
 * (no connection, or no answer in time); answering without a handshake (an HTTP status); attestation failed (the
 * handshake completed or was refused, and the evidence did not verify). A recheck that finds the same is not logged.
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
    private final Optional<GatewayAuthorization> enclaveCredential;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, URI> registered = new ConcurrentHashMap<>();
    private final Map<String, Finding> lastFinding = new ConcurrentHashMap<>();
    /** The attestation of each enclave now under way: a second request for it waits on the same one. */
    private final Map<String, Attempt> attesting = new ConcurrentHashMap<>();

    private volatile Consumer<String> attestationFailed = id -> {};

    private record Attempt(URI sessions, Future<EnclavePool.Member> result) {}

    /** What one check of an enclave found. */
    public enum Finding {
        ADMITTED,
        UNREACHABLE,
        NO_HANDSHAKE,
        ATTESTATION_FAILED
    }

    /** The enclave could not be reached: no connection, a reset, or no answer in time. */
    private static final class Unreachable extends Exception {
        private static final long serialVersionUID = 1L;

        Unreachable(Throwable cause) {
            super("the enclave is unreachable", cause);
        }
    }

    /** The enclave answered, but with an HTTP status instead of its handshake flight. */
    private static final class NoHandshake extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        NoHandshake(int status) {
            super("the enclave answered " + status);
            this.status = status;
        }
    }

    public EnclaveRegistration(
            Vertx vertx, WebClient web, EnclavePool pool, RaTlsClient attester, Duration timeout, Clock clock) {
        this(vertx, web, pool, attester, timeout, Optional.empty(), clock);
    }

    /** @param enclaveCredential sent with each request to an enclave's session endpoint, or empty */
    public EnclaveRegistration(
            Vertx vertx,
            WebClient web,
            EnclavePool pool,
            RaTlsClient attester,
            Duration timeout,
            Optional<GatewayAuthorization> enclaveCredential,
            Clock clock) {
        this.vertx = vertx;
        this.web = web;
        this.pool = pool;
        this.attester = attester;
        this.timeout = timeout;
        this.enclaveCredential = java.util.Objects.requireNonNull(enclaveCredential, "enclaveCredential");
        this.clock = clock;
    }

    private <T> io.vertx.ext.web.client.HttpRequest<T> authorized(
            io.vertx.ext.web.client.HttpRequest<T> request, String method, URI session) {
        enclaveCredential.ifPresent(c -> request.putHeader("authorization", c.header(method, session.getRawPath())));
        return request;
    }

    /**
     * Called with an enclave's id each time its evidence fails to verify (not when it is merely unreachable): shared
     * membership uses it to drop the enclave from every replica's pool at once.
     */
    public void onAttestationFailed(Consumer<String> listener) {
        this.attestationFailed = java.util.Objects.requireNonNull(listener);
    }

    /** What a failed {@link #register} found: unreachable, no handshake, or attestation failed. */
    public static Finding findingOf(Throwable failure) {
        return failure instanceof Unreachable
                ? Finding.UNREACHABLE
                : failure instanceof NoHandshake ? Finding.NO_HANDSHAKE : Finding.ATTESTATION_FAILED;
    }

    /** Whether {@code id} is registered at {@code sessions} and its last check admitted it. */
    public boolean isAdmitted(String id, URI sessions) {
        return sessions.equals(registered.get(id))
                && lastFinding.get(id) == Finding.ADMITTED
                && pool.member(id).isPresent();
    }

    /** Whether this replica has been asked to check {@code id} (admitted or not) and has not dropped it since. */
    public boolean isRegistered(String id) {
        return registered.containsKey(id);
    }

    /** The attestation of {@code id} under way now, if one is. */
    public Optional<Future<EnclavePool.Member>> attesting(String id) {
        return Optional.ofNullable(attesting.get(id)).map(Attempt::result);
    }

    /**
     * Attests the enclave at {@code sessions} (its {@code /sessions/} base URL) and admits it when it passes. While one
     * attestation of it at that URL is under way, a second call returns the same one.
     */
    public Future<EnclavePool.Member> register(String id, URI sessions) {
        registered.put(id, sessions);
        Attempt running = attesting.get(id);
        if (running != null && running.sessions().equals(sessions)) return running.result();
        Attempt attempt = new Attempt(sessions, check(id, sessions));
        attesting.put(id, attempt);
        attempt.result().onComplete(r -> attesting.remove(id, attempt));
        return attempt.result();
    }

    private Future<EnclavePool.Member> check(String id, URI sessions) {
        return attest(sessions)
                .map(attestation -> {
                    EnclavePool.Member member =
                            new EnclavePool.Member(id, sessions, attestation.cpu(), clock.instant());
                    pool.admit(member);
                    if (lastFinding.put(id, Finding.ADMITTED) != Finding.ADMITTED) {
                        LOG.info(
                                "enclave admitted to the pool, {} members",
                                pool.members().size());
                    }
                    return member;
                })
                .onFailure(e -> {
                    Finding outcome = findingOf(e);
                    logFailure(id, outcome, e);
                    if (outcome == Finding.ATTESTATION_FAILED) attestationFailed.accept(id);
                });
    }

    private void logFailure(String id, Finding outcome, Throwable e) {
        boolean wasMember = pool.member(id).isPresent();
        pool.remove(id);
        if (lastFinding.put(id, outcome) == outcome) return;
        int members = pool.members().size();
        switch (outcome) {
            case UNREACHABLE ->
                LOG.warn(
                        wasMember
                                ? "enclave left the pool: unreachable; {} members"
                                : "enclave not admitted: unreachable; {} members",
                        members);
            case NO_HANDSHAKE ->
                LOG.warn(
                        wasMember
                                ? "enclave left the pool: it answered HTTP status {} instead of a handshake; {} members"
                                : "enclave not admitted: it answered HTTP status {} instead of a handshake; {} members",
                        ((NoHandshake) e).status,
                        members);
            default -> {
                if (e instanceof RaTlsException refused) {
                    LOG.warn(
                            wasMember
                                    ? "enclave left the pool: attestation failed ({}); {} members"
                                    : "enclave refused admission: attestation failed ({}); {} members",
                            refused.reason(),
                            members);
                } else {
                    LOG.warn(
                            wasMember
                                    ? "enclave left the pool: attestation failed; {} members"
                                    : "enclave refused admission: attestation failed; {} members",
                            members);
                }
            }
        }
    }

    /** Re-attests every registered enclave every {@code period}; failures leave the pool, successes (re)enter it. */
    public long recheckEvery(Duration period) {
        return vertx.setPeriodic(period.toMillis(), t -> registered.forEach(this::register));
    }

    public void deregister(String id) {
        registered.remove(id);
        lastFinding.remove(id);
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
        return BoundedResponse.send(
                        authorized(web.postAbs(session.toString()), "POST", session)
                                .timeout(timeout.toMillis())
                                .putHeader("content-type", SessionRouter.MEDIA_TYPE),
                        Buffer.buffer(connection.takeOutgoing()),
                        MAX_FLIGHT_BYTES)
                .recover(e -> {
                    if (e instanceof BoundedResponse.TooLarge) return Future.failedFuture(e); // it answered, too much
                    connection.close();
                    return Future.failedFuture(new Unreachable(e));
                })
                .compose(answer -> {
                    if (answer.statusCode() == 200) return Future.succeededFuture(answer);
                    connection.close();
                    return Future.failedFuture(new NoHandshake(answer.statusCode()));
                })
                .compose(answer -> vertx.executeBlocking(
                        () -> {
                            try {
                                connection.receive(answer.body().getBytes());
                                if (!connection.isHandshakeComplete()
                                        || connection.peer().isEmpty()) {
                                    throw new IllegalStateException(
                                            "the enclave did not complete an attested handshake");
                                }
                                return connection.peer().get();
                            } finally {
                                connection.close();
                            }
                        },
                        false))
                .onComplete(r -> authorized(web.deleteAbs(session.toString()), "DELETE", session)
                        .timeout(timeout.toMillis())
                        .send());
    }
}
