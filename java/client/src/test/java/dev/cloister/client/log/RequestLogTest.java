package dev.cloister.client.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RequestLogTest {

    @TempDir
    Path dir;

    @Test
    void entriesAreJsonLinesWithWhatWasVerifiedAndNoText() throws Exception {
        RequestLog log = RequestLog.appendingTo(dir.resolve("sub/request-log.jsonl"));
        RequestLogEntry ok = new RequestLogEntry(
                Instant.parse("2026-11-28T12:00:00Z"),
                "summarize",
                new RequestLogEntry.Shared(2, 57, List.of("m1", "m2")),
                "http://relay.example/relay",
                new RequestLogEntry.KeyUsed(3, 17),
                new RequestLogEntry.Enclave(
                        "sev-snp",
                        "ab".repeat(48),
                        "cloister 0.1.0",
                        "bl=3 tee=0 snp=8 ucode=115",
                        List.of(
                                new RequestLogEntry.Gpu("H100", "550.90.07", "96.00.5e.00.01", "aa".repeat(48)),
                                new RequestLogEntry.Gpu("H100", "550.90.07", "96.00.5e.00.01", "bb".repeat(48)))),
                new RequestLogEntry.Ledger("ledger.example", 42, List.of("w1.example", "w2.example")),
                new RequestLogEntry.Tls("TLSv1.3", "TLS_AES_128_GCM_SHA256", "x25519"),
                new RequestLogEntry.TokenUsed("0a".repeat(32), 5L),
                RequestLogEntry.Outcome.OK);
        RequestLogEntry failed = new RequestLogEntry(
                Instant.parse("2026-11-28T12:01:00Z"),
                "rewrite",
                new RequestLogEntry.Shared(0, 0, List.of()),
                "http://relay.example/relay",
                null,
                null,
                null,
                null,
                null,
                RequestLogEntry.Outcome.failed("attestation", "measurement not in the reference values"));
        log.append(ok);
        log.append(failed);
        List<String> lines = RequestLog.read(dir.resolve("sub/request-log.jsonl"));
        assertEquals(2, lines.size());
        assertEquals(
                "rw-------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("sub/request-log.jsonl"))),
                "the log is its owner's alone");
        assertEquals(
                "rwx------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("sub"))),
                "and so is the directory made for it");
        JsonObject first = new JsonObject(lines.get(0));
        assertEquals(17, first.getJsonObject("key_config").getLong("ledger_index"));
        assertEquals("0a".repeat(32), first.getJsonObject("token").getString("issuer_key_id"));
        assertEquals(5, first.getJsonObject("token").getLong("ledger_index"));
        // Every GPU, not GPU 0 only.
        var gpus = first.getJsonObject("enclave").getJsonArray("gpus");
        assertEquals(2, gpus.size());
        assertEquals("H100", gpus.getJsonObject(0).getString("model"));
        assertEquals("aa".repeat(48), gpus.getJsonObject(0).getString("fwid"));
        assertEquals("bb".repeat(48), gpus.getJsonObject(1).getString("fwid"));
        assertEquals(
                List.of("m1", "m2"),
                first.getJsonObject("shared").getJsonArray("message_ids").getList());
        JsonObject second = new JsonObject(lines.get(1));
        assertEquals("attestation", second.getJsonObject("outcome").getString("kind"));
        assertEquals(null, second.getJsonObject("enclave"));
        assertEquals(log.exportJsonLines(), String.join("\n", lines) + "\n");
    }
}
