package dev.cloister.client.session;

import dev.cloister.attest.ratls.RaTlsClient;
import dev.cloister.attest.ratls.RaTlsPolicy;
import dev.cloister.client.ObliviousHttpClient;
import dev.cloister.client.keys.KeyConsistency;
import dev.cloister.client.keys.KeyConsistencyException;
import dev.cloister.client.keys.PlatformPolicies;
import dev.cloister.client.keys.ReleaseTransparency;
import io.vertx.core.Future;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A client's cache of what it verified before any session: the gateway's key configuration (in the ledger, key
 * consistency) and the releases the ledger vouches for (the RA-TLS policy's accepted measurements), reused by every
 * session until {@link ClientConfig#keyCacheTtl()} passes or a failure makes the client forget it.
 */
final class VerifiedKeys {

    private final ClientConfig config;
    private final ObliviousHttpClient ohttp;
    private final KeyConsistency keyConsistency;
    private final dev.cloister.client.keys.ReleaseTransparency releaseTransparency;
    private final RaTlsClient pinnedTls;
    private final PlatformPolicies platformPolicies;

    VerifiedKeys(ClientConfig config, ObliviousHttpClient ohttp, dev.cloister.client.keys.LedgerView ledger) {
        this.config = config;
        this.ohttp = ohttp;
        this.keyConsistency = new KeyConsistency(ledger);
        this.releaseTransparency = config.releases() == null
                ? null
                : new dev.cloister.client.keys.ReleaseTransparency(ledger, config.releases());
        this.platformPolicies = config.platformPolicyKey()
                .map(key -> new PlatformPolicies(ledger, key))
                .orElse(null);
        this.pinnedTls = config.attestation() == null
                ? null
                : RaTlsClient.create(
                        config.attestation(),
                        config.verifier(),
                        config.keyExchanges(),
                        Optional.empty(),
                        config.timeout(),
                        config.clock(),
                        config.random());
    }

    /** What the client verified about keys and releases, reused until {@code keyCacheTtl} passes. */
    record Verified(
            KeyConsistency.ConsistentKey key,
            List<dev.cloister.client.keys.ReleaseTransparency.PublishedRelease> releases,
            RaTlsClient tls,
            Instant until) {}

    private volatile Verified verified;

    /** Steps 1-2: the key configuration and the releases, verified against the ledger (cached for a while). */
    Future<Verified> current(RequestAttempt attempt) {
        Verified cached = verified;
        if (cached != null && config.clock().instant().isBefore(cached.until())) {
            attempt.key = cached.key();
            attempt.releases = cached.releases();
            return Future.succeededFuture(cached);
        }
        URI keys = config.keyDirectory().resolve("/ohttp-keys");
        URI proofs = config.keyDirectory().resolve("/ohttp-keys/proofs");
        return ohttp.fetchKeys(keys)
                .compose(
                        advertised -> ohttp.fetchKeyProofs(proofs)
                                .compose(documents -> config.vertx()
                                        .executeBlocking(
                                                () -> {
                                                    try {
                                                        attempt.key = keyConsistency
                                                                .check(
                                                                        advertised,
                                                                        documents,
                                                                        config.clock()
                                                                                .instant())
                                                                .getFirst();
                                                        return attempt.key;
                                                    } catch (KeyConsistencyException e) {
                                                        throw new SessionFailure(
                                                                SessionFailure.Kind.KEY_CONSISTENCY, e.getMessage(), e);
                                                    }
                                                },
                                                false)),
                        e -> Future.failedFuture(
                                e instanceof SessionFailure
                                        ? e
                                        : new SessionFailure(
                                                SessionFailure.Kind.KEY_CONSISTENCY,
                                                "the key directory is unreachable or unusable: " + e.getMessage(),
                                                e)))
                .compose(key -> sessionTls(attempt).map(tls -> {
                    Verified fresh = new Verified(
                            key, attempt.releases, tls, config.clock().instant().plus(config.keyCacheTtl()));
                    verified = fresh;
                    return fresh;
                }));
    }

    /**
     * The platform's SEV-SNP policy with the TCB floors of the newest witnessed platform policy signed by the
     * configured key (fetched from the key directory), never below the configured policy's own floors; the configured
     * policy as it is when no platform-policy key is configured or the ledger holds no valid policy.
     */
    private Future<dev.cloister.attest.sevsnp.SevSnpPolicy> platformCpu() {
        if (platformPolicies == null) {
            return Future.succeededFuture(config.platformCpu());
        }
        return ohttp.fetchKeyProofs(config.keyDirectory().resolve("/platform-policies/proofs"))
                .recover(e -> Future.failedFuture(new SessionFailure(
                        SessionFailure.Kind.LEDGER,
                        "the platform policy proofs are unreachable or unusable: " + e.getMessage(),
                        e)))
                .compose(proofs -> config.vertx()
                        .executeBlocking(
                                () -> platformPolicies
                                        .newest(proofs, config.clock().instant())
                                        .newest()
                                        .map(p -> PlatformPolicies.apply(config.platformCpu(), p.floors()))
                                        .orElse(config.platformCpu()),
                                false));
    }

    /** Forgets the verified keys and releases (the next request fetches and verifies them again). */
    void forget() {
        verified = null;
    }

    /**
     * The RA-TLS client for this request: with a pinned policy, that; otherwise the platform policy with the
     * measurements of the releases the ledger vouches for (fetched from the key directory, verified here).
     */
    private Future<RaTlsClient> sessionTls(RequestAttempt attempt) {
        if (pinnedTls != null) return Future.succeededFuture(pinnedTls);
        return ohttp.fetchKeyProofs(config.keyDirectory().resolve("/releases/proofs"))
                .recover(e -> Future.failedFuture(new SessionFailure(
                        SessionFailure.Kind.LEDGER,
                        "the release proofs are unreachable or unusable: " + e.getMessage(),
                        e)))
                .compose(proofs -> config.vertx()
                        .executeBlocking(
                                () -> {
                                    try {
                                        return releaseTransparency.check(
                                                proofs, config.clock().instant());
                                    } catch (KeyConsistencyException e) {
                                        throw new SessionFailure(SessionFailure.Kind.LEDGER, e.getMessage(), e);
                                    }
                                },
                                false))
                .compose(releases -> {
                    attempt.releases = releases;
                    dev.cloister.attest.ratls.AcceptedCpuPlatforms platforms = config.cpuPlatforms();
                    List<byte[]> measurements = platforms.acceptsSevSnp()
                            ? attempt.releases.stream()
                                    .flatMap(r -> r.sevSnpMeasurements().stream())
                                    .toList()
                            : List.of();
                    List<dev.cloister.attest.policy.TdxReleaseReferenceValues> tdx =
                            platforms.tdx().isPresent()
                                    ? attempt.releases.stream()
                                            .flatMap(r -> r.tdxReferenceValues().stream())
                                            .toList()
                                    : List.of();
                    if (measurements.isEmpty() && tdx.isEmpty()) {
                        return Future.failedFuture(new SessionFailure(
                                SessionFailure.Kind.LEDGER,
                                switch (platforms) {
                                    case dev.cloister.attest.ratls.AcceptedCpuPlatforms.Tdx t ->
                                        "no published release names a TDX platform (SEV-SNP is not accepted)";
                                    case dev.cloister.attest.ratls.AcceptedCpuPlatforms.SevSnpOrTdx t ->
                                        "no published release names an SEV-SNP measurement or a TDX platform";
                                    case dev.cloister.attest.ratls.AcceptedCpuPlatforms.SevSnp s ->
                                        "no published release names an SEV-SNP measurement";
                                },
                                null));
                    }
                    RaTlsPolicy.GpuRequirement gpu;
                    try {
                        gpu = ReleaseTransparency.applyPublishedRims(config.platformGpu(), attempt.releases);
                    } catch (KeyConsistencyException e) {
                        return Future.failedFuture(new SessionFailure(SessionFailure.Kind.LEDGER, e.getMessage(), e));
                    }
                    return platformCpu()
                            .map(cpu -> RaTlsClient.create(
                                    platforms
                                            .policy(
                                                    ReleaseTransparency.applyPlatformOptions(cpu, attempt.releases),
                                                    measurements,
                                                    tdx,
                                                    gpu)
                                            .withRevocation(new dev.cloister.attest.RevocationCheck.Required(
                                                    config.revocationMaxAge())),
                                    config.verifier(),
                                    config.keyExchanges(),
                                    Optional.empty(),
                                    config.timeout(),
                                    config.clock(),
                                    config.random()));
                });
    }
}
