package dev.cloister.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Values a command must refuse before it does anything, each named in one line with exit 2. */
class CommandValidationTest {

    @TempDir
    Path dir;

    private static LauncherRun run(String... args) {
        return LauncherRun.of(args);
    }

    private static void assertUsage(LauncherRun run, String... words) {
        assertEquals(2, run.code(), run.output());
        assertEquals(1, run.output().lines().count(), run.output());
        for (String w : words) assertTrue(run.output().contains(w), () -> "'" + w + "' in " + run.output());
    }

    private static String[] generate(String... extra) {
        Path models = Path.of(System.getProperty("cloister.models"));
        List<String> args = new ArrayList<>(List.of(
                "generate",
                "--model",
                models.resolve("stories260K.bin").toString(),
                "--tokenizer",
                models.resolve("tok512.bin").toString(),
                "--prompt",
                "Once",
                "--backend",
                "CPU"));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    @Test
    void generateRefusesNonPositiveStepsBadTemperaturesAndNoThreads() {
        assertUsage(run(generate("--steps", "0")), "--steps 0");
        assertUsage(run(generate("--steps", "-5")), "--steps -5");
        assertUsage(run(generate("--temperature", "-1")), "--temperature -1");
        assertUsage(run(generate("--temperature", "NaN")), "--temperature NaN");
        assertUsage(run(generate("--temperature", "Infinity")), "--temperature Infinity");
        assertUsage(run(generate("--threads", "0")), "--threads 0");
        assertUsage(run(generate("--top-p", "0")), "--top-p 0");
        assertEquals(0, run(generate("--steps", "3", "--threads", "1")).code(), "sound values still run");
    }

    @Test
    void keygenRefusesToOverwriteAKeyUnlessForced() throws Exception {
        Path key = dir.resolve("ledger.key");
        LauncherRun first = run("ledger", "keygen", "--name", "log.test", "--out", key.toString());
        assertEquals(0, first.code(), first.output());
        String written = Files.readString(key);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));

        assertUsage(
                run("ledger", "keygen", "--name", "log.test", "--out", key.toString()),
                "--out " + key,
                "already exists",
                "--force");
        assertEquals(written, Files.readString(key), "the key is untouched");
        assertUsage(
                run("ledger", "keygen", "--name", "witness.test", "--witness", "--out", key.toString()),
                "already exists");
        assertEquals(written, Files.readString(key));

