package dev.cloister.client.log;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One line of the request log an app shows its user: what was shared (counts, sizes and message ids — never text),
 * through whom, and what software was verified to receive it. Fields that a failed request never reached are null.
 *
 * @param time when the request started
 * @param useCase {@code summarize} or {@code rewrite}
 * @param shared what left the device
 * @param relay the relay's URL (it saw the device's address, never the content)
 * @param keyConfigId the gateway key configuration used, and its ledger index
 * @param enclave what the attestation established about the receiving enclave
 * @param ledger the checkpoint and witnesses that vouched for the key and the release
 * @param tls the negotiated TLS parameters of the RA-TLS session
 * @param token the issuer key the spent token was issued under, and the ledger index that vouched for it
 * @param outcome {@code ok}, or the failure's kind and reason
 */
public record RequestLogEntry(
        Instant time,
        String useCase,
        Shared shared,
        String relay,
        KeyUsed keyConfigId,
        Enclave enclave,
        Ledger ledger,
        Tls tls,
        TokenUsed token,
        Outcome outcome) {

    public RequestLogEntry {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(useCase, "useCase");
        Objects.requireNonNull(shared, "shared");
        Objects.requireNonNull(outcome, "outcome");
    }

    /** What was shared: counts, bytes and the app's own message ids. */
    public record Shared(int messages, long bytes, List<String> messageIds) {
        public Shared {
            messageIds = List.copyOf(messageIds);
        }
    }

    public record KeyUsed(int keyId, long ledgerIndex) {}

    /**
     * @param gpus every attested GPU, GPU 0 first (empty for a CPU-only enclave)
     */
    public record Enclave(String platform, String measurement, String release, String tcb, List<Gpu> gpus) {
        public Enclave {
            gpus = List.copyOf(gpus);
        }
    }

    /**
     * One attested GPU: its model as its report names it (else its certificate's subject), the driver and VBIOS
     * versions it measured, and the firmware id its device certificate binds (hex).
     */
    public record Gpu(String model, String driver, String vbios, String fwid) {}

    public record Ledger(String origin, long checkpointSize, List<String> witnesses) {
        public Ledger {
            witnesses = List.copyOf(witnesses);
        }
    }

    public record Tls(String version, String cipherSuite, String keyExchange) {}

    /**
     * The spent token's issuer key (its token_key_id, hex) and the ledger index of the entry that published it; the
     * index is null for a token kept from an earlier run, whose key was checked when it was issued.
     */
    public record TokenUsed(String issuerKeyId, Long ledgerIndex) {}

    /** {@code ok}, or {@code kind} (attestation, ledger, key-consistency, token, transport, enclave) with a reason. */
    public record Outcome(String result, String kind, String reason) {
        public static final Outcome OK = new Outcome("ok", null, null);

        public static Outcome failed(String kind, String reason) {
            return new Outcome("failed", kind, reason);
        }
    }

    public JsonObject toJson() {
        JsonObject json = new JsonObject()
                .put("time", time.toString())
                .put("use_case", useCase)
                .put(
                        "shared",
                        new JsonObject()
                                .put("messages", shared.messages())
                                .put("bytes", shared.bytes())
                                .put("message_ids", new JsonArray(shared.messageIds())))
                .put("relay", relay);
        if (keyConfigId != null) {
            json.put(
                    "key_config",
                    new JsonObject().put("id", keyConfigId.keyId()).put("ledger_index", keyConfigId.ledgerIndex()));
        }
        if (enclave != null) {
            json.put(
                    "enclave",
                    new JsonObject()
                            .put("platform", enclave.platform())
                            .put("measurement", enclave.measurement())
                            .put("release", enclave.release())
                            .put("tcb", enclave.tcb())
                            .put(
                                    "gpus",
                                    new JsonArray(enclave.gpus().stream()
                                            .map(g -> new JsonObject()
                                                    .put("model", g.model())
                                                    .put("driver", g.driver())
                                                    .put("vbios", g.vbios())
                                                    .put("fwid", g.fwid()))
                                            .toList())));
        }
        if (ledger != null) {
            json.put(
                    "ledger",
                    new JsonObject()
                            .put("origin", ledger.origin())
                            .put("checkpoint_size", ledger.checkpointSize())
                            .put("witnesses", new JsonArray(ledger.witnesses())));
        }
        if (tls != null) {
            json.put(
                    "tls",
                    new JsonObject()
                            .put("version", tls.version())
                            .put("cipher_suite", tls.cipherSuite())
                            .put("key_exchange", tls.keyExchange()));
        }
        if (token != null) {
            JsonObject t = new JsonObject().put("issuer_key_id", token.issuerKeyId());
            if (token.ledgerIndex() != null) t.put("ledger_index", token.ledgerIndex());
            json.put("token", t);
        }
        JsonObject result = new JsonObject().put("result", outcome.result());
        if (outcome.kind() != null) result.put("kind", outcome.kind()).put("reason", outcome.reason());
        return json.put("outcome", result);
    }
}
