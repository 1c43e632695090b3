package dev.cloister.operator;

import dev.cloister.attest.ratls.RaTlsClient;
import dev.cloister.base.SecretBytes;
import dev.cloister.operator.gateway.EchoTarget;
import dev.cloister.operator.gateway.GatewayConfig;
import dev.cloister.operator.gateway.GatewayVerticle;
import dev.cloister.operator.gateway.KeyPublication;
import dev.cloister.operator.gateway.KeyRotation;
import dev.cloister.operator.gateway.Target;
import dev.cloister.operator.sessions.EmbeddedSessionHandles;
import dev.cloister.operator.sessions.EnclaveMembership;
import dev.cloister.operator.sessions.EnclavePool;
import dev.cloister.operator.sessions.EnclaveRegistration;
import dev.cloister.operator.sessions.MembershipVerticle;
import dev.cloister.operator.sessions.RedisSessionHandles;
import dev.cloister.operator.sessions.SessionHandles;
import dev.cloister.operator.sessions.SessionRouter;
import dev.cloister.operator.tokens.TokenGate;
import dev.cloister.protocol.membership.GatewayAuthorization;
import dev.cloister.server.ListenAddress;
import dev.cloister.tokens.keys.EpochKeySchedule;
import dev.cloister.tokens.privacypass.PrivateTokenRedeemer;
import dev.cloister.tokens.privacypass.TokenChallenge;
import dev.cloister.tokens.store.SpentTokenStore;
import dev.cloister.wire.bhttp.BinaryResponse;
import dev.cloister.wire.bhttp.FieldSection;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.redis.client.Redis;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.SecretKey;

/**
 * The Oblivious Gateway party, wired once: its key ring (and the ledger publication of its keys), what it serves behind
 * the encapsulation (the echo target, a token gate, or the session router with its attested enclave pool) and its
 * verticle instances. {@code cloister gateway}, the demo and the tests all start a gateway through {@link #deploy}.
 */
public final class GatewayDeployment {

    /** How tokens are redeemed: the issuer's key schedule, the spent-token store and the challenge clients answer. */
    public record TokenRedemption(EpochKeySchedule keys, SpentTokenStore spent, TokenChallenge challenge) {
        public TokenRedemption {
            Objects.requireNonNull(keys, "keys");
            Objects.requireNonNull(spent, "spent");
            Objects.requireNonNull(challenge, "challenge");
        }
    }

    /** What the gateway serves behind the encapsulation. */
    public sealed interface Service {}

    /** Answers each inner request with its own body ({@code /status/NNN} with NNN), optionally behind a token gate. */
    public record Echo(Optional<TokenRedemption> tokens) implements Service {}

    /** No origin: every inner request answers 404 (after its token is redeemed, when tokens are required). */
    public record NoOrigin(Optional<TokenRedemption> tokens) implements Service {}

    /**
     * The session API: a token spent at each session opening, sessions routed to attested enclaves only.
     *
     * @param enclaves the enclaves to attest before the gateway listens (id to session endpoint)
     * @param attestation the RA-TLS client that checks an enclave before it joins the pool
     * @param recheck how often every member is attested again
     * @param maxSessions the most open session handles
     */
    public record Sessions(
            TokenRedemption tokens,
            Map<String, URI> enclaves,
            RaTlsClient attestation,
            Duration recheck,
            int maxSessions,
            Optional<Replicated> replicated,
            Optional<GatewayAuthorization> enclaveCredential)
            implements Service {
        public Sessions {
            Objects.requireNonNull(tokens, "tokens");
            enclaves = Map.copyOf(enclaves);
            Objects.requireNonNull(attestation, "attestation");
            if (maxSessions < 1) throw new IllegalArgumentException("maxSessions must be positive");
            Objects.requireNonNull(replicated, "replicated");
            Objects.requireNonNull(enclaveCredential, "enclaveCredential");
        }

        /** Enclaves whose session endpoints need no gateway credential (they listen on a private address). */
        public Sessions(
                TokenRedemption tokens,
                Map<String, URI> enclaves,
                RaTlsClient attestation,
                Duration recheck,
                int maxSessions,
                Optional<Replicated> replicated) {
            this(tokens, enclaves, attestation, recheck, maxSessions, replicated, Optional.empty());
        }

        /** One gateway on its own: session handles in its memory, enclaves from {@code enclaves} only. */
        public Sessions(
                TokenRedemption tokens,
                Map<String, URI> enclaves,
                RaTlsClient attestation,
                Duration recheck,
                int maxSessions) {
            this(tokens, enclaves, attestation, recheck, maxSessions, Optional.empty(), Optional.empty());
        }
    }

