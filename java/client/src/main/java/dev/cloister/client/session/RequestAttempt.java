package dev.cloister.client.session;

import dev.cloister.attest.AttestationVerifier;
import dev.cloister.attest.ratls.KeyExchange;
import dev.cloister.attest.ratls.RaTlsAttestation;
import dev.cloister.attest.ratls.RaTlsClient;
import dev.cloister.attest.ratls.RaTlsConnection;
import dev.cloister.attest.ratls.RaTlsException;
import dev.cloister.attest.ratls.RaTlsPolicy;
import dev.cloister.client.ObliviousHttpClient;
import dev.cloister.attest.AttestationResult;
import dev.cloister.attest.Claims;
import dev.cloister.attest.nvgpu.NvidiaGpuClaims;
import dev.cloister.attest.sevsnp.SevSnpClaims;
import dev.cloister.attest.tdx.TdxClaims;
import dev.cloister.protocol.AnswerLine;
import dev.cloister.protocol.AssistantRequest;
import dev.cloister.protocol.FinishReason;
import dev.cloister.protocol.MediaTypes;
import dev.cloister.protocol.SessionPaths;
import dev.cloister.protocol.Style;
import dev.cloister.protocol.Tone;
import dev.cloister.protocol.UseCase;
import dev.cloister.protocol.http.ProblemResponse;
import dev.cloister.client.keys.KeyConsistency;
import dev.cloister.client.keys.KeyConsistencyException;
import dev.cloister.client.log.RequestLog;
import dev.cloister.client.log.RequestLogEntry;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.witness.WitnessPolicy;
import dev.cloister.tokens.auth.PrivateTokenCredentials;
import dev.cloister.tokens.privacypass.Token;
import dev.cloister.tokens.privacypass.TokenChallenge;
import dev.cloister.wire.bhttp.BhttpException;
import dev.cloister.wire.bhttp.BhttpLimits;
import dev.cloister.wire.bhttp.BinaryRequest;
import dev.cloister.wire.bhttp.BinaryResponse;
import dev.cloister.wire.bhttp.FieldSection;
import dev.cloister.wire.bhttp.IndeterminateResponseReader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/** What one request established so far: the facts its request-log entry records, whatever the outcome. */
final class RequestAttempt {
    final String useCase;
    final RequestLogEntry.Shared shared;
    final Instant started;
    volatile KeyConsistency.ConsistentKey key;
    volatile List<dev.cloister.client.keys.ReleaseTransparency.PublishedRelease> releases = List.of();
    volatile RaTlsAttestation enclave;
    volatile RequestLogEntry.Tls tls;
    volatile RequestLogEntry.TokenUsed token;
    volatile boolean textDelivered;

    private final String relay;

    RequestAttempt(String useCase, RequestLogEntry.Shared shared, Instant started, String relay) {
        this.useCase = useCase;
        this.relay = relay;
        this.shared = shared;
        this.started = started;
    }

    RequestLogEntry entry(RequestLogEntry.Outcome outcome) {
        RequestLogEntry.KeyUsed keyUsed = key == null ? null
                : new RequestLogEntry.KeyUsed(key.config().keyId(), key.ledgerIndex());
        RequestLogEntry.Ledger ledger = key == null ? null : new RequestLogEntry.Ledger(key.checkpointOrigin(),
                key.checkpointSize(), key.cosignatures().stream().map(WitnessPolicy.Cosignature::witness).toList());
        RequestLogEntry.Enclave described = enclave == null ? null : describe(enclave, releases);
        RequestLogEntry.Tls tlsUsed = tls;
        return new RequestLogEntry(started, useCase, outcome.result().equals("ok") || enclave != null ? shared
                : new RequestLogEntry.Shared(0, 0, List.of()), relay, keyUsed, described, ledger,
                tlsUsed, token, outcome);
    }

    /** What the request log says about the enclave: read from the verified, typed claims. */
    static RequestLogEntry.Enclave describe(RaTlsAttestation attestation,
            List<dev.cloister.client.keys.ReleaseTransparency.PublishedRelease> releases) {
        Claims cpu = attestation.cpu().claims();
        byte[] measurement = switch (cpu) {
            case SevSnpClaims snp -> snp.measurement();
            case TdxClaims tdx -> tdx.quote().mrTd();
            default -> null;
        };
        String tcb = switch (cpu) {
            case SevSnpClaims snp -> String.valueOf(snp.tcb().toJsonMap());
            case TdxClaims tdx -> tdx.tcbLevel().map(level -> String.valueOf(level.toJsonMap())).orElse(null);
            default -> null;
        };
        String release = measurement == null ? null : dev.cloister.client.keys.ReleaseTransparency
                .find(releases, measurement)
                .map(r -> r.release().release() + " (ledger index " + r.ledgerIndex() + ")").orElse(null);
        Optional<NvidiaGpuClaims> gpu = attestation.gpu().map(AttestationResult::claims)
                .filter(NvidiaGpuClaims.class::isInstance).map(NvidiaGpuClaims.class::cast);
        return new RequestLogEntry.Enclave(cpu.platform().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                measurement == null ? null : java.util.HexFormat.of().formatHex(measurement), release, tcb,
                gpu.map(g -> g.model().orElse(g.leafSubject())).orElse(null),
                gpu.map(NvidiaGpuClaims::driverVersion).orElse(null), gpu.map(NvidiaGpuClaims::vbiosVersion).orElse(null));
    }
}