        LauncherRun forced = run("ledger", "keygen", "--name", "log.test", "--out", key.toString(), "--force");
        assertEquals(0, forced.code(), forced.output());
        assertNotEquals(written, Files.readString(key), "--force replaced it");
        assertNotEquals(first.output(), forced.output(), "with a new key");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
    }

    @Test
    void witnessAndLedgerRefuseEachOthersKeys() {
        Path logKey = dir.resolve("log.key");
        Path witnessKey = dir.resolve("witness.key");
        String logVkey = run("ledger", "keygen", "--name", "log.test", "--out", logKey.toString())
                .output();
        run("ledger", "keygen", "--name", "witness.test", "--witness", "--out", witnessKey.toString());
        assertUsage(
                run(
                        "witness",
                        "--listen",
                        "127.0.0.1:0",
                        "--data",
                        dir.resolve("w").toString(),
                        "--key",
                        logKey.toString(),
                        "--log",
                        logVkey),
                "--key " + logKey,
                "not a witness key");
        assertUsage(
                run(
                        "ledger",
                        "--listen",
                        "127.0.0.1:0",
                        "--data",
                        dir.resolve("l").toString(),
                        "--key",
                        witnessKey.toString(),
                        "--admin-listen",
                        "127.0.0.1:0"),
                "--key " + witnessKey,
                "a witness key");
        assertFalse(Files.exists(dir.resolve("w")), "the witness refused before creating its data directory");
        assertFalse(Files.exists(dir.resolve("l")), "the ledger refused before creating its data directory");
    }

    private static String[] concat(String[] first, String[] second) {
        return Stream.concat(Stream.of(first), Stream.of(second)).toArray(String[]::new);
    }

    @Test
    void relayWithAnotherSchemeIsNamed() {
        String logVkey = run(
                        "ledger",
                        "keygen",
                        "--name",
                        "log.test",
                        "--out",
                        dir.resolve("k").toString())
                .output();
        String[] session = {
            "--relay",
            "ftp://relay.example/relay",
            "--keys",
            "http://127.0.0.1:1",
            "--ledger",
            "http://127.0.0.1:1",
            "--ledger-vkey",
            logVkey,
            "--insecure-no-witnesses",
            "--issuer",
            "http://127.0.0.1:1",
            "--account",
            "a",
            "--log-file",
            dir.resolve("log.jsonl").toString()
        };
        assertUsage(
                run(concat(new String[] {"rewrite", "--text", "hi"}, session)),
                "--relay ftp://relay.example/relay",
                "scheme ftp");
        assertUsage(
                run("request", "--relay", "ftp://relay.example/relay", "--keys", "http://127.0.0.1:1/ohttp-keys"),
                "--relay ftp://relay.example/relay",
                "scheme ftp");
        assertUsage(
                run("relay", "--listen", "127.0.0.1:0", "--gateway", "ftp://gateway.example/gateway"),
                "--gateway ftp://gateway.example/gateway",
                "scheme ftp");
    }

    @Test
    void attestVerifyReportsUsageErrorsAsUsageErrors() throws Exception {
        Path evidence = Files.write(dir.resolve("report.bin"), new byte[1184]);
        assertUsage(run("attest", "verify", "--kind", "sgx", "--evidence", evidence.toString()), "--kind sgx");
        assertUsage(run("attest", "verify", "--kind", "sev-snp", "--evidence", evidence.toString()), "--certs");
        assertUsage(
                run(
                        "attest",
                        "verify",
                        "--kind",
                        "tdx",
                        "--evidence",
                        dir.resolve("none").toString()),
                "--evidence " + dir.resolve("none"),
                "no such file");
        assertUsage(
                run("attest", "verify", "--kind", "tdx", "--evidence", dir.toString()),
                "--evidence " + dir,
                "directory");
        LauncherRun refused = run("attest", "verify", "--kind", "tdx", "--evidence", evidence.toString());
        assertEquals(1, refused.code(), "evidence that does not verify is still a verdict");
        assertTrue(refused.output().contains("\"verdict\" : \"refused\""), refused.output());
    }

    @Test
    void simulatedTeeRootsAreNeverCreatedOnTheVerifyingSide() throws Exception {
        Path missing = dir.resolve("no-such-sim");
        String logVkey = run(
                        "ledger",
                        "keygen",
                        "--name",
                        "log.test",
                        "--out",
                        dir.resolve("k").toString())
                .output();
        String[] session = {
            "--relay",
            "http://127.0.0.1:1/relay",
            "--keys",
            "http://127.0.0.1:1",
            "--ledger",
            "http://127.0.0.1:1",
            "--ledger-vkey",
            logVkey,
            "--insecure-no-witnesses",
            "--release-vkey",
            logVkey,
            "--issuer",
            "http://127.0.0.1:1",
            "--account",
            "a",
            "--log-file",
            dir.resolve("log.jsonl").toString(),
            "--insecure-simulated-tee",
            missing.toString()
        };
        assertUsage(
                run(concat(new String[] {"rewrite", "--text", "hi"}, session)),
                "--insecure-simulated-tee " + missing,
                "no such directory",
                "cloister enclave --sim-dir");
        assertFalse(Files.exists(missing), "the client created no directory");

        Path seed = Files.write(dir.resolve("seed"), new byte[32]);
        assertUsage(
                run(
                        "gateway",
                        "--listen",
                        "127.0.0.1:0",
                        "--admin-listen",
                        "127.0.0.1:0",
                        "--key-ids",
                        dir.resolve("key-ids").toString(),
                        "--enclave",
                        "e1=http://127.0.0.1:1/sessions/",
                        "--release",
                        "00".repeat(48),
                        "--token-seed-file",
                        seed.toString(),
                        "--spent-tokens",
                        dir.resolve("spent").toString(),
                        "--insecure-simulated-tee",
                        missing.toString()),
                "--insecure-simulated-tee " + missing,
                "no such directory");
        assertFalse(Files.exists(missing), "the gateway created no directory");

        Path empty = Files.createDirectories(dir.resolve("empty-sim"));
        String[] emptySession = session.clone();
        emptySession[emptySession.length - 1] = empty.toString();
        assertUsage(
                run(concat(new String[] {"rewrite", "--text", "hi"}, emptySession)),
                "--insecure-simulated-tee " + empty,
                "holds no simulated platform");
        try (Stream<Path> files = Files.list(empty)) {
            assertEquals(0, files.count(), "and wrote no roots into an existing directory");
        }
    }

    @Test
    void aGatewayThatRefusesItsArgumentsWritesNoKeyIdFile() throws Exception {
        Path keyIds = dir.resolve("key-ids");
        assertUsage(
                run(
                        "gateway",
                        "--listen",
                        "127.0.0.1:0",
                        "--admin-listen",
                        "127.0.0.1:0",
                        "--key-ids",
                        keyIds.toString(),
                        "--require-tokens",
                        "--spent-tokens",
                        dir.resolve("spent").toString()),
                "--token-seed-file",
                "is required");
        Path shortSeed = Files.write(dir.resolve("short-seed"), new byte[8]);
        assertUsage(
                run(
                        "gateway",
                        "--listen",
                        "127.0.0.1:0",
                        "--admin-listen",
                        "127.0.0.1:0",
                        "--key-ids",
                        keyIds.toString(),
                        "--echo",
                        "--require-tokens",
                        "--token-seed-file",
                        shortSeed.toString()),
                "--token-seed-file " + shortSeed,
                "at least 32");
        assertFalse(Files.exists(keyIds), "no key-id file before the arguments are all accepted");
        assertFalse(Files.exists(dir.resolve("spent")), "and no spent-token store");
    }
}