    /**
     * State shared by gateway replicas through Redis, so that any replica serves any step of any session: session
     * handles ({@link RedisSessionHandles}, under a key every replica holds) and, with {@code membership}, enclaves
     * that join by registration ({@link EnclaveMembership}).
     *
     * @param redis the client (the caller closes it)
     * @param handleKey the key the replicas share for session handles (at least 32 bytes)
     */
    public record Replicated(Redis redis, SecretBytes handleKey, Optional<Membership> membership) {
        public Replicated {
            Objects.requireNonNull(redis, "redis");
            Objects.requireNonNull(handleKey, "handleKey");
            Objects.requireNonNull(membership, "membership");
        }
    }

    /**
     * Enclave membership by registration: the internal listener enclaves announce themselves to, the secret that
     * authenticates them, how long a member lives without a heartbeat, and how often each replica reads the members.
     */
    public record Membership(ListenAddress listen, SecretKey secret, Duration ttl, Duration sync) {
        public Membership {
            Objects.requireNonNull(listen, "listen");
            Objects.requireNonNull(secret, "secret");
            Objects.requireNonNull(ttl, "ttl");
            Objects.requireNonNull(sync, "sync");
        }
    }

    /**
     * @param publication publishes each key configuration in the ledger and serves the proofs (empty: not published)
     * @param instances verticle instances (each an event loop)
     */
    public record Config(
            GatewayConfig gateway,
            KeyRotation keys,
            Optional<KeyPublication> publication,
            Service service,
            int instances) {
        public Config {
            Objects.requireNonNull(gateway, "gateway");
            Objects.requireNonNull(keys, "keys");
            Objects.requireNonNull(publication, "publication");
            Objects.requireNonNull(service, "service");
            if (instances < 1) throw new IllegalArgumentException("instances must be positive");
        }
    }

    private static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration ATTESTATION_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration IDLE_SESSION = Duration.ofSeconds(30);
    private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(2);

    private final Vertx vertx;
    private final List<GatewayVerticle> verticles;
    private final String deploymentId;
    private final Optional<EnclavePool> pool;
    private final Optional<EnclaveRegistration> registration;
    private final long rechecks;
    private final Optional<EnclaveMembership> membership;
    private final Optional<MembershipVerticle> membershipVerticle;

    private GatewayDeployment(
            Vertx vertx,
            List<GatewayVerticle> verticles,
            String deploymentId,
            Optional<EnclavePool> pool,
            Optional<EnclaveRegistration> registration,
            long rechecks,
            Optional<EnclaveMembership> membership,
            Optional<MembershipVerticle> membershipVerticle) {
        this.vertx = vertx;
        this.rechecks = rechecks;
        this.membership = membership;
        this.membershipVerticle = membershipVerticle;
        this.verticles = List.copyOf(verticles);
        this.deploymentId = deploymentId;
        this.pool = pool;
        this.registration = registration;
    }

