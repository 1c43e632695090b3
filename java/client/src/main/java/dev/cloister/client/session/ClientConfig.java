package dev.cloister.client.session;

import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.ratls.KeyExchange;
import dev.cloister.attest.ratls.RaTlsPolicy;
import dev.cloister.client.log.RequestLog;
import dev.cloister.ledger.checkpoint.CheckpointStore;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.witness.WitnessPolicy;
import dev.cloister.protocol.AssistantRequest;
import dev.cloister.protocol.openai.ChatCompletionRequest;
import dev.cloister.tokens.privacypass.TokenChallenge;
import io.vertx.core.Vertx;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything a {@link CloisterClient} is told, checked once: the parties' addresses, the ledger and witnesses it
 * trusts, the attestation policy (pinned, or a platform policy whose measurements come from the ledger's releases), the
 * issuer and its challenge, and the limits and timings. Nothing is defaulted that would weaken a check; build one with
 * {@link CloisterClient#builder}.
 *
 * @param ledgerTiles the ledger's tile prefix (c2sp.org/tlog-tiles), from which consistency proofs are computed
 * @param checkpoints where the largest verified checkpoint is remembered (across runs when durable)
 * @param attestation a pinned policy, or null when {@code platformCpu} and {@code platformGpu} are given
 * @param tokenStore where unspent tokens are kept between runs, or null for memory only
 * @param tokenRefillDelay the most a background token refill waits, drawn uniformly ({@link TokenWallet.Refill})
 * @param padding    the size buckets requests are padded to, the enclave asked to pad its answers (frames for a
 *                   streamed answer, a size bucket for a whole one); empty: nothing padded (issue 15, item 1)
 * @param platformPolicyKey the key the ledger's platform policies (SEV-SNP TCB floors) must be signed with; empty:
 *                   the ledger's policies are not consulted and {@code platformCpu}'s own minimum TCB applies
 * @param revocationMaxAge how old (from its thisUpdate) the enclave's stapled AMD CRL and GPU OCSP responses may be
 * @param releases   the release keys and quarantine that the ledger's releases must pass (issue 15, item 5); null
 *                   only with a pinned {@code attestation}
 * @param cpuPlatforms with a platform policy: which CPU TEEs are accepted (SEV-SNP, TDX under its TDX platform policy,
 *                   or either) for the releases that name them; TDX only refuses an SEV-SNP enclave whatever SEV-SNP
 *                   measurements the releases name
 */
public record ClientConfig(
        Vertx vertx,
        URI relay,
        URI keyDirectory,
        String gatewayAuthority,
        LogIdentity log,
        WitnessPolicy witnesses,
        URI ledgerTiles,
        CheckpointStore checkpoints,
        RaTlsPolicy attestation,
        dev.cloister.attest.sevsnp.SevSnpPolicy platformCpu,
        RaTlsPolicy.GpuRequirement platformGpu,
        AttestationVerifier verifier,
        URI issuer,
        String account,
        TokenChallenge challenge,
        int tokenBatch,
        java.util.List<KeyExchange> keyExchanges,
        Duration timeout,
        int retries,
        AssistantRequest.Limits requestLimits,
        ChatCompletionRequest.Limits chatLimits,
        Duration keyCacheTtl,
        Path tokenStore,
        Duration tokenRefillDelay,
        Clock clock,
        SecureRandom random,
        RequestLog requestLog,
        java.util.Optional<dev.cloister.protocol.padding.SizeBuckets> padding,
        java.util.Optional<dev.cloister.ledger.note.NoteVerifier> platformPolicyKey,
        Duration revocationMaxAge,
        dev.cloister.client.keys.ReleaseTrust releases,
        dev.cloister.attest.ratls.AcceptedCpuPlatforms cpuPlatforms) {
    public ClientConfig {
        Objects.requireNonNull(vertx, "vertx");
        Objects.requireNonNull(relay, "relay URL");
        Objects.requireNonNull(keyDirectory, "key directory URL");
        Objects.requireNonNull(log, "ledger identity");
        Objects.requireNonNull(witnesses, "witness policy");
        Objects.requireNonNull(ledgerTiles, "ledger tile URL");
        Objects.requireNonNull(checkpoints, "checkpoint store");
        if (attestation == null && (platformCpu == null || platformGpu == null)) {
            throw new NullPointerException("attestation: a platform policy (or a pinned policy)");
        }
        Objects.requireNonNull(issuer, "issuer URL");
        Objects.requireNonNull(account, "issuer account credential");
        Objects.requireNonNull(challenge, "token challenge");
        if (tokenRefillDelay == null || tokenRefillDelay.isNegative()) {
            throw new IllegalArgumentException("token refill delay: zero or more");
        }
        Objects.requireNonNull(padding, "padding");
        Objects.requireNonNull(platformPolicyKey, "platformPolicyKey");
        if (revocationMaxAge == null || revocationMaxAge.isNegative() || revocationMaxAge.isZero()) {
            throw new IllegalArgumentException("revocation max age: more than zero");
        }
        Objects.requireNonNull(cpuPlatforms, "cpuPlatforms");
        if (attestation == null && releases == null) {
            throw new NullPointerException(
                    "releases: the release keys that sign the releases a platform policy accepts");
        }
    }
}
