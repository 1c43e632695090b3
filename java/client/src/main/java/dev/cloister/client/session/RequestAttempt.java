package dev.cloister.client.session;

import dev.cloister.attest.AttestationResult;
import dev.cloister.attest.Claims;
import dev.cloister.attest.nvgpu.NvidiaGpuClaims;
import dev.cloister.attest.ratls.RaTlsAttestation;
import dev.cloister.attest.sevsnp.SevSnpClaims;
import dev.cloister.attest.tdx.TdxClaims;
import dev.cloister.client.keys.KeyConsistency;
import dev.cloister.client.log.RequestLogEntry;
import dev.cloister.ledger.witness.WitnessPolicy;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

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
        RequestLogEntry.KeyUsed keyUsed =
                key == null ? null : new RequestLogEntry.KeyUsed(key.config().keyId(), key.ledgerIndex());
        RequestLogEntry.Ledger ledger = key == null
                ? null
                : new RequestLogEntry.Ledger(
                        key.checkpointOrigin(),
                        key.checkpointSize(),
                        key.cosignatures().stream()
                                .map(WitnessPolicy.Cosignature::witness)
                                .toList());
        RequestLogEntry.Enclave described = enclave == null ? null : describe(enclave, releases);
        RequestLogEntry.Tls tlsUsed = tls;
        return new RequestLogEntry(
                started,
                useCase,
                outcome.result().equals("ok") || enclave != null ? shared : new RequestLogEntry.Shared(0, 0, List.of()),
                relay,
                keyUsed,
                described,
                ledger,
                tlsUsed,
                token,
                outcome);
    }

    /** What the request log says about the enclave: read from the verified, typed claims. */
    static RequestLogEntry.Enclave describe(
            RaTlsAttestation attestation,
            List<dev.cloister.client.keys.ReleaseTransparency.PublishedRelease> releases) {
        Claims cpu = attestation.cpu().claims();
        byte[] measurement = switch (cpu) {
            case SevSnpClaims snp -> snp.measurement();
            case TdxClaims tdx -> tdx.quote().mrTd();
            default -> null;
        };
        String tcb = switch (cpu) {
            case SevSnpClaims snp -> String.valueOf(snp.tcb().toJsonMap());
            case TdxClaims tdx ->
                tdx.tcbLevel().map(level -> String.valueOf(level.toJsonMap())).orElse(null);
            default -> null;
        };
        // A TDX quote names its release by all four registers (MRTD is the firmware's, shared by every release).
        Optional<dev.cloister.client.keys.ReleaseTransparency.PublishedRelease> published = switch (cpu) {
            case TdxClaims tdx ->
                releases.stream()
                        .filter(r -> r.tdxReferenceValues().stream().anyMatch(v -> v.matches(tdx.quote())))
                        .findFirst();
            default ->
                measurement == null
                        ? Optional.empty()
                        : dev.cloister.client.keys.ReleaseTransparency.find(releases, measurement);
        };
        String release = published
                .map(r -> r.name() + " (ledger index " + r.ledgerIndex() + ")")
                .orElse(null);
        List<RequestLogEntry.Gpu> gpus = attestation.gpus().stream()
                .map(AttestationResult::claims)
                .filter(NvidiaGpuClaims.class::isInstance)
                .map(NvidiaGpuClaims.class::cast)
                .map(g -> new RequestLogEntry.Gpu(
                        g.model().orElse(g.leafSubject()),
                        g.driverVersion(),
                        g.vbiosVersion(),
                        g.fwid().hex()))
                .toList();
        return new RequestLogEntry.Enclave(
                cpu.platform().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                measurement == null ? null : java.util.HexFormat.of().formatHex(measurement),
                release,
                tcb,
                gpus);
    }
}