    /**
     * Starts the gateway. With the session API, each listed enclave's first attestation ends (admitted or not, each
     * within its own timeout) before the gateway listens, and every member is attested again every {@code recheck}.
     */
    public static Future<GatewayDeployment> deploy(
            Vertx vertx, Config config, MeterRegistry registry, Clock clock, SecureRandom random) {
        Target target;
        Optional<EnclavePool> pool = Optional.empty();
        Optional<EnclaveRegistration> registration = Optional.empty();
        Future<?> ready = Future.succeededFuture();
        AtomicLong rechecks = new AtomicLong(-1);
        Optional<EnclaveMembership> membership = Optional.empty();
        Optional<MembershipVerticle> membershipVerticle = Optional.empty();
        switch (config.service()) {
            case Echo echo -> {
                target = new EchoTarget();
                if (echo.tokens().isPresent())
                    target = tokenGate(vertx, target, echo.tokens().get(), registry, clock);
            }
            case NoOrigin none -> {
                target = request -> Future.succeededFuture(BinaryResponse.of(404, FieldSection.EMPTY, new byte[0]));
                if (none.tokens().isPresent())
                    target = tokenGate(vertx, target, none.tokens().get(), registry, clock);
            }
            case Sessions sessions -> {
                WebClient web = WebClient.create(vertx);
                EnclavePool members = new EnclavePool(random);
                SessionHandles handles = sessions.replicated().isPresent()
                        ? new RedisSessionHandles(
                                sessions.replicated().get().redis(),
                                sessions.replicated().get().handleKey(),
                                random,
                                IDLE_SESSION,
                                REDIS_TIMEOUT)
                        : new EmbeddedSessionHandles(random, clock, IDLE_SESSION, sessions.maxSessions());
                EnclaveRegistration admission = new EnclaveRegistration(
                        vertx,
                        web,
                        members,
                        sessions.attestation(),
                        ATTESTATION_TIMEOUT,
                        sessions.enclaveCredential(),
                        clock);
                List<Future<EnclavePool.Member>> first = sessions.enclaves().entrySet().stream()
                        .map(e -> admission.register(e.getKey(), e.getValue()))
                        .toList();
                ready = Future.join(first).otherwiseEmpty().map(attested -> {
                    rechecks.set(admission.recheckEvery(sessions.recheck()));
                    return attested;
                });
                Optional<Membership> joining = sessions.replicated().flatMap(Replicated::membership);
                if (joining.isPresent()) {
                    EnclaveMembership shared = new EnclaveMembership(
                            vertx,
                            sessions.replicated().get().redis(),
                            admission,
                            joining.get().ttl(),
                            joining.get().sync(),
                            REDIS_TIMEOUT,
                            clock);
                    MembershipVerticle endpoint = new MembershipVerticle(
                            joining.get().listen(), joining.get().secret(), shared, clock);
                    ready = ready.compose(attested -> shared.start()).compose(v -> vertx.deployVerticle(endpoint));
                    membership = Optional.of(shared);
                    membershipVerticle = Optional.of(endpoint);
                }
                Optional<EnclaveMembership> joined = membership;
                target = new SessionRouter(
                        members,
                        handles,
                        web,
                        vertx.createHttpClient(
                                new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(64)),
                        FORWARD_TIMEOUT,
                        sessions.enclaveCredential(),
                        open -> tokenGate(vertx, open, sessions.tokens(), registry, clock),
                        id -> joined.isPresent()
                                ? joined.get().admitUnknown(id)
                                : Future.succeededFuture(Optional.empty()),
                        registry);
                pool = Optional.of(members);
                registration = Optional.of(admission);
            }
        }
        Target chosen = target;
        List<GatewayVerticle> verticles = new CopyOnWriteArrayList<>();
        Optional<EnclavePool> chosenPool = pool;
        Optional<EnclaveRegistration> chosenRegistration = registration;
        Optional<EnclaveMembership> chosenMembership = membership;
        Optional<MembershipVerticle> chosenEndpoint = membershipVerticle;
        return ready.compose(attested -> vertx.deployVerticle(
                        () -> {
                            GatewayVerticle verticle = new GatewayVerticle(
                                    config.gateway(),
                                    config.keys(),
                                    config.publication().orElse(null),
                                    chosen,
                                    registry,
                                    clock);
                            verticles.add(verticle);
                            return verticle;
                        },
                        new DeploymentOptions()
                                .setInstances(config.instances())
                                .setThreadingModel(ThreadingModel.EVENT_LOOP)))
                .map(id -> new GatewayDeployment(
                        vertx,
                        verticles,
                        id,
                        chosenPool,
                        chosenRegistration,
                        rechecks.get(),
                        chosenMembership,
                        chosenEndpoint));
    }

    private static Target tokenGate(
            Vertx vertx, Target inner, TokenRedemption tokens, MeterRegistry registry, Clock clock) {
        return new TokenGate(
                vertx,
                inner,
                tokens.keys(),
                new PrivateTokenRedeemer(tokens.keys(), tokens.spent()),
                tokens.challenge(),
                registry,
                clock);
    }

    /** The port the gateway listens on (useful with port 0). */
    public int actualPort() {
        return verticles.getFirst().actualPort();
    }

    /** The first verticle instance (audit hooks in tests). */
    public GatewayVerticle verticle() {
        return verticles.getFirst();
    }

    /** The attested enclaves sessions are routed to (the session API only). */
    public Optional<EnclavePool> pool() {
        return pool;
    }

    /** Admits enclaves into the pool after attesting them (the session API only). */
    public Optional<EnclaveRegistration> registration() {
        return registration;
    }

    /** Enclave membership by registration (replicas with a membership listener only). */
    public Optional<EnclaveMembership> membership() {
        return membership;
    }

    /** The port of the internal membership listener (useful with port 0), when there is one. */
    public Optional<Integer> membershipPort() {
        return membershipVerticle.map(MembershipVerticle::actualPort);
    }

    /** Stops listening; the registration's periodic re-check and the membership reads stop with it. */
    public Future<Void> undeploy() {
        if (rechecks >= 0) vertx.cancelTimer(rechecks);
        membership.ifPresent(EnclaveMembership::stop);
        Future<?> endpoint = membershipVerticle
                .<Future<?>>map(v -> vertx.undeploy(v.deploymentID()))
                .orElse(Future.succeededFuture());
        return endpoint.compose(v -> vertx.undeploy(deploymentId));
    }
}
