package dev.cloister.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ordinary mistakes get one line naming the argument and the problem, exit 2 (usage) or 1 (runtime), and no stack
 * trace unless {@code --verbose} asks for one. Each row is a bad invocation run through the launcher in-process.
 */
class CommandErrorsTest {

    @TempDir
    Path dir;

    static LauncherRun run(String... args) {
        return LauncherRun.of(args);
    }

    /** A bad invocation, the exit code it must get and words its one line must hold. */
    record Row(int code, List<String> args, String... mustSay) {
        static Row usage(String[] args, String... mustSay) {
            return new Row(2, List.of(args), mustSay);
        }

        static Row runtime(String[] args, String... mustSay) {
            return new Row(1, List.of(args), mustSay);
        }
    }

    private static String[] a(String... args) {
        return args;
    }

    static void assertOneLine(LauncherRun run, int code, String... mustSay) {
        String output = run.output().strip();
        assertEquals(code, run.code(), output);
        assertEquals(1, output.lines().count(), () -> "one line, got:\n" + output);
        assertFalse(output.contains("at dev.cloister"), output);
        assertFalse(output.contains("Exception"), output);
        for (String word : mustSay) {
            assertTrue(output.contains(word), () -> "'" + word + "' in: " + output);
        }
    }

    @TestFactory
    Stream<DynamicTest> ordinaryMistakesGetOneLine() throws Exception {
        Path missing = dir.resolve("missing");
        Path folder = Files.createDirectories(dir.resolve("folder"));
        Path file = Files.writeString(dir.resolve("file"), "not a key\n");
        Path seed = Files.write(dir.resolve("seed"), new byte[32]);
        Path accounts = Files.writeString(dir.resolve("accounts"), "account-0001\n");
        String logVkey = run(
                        "ledger",
                        "keygen",
                        "--name",
                        "log.test",
                        "--out",
                        dir.resolve("log.key").toString())
                .output()
                .strip();
        String witnessVkey = run(
                        "ledger",
                        "keygen",
                        "--name",
                        "witness.test",
                        "--witness",
                        "--out",
                        dir.resolve("witness.key").toString())
                .output()
                .strip();
        String[] session = session(logVkey);
        List<Row> rows = new ArrayList<>(List.of(
                Row.usage(a("gateway", "--listen", "nohost"), "--listen", "HOST:PORT"),
                Row.usage(a("gateway", "--listen", "127.0.0.1:70000"), "--listen", "70000"),
                Row.usage(a("relay", "--listen", "127.0.0.1:x", "--gateway", "http://127.0.0.1:1/gateway"), "--listen"),
                Row.usage(a("gateway", "--listen", "127.0.0.1:0", "--bogus"), "--bogus"),
                Row.usage(a("relay", "--gateway", "http://127.0.0.1:1/gateway"), "--listen"),
                Row.usage(
                        a(
                                "relay",
                                "--listen",
                                "127.0.0.1:0",
                                "--gateway",
                                "http://127.0.0.1:1/gateway",
                                "--gateway",
                                "http://127.0.0.1:1/gateway"),
                        "--gateway",
                        "given twice"),
                Row.usage(
                        a(
                                "relay",
                                "--listen",
                                "127.0.0.1:0",
                                "--gateway",
                                "http://127.0.0.1:1/gateway",
                                "--gateway-probe-interval",
                                "PT0S"),
                        "--gateway-probe-interval",
                        "must be positive"),
                Row.usage(a("gateway", "--listen", "127.0.0.1:0", "--kem", "x448"), "--kem"),
                Row.usage(
                        a(
                                "issuer",
                                "--listen",
                                "127.0.0.1:0",
                                "--accounts",
                                missing.toString(),
                                "--insecure-unpublished-keys",
                                "--token-seed-file",
                                seed.toString(),
                                "--admin-listen",
                                "127.0.0.1:0"),
                        "--accounts " + missing,
                        "no such file"),
                Row.usage(
                        a(
                                "issuer",
                                "--listen",
                                "127.0.0.1:0",
                                "--accounts",
                                accounts.toString(),
                                "--insecure-unpublished-keys",
                                "--token-seed-file",
                                folder.toString(),
                                "--admin-listen",
                                "127.0.0.1:0"),
                        "--token-seed-file " + folder,
                        "directory"),
                Row.usage(
                        a(
                                "witness",
                                "--listen",
                                "127.0.0.1:0",
                                "--data",
                                dir.resolve("w").toString(),
                                "--key",
                                missing.toString(),
                                "--log",
                                logVkey),
                        "--key " + missing,
                        "no such file"),
                Row.usage(
                        a(
                                "witness",
                                "--listen",
                                "127.0.0.1:0",
                                "--data",
                                dir.resolve("w").toString(),
                                "--key",
                                dir.resolve("witness.key").toString(),
                                "--log",
                                "not-a-vkey"),
                        "--log not-a-vkey"),
                Row.usage(
                        a(
                                "witness",
                                "--listen",
                                "127.0.0.1:0",
                                "--data",
                                dir.resolve("w").toString(),
                                "--key",
                                dir.resolve("log.key").toString(),
                                "--log",
                                logVkey),
                        "--key " + dir.resolve("log.key"),
                        "not a witness key"),
                Row.usage(
                        a(
                                "ledger",
                                "--listen",
                                "127.0.0.1:0",
                                "--data",
                                dir.resolve("l").toString(),
                                "--key",
                                dir.resolve("witness.key").toString()),
                        "--key " + dir.resolve("witness.key"),
                        "a witness key"),
                Row.usage(
                        a(
                                "ledger",
                                "--listen",
                                "127.0.0.1:0",
                                "--data",
                                dir.resolve("l").toString(),
                                "--key",
                                dir.resolve("log.key").toString(),
                                "--witness",
                                logVkey + "@http://127.0.0.1:1"),
                        "--witness"),
                Row.usage(
                        a(
                                "ledger",
                                "--listen",
                                "127.0.0.1:0",
                                "--data",
                                dir.resolve("l").toString(),
                                "--key",
                                folder.toString()),
                        "--key " + folder,
                        "directory"),
                Row.usage(
                        a(
                                "ledger",
                                "--listen",
                                "127.0.0.1:0",
                                "--data",
                                dir.resolve("l").toString(),
                                "--key",
                                file.toString(),
                                "--admin-listen",
                                "127.0.0.1:0"),
                        "--key " + file),
                Row.usage(
                        a(
                                "keys",
                                "--listen",
                                "127.0.0.1:0",
                                "--gateway",
                                "http://127.0.0.1:1/",
                                "--release-proof",
                                missing.toString()),
                        "--release-proof " + missing,
                        "no such file"),
                // Every replica's URL is checked, not only the first.
                Row.usage(
                        a(
                                "keys",
                                "--listen",
                                "127.0.0.1:0",
                                "--gateway",
                                "http://127.0.0.1:1/",
                                "--gateway",
                                "ftp://127.0.0.1:2/"),
                        "--gateway ftp://127.0.0.1:2/",
                        "scheme ftp"),
                Row.usage(
                        a(
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
                                "zz",
                                "--token-seed-file",
                                seed.toString()),
                        "--release zz",
                        "hex"),
                Row.usage(
                        a(
                                "gateway",
                                "--listen",
                                "127.0.0.1:0",
                                "--admin-listen",
                                "127.0.0.1:0",
                                "--key-ids",
                                dir.resolve("key-ids").toString(),
                                "--require-tokens",
                                "--token-seed-file",
                                missing.toString(),
                                "--spent-tokens",
                                dir.resolve("spent").toString()),
                        "--token-seed-file " + missing,
                        "no such file"),
                Row.usage(
                        a(
                                "generate",
                                "--model",
                                missing.resolve("model.bin").toString(),
                                "--tokenizer",
                                file.toString(),
                                "--prompt",
                                "x"),
                        "--model " + missing.resolve("model.bin"),
                        "no such file"),
                Row.usage(
                        a("generate", "--model", folder.toString(), "--prompt", "x"), "--model " + folder, "directory"),
                Row.usage(a("generate", "--model", file.toString(), "--prompt", "x"), "--tokenizer"),
                Row.usage(a("enclave", "--listen", "localhost", "--model", "stories260K"), "--listen"),
                Row.usage(
                        a("enclave", "--listen", "0.0.0.0:0", "--model", "stories260K"),
                        "--listen 0.0.0.0:0",
                        "--gateway-secret-file"),
                Row.usage(a("enclave", "--listen", "[::]:0", "--model", "stories260K"), "--gateway-secret-file"),
                Row.usage(
                        a(
                                "enclave",
                                "--listen",
                                "127.0.0.1:0",
                                "--platform",
                                "configfs-tsm",
                                "--tsm-dir",
                                folder.toString()),
                        "--platform configfs-tsm",
                        "needs a hardened JVM",
                        "-XX:+DisableAttachMechanism"),
                Row.usage(a("enclave", "--listen", "127.0.0.1:0", "--tls-key-lifetime", "PT30S"), "at least PT1M"),
                Row.usage(
                        a("enclave", "--listen", "127.0.0.1:0", "--max-pause", "PT0S"),
                        "--max-pause PT0S",
                        "more than zero"),
                Row.usage(a("enclave", "--listen", "8.8.8.8:0", "--model", "stories260K"), "not a loopback or private"),
                Row.usage(
                        a("enclave", "--listen", "127.0.0.1:0", "--simulated-platform", "sgx"),
                        "--simulated-platform sgx",
                        "is sev-snp or tdx"),
                Row.usage(
                        a(
                                "enclave",
                                "--listen",
                                "127.0.0.1:0",
                                "--platform",
                                "configfs-tsm",
                                "--tsm-dir",
                                folder.toString(),
                                "--simulated-platform",
                                "tdx"),
                        "--simulated-platform tdx",
                        "--platform sim only"),
                Row.usage(
                        a("enclave", "--listen", "127.0.0.1:0", "--tdx-collateral", folder.toString()),
                        "--tdx-collateral",
                        "--platform configfs-tsm only"),
                Row.usage(
                        a("enclave", "--listen", "0.0.0.0:0", "--gateway-secret-file", file.toString()),
                        "--gateway-secret-file " + file,
                        "fewer than 32 bytes"),
                Row.usage(
                        a("gateway", "--listen", "127.0.0.1:0", "--enclave-secret-file", file.toString()),
                        "--enclave-secret-file needs --enclave or --members-listen"),
                Row.usage(
                        concat(a("summarize", "--file", missing.toString()), session),
                        "--file " + missing,
                        "no such file"),
                Row.usage(
                        concat(a("summarize", "--file", folder.toString()), session), "--file " + folder, "directory"),
                Row.usage(concat(a("rewrite", "--text", "hi"), session("nonsense")), "--ledger-vkey nonsense"),
                Row.usage(
                        Stream.of(concat(a("rewrite", "--text", "hi"), session))
                                .filter(x -> !x.equals("--insecure-no-witnesses"))
                                .toArray(String[]::new),
                        "--witness-vkey",
                        "at least one witness is required"),
                Row.usage(
                        concat(a("rewrite", "--text", "hi"), concat(session, a("--witness-vkey", witnessVkey))),
                        "--insecure-no-witnesses",
                        "cannot be combined"),
                Row.usage(
                        concat(a("rewrite", "--text", "hi"), without(session, "--release-vkey")),
                        "--release-vkey",
                        "no release key"),
                Row.usage(
                        concat(concat(a("rewrite", "--text", "hi"), session), a("--release-quarantine", "PT-1S")),
                        "--release-quarantine PT-1S",
                        "negative release quarantine"),
                Row.usage(
                        a(
                                "release",
                                "publish",
                                "--image",
                                folder.toString(),
                                "--ledger",
                                "http://127.0.0.1:1",
                                "--submitter-key",
                                dir.resolve("log.key").toString(),
                                "--release-key",
                                dir.resolve("log.key").toString(),
                                "--ovmf",
                                file.toString()),
                        "--release-key",
                        "is the submitter key"),
                Row.usage(
                        a(
                                "enclave",
                                "--listen",
                                "127.0.0.1:0",
                                "--platform",
                                "configfs-tsm",
                                "--tsm-dir",
                                folder.toString(),
                                "--ledger",
                                "http://127.0.0.1:1"),
                        "--ledger",
                        "does not publish itself"),
                Row.usage(
                        concat(a("rewrite", "--text", "hi"), withValue(session, "--ledger", "ftp://ledger.example/")),
                        "--ledger ftp://ledger.example/",
                        "scheme ftp"),
                Row.usage(
                        a(
                                "request",
                                "--relay",
                                "http://127.0.0.1:1/relay",
                                "--keys",
                                "http://127.0.0.1:1/ohttp-keys",
                                "--data-file",
                                missing.toString()),
                        "--data-file " + missing,
                        "no such file"),
                Row.usage(a("log", "--log-file", folder.toString()), "--log-file " + folder, "directory"),
                Row.usage(
                        a(
                                "ledger",
                                "verify-proof",
                                missing.toString(),
                                "--log-vkey",
                                logVkey,
                                "--leaf-hash",
                                "00".repeat(32)),
                        missing.toString(),
                        "no such file"),
                Row.usage(
                        a("ledger", "verify-proof", file.toString(), "--log-vkey", logVkey, "--leaf-hash", "xyz"),
                        "--leaf-hash xyz",
                        "hex"),
                Row.usage(
                        a(
                                "ledger",
                                "publish",
                                "--ledger",
                                "http://127.0.0.1:1",
                                "--submitter-key",
                                missing.toString(),
                                "--entry",
                                file.toString(),
                                "--proof-out",
                                dir.resolve("p").toString()),
                        "--submitter-key " + missing,
                        "no such file"),
                Row.usage(
                        a(
                                "model",
                                "convert",
                                "--checkpoint",
                                missing.toString(),
                                "--tokenizer",
                                missing.toString(),
                                "--out",
                                dir.resolve("m.gguf").toString()),
                        missing.toString(),
                        "no such file"),
                Row.usage(
                        a(
                                "relay",
                                "--listen",
                                "127.0.0.1:0",
                                "--gateway",
                                "http://127.0.0.1:1/gateway",
                                "--rate",
                                "fast"),
                        "--rate",
                        "fast"),
                Row.usage(
                        a(
                                "issuer",
                                "--listen",
                                "127.0.0.1:0",
                                "--accounts",
                                accounts.toString(),
                                "--insecure-unpublished-keys",
                                "--token-seed-file",
                                seed.toString(),
                                "--epoch",
                                "yesterday"),
                        "--epoch",
                        "yesterday"),
                Row.runtime(
                        a(
                                "request",
                                "--relay",
                                "http://127.0.0.1:1/relay",
                                "--keys",
                                "http://127.0.0.1:1/ohttp-keys",
                                "--timeout",
                                "PT2S"),
                        "connection refused")));
        rows.addAll(cpuPlatformRows(session, folder, seed));
        busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        String taken = "127.0.0.1:" + busy.getLocalPort();
        rows.add(Row.runtime(
                a(
                        "relay",
                        "--listen",
                        taken,
                        "--gateway",
                        "http://127.0.0.1:1/gateway",
                        "--admin-listen",
                        "127.0.0.1:0",
                        "--instances",
                        "1"),
                "--listen " + taken,
                "already in use"));
        rows.add(Row.runtime(
                a(
                        "issuer",
                        "--listen",
                        "127.0.0.1:0",
                        "--accounts",
                        accounts.toString(),
                        "--insecure-unpublished-keys",
                        "--token-seed-file",
                        seed.toString(),
                        "--admin-listen",
                        taken),
                "--admin-listen " + taken,
                "already in use"));
        return rows.stream()
                .map(row -> DynamicTest.dynamicTest(
                        String.join(" ", row.args()),
                        () -> assertOneLine(run(row.args().toArray(String[]::new)), row.code(), row.mustSay())));
    }

    /** A port held open while the rows run. */
    private ServerSocket busy;

    @AfterEach
    void release() throws Exception {
        if (busy != null) busy.close();
    }

    private String[] session(String ledgerVkey) {
        return new String[] {
            "--relay",
            "http://127.0.0.1:1/relay",
            "--keys",
            "http://127.0.0.1:1",
            "--ledger",
            "http://127.0.0.1:1",
            "--ledger-vkey",
            ledgerVkey,
            "--insecure-no-witnesses",
            "--issuer",
            "http://127.0.0.1:1",
            "--account",
            "a",
            "--release-vkey",
            ledgerVkey,
            "--log-file",
            dir.resolve("log.jsonl").toString()
        };
    }

    /** {@code --cpu-platform} misuses on the client commands and the gateway. */
    private List<Row> cpuPlatformRows(String[] session, Path emptyFolder, Path seed) {
        String register = "ab".repeat(48);
        String tdxRelease = String.join(":", register, register, register, register);
        String[] rewrite = concat(a("rewrite", "--text", "hi"), session);
        return List.of(
                Row.usage(concat(rewrite, a("--cpu-platform", "sgx")), "--cpu-platform sgx", "is sev-snp, tdx or any"),
                Row.usage(
                        concat(rewrite, a("--cpu-platform", "tdx", "--insecure-simulated-tee", emptyFolder.toString())),
                        "--insecure-simulated-tee " + emptyFolder,
                        "holds no simulated TDX platform"),
                Row.usage(
                        gateway(seed, "--cpu-platform", "tdx", "--tdx-release", tdxRelease, "--release", register),
                        "--release",
                        "--cpu-platform tdx refuses"),
                Row.usage(gateway(seed, "--cpu-platform", "tdx"), "--cpu-platform tdx", "at least one --tdx-release"),
                Row.usage(
                        gateway(seed, "--cpu-platform", "any", "--release", register),
                        "--cpu-platform any",
                        "at least one --tdx-release"),
                Row.usage(
                        gateway(seed, "--cpu-platform", "tdx", "--tdx-release", register),
                        "--tdx-release " + register,
                        "MRTD:RTMR0:RTMR1:RTMR2"),
                Row.usage(
                        gateway(seed, "--cpu-platform", "tdx", "--tdx-release", tdxRelease.replaceFirst("ab", "zz")),
                        "--tdx-release",
                        "not hex"),
                Row.usage(
                        gateway(seed, "--release", register, "--tdx-release", tdxRelease),
                        "--tdx-release",
                        "needs --cpu-platform tdx or any"),
                Row.usage(gateway(seed, "--cpu-platform", "sgx", "--release", register), "--cpu-platform sgx"));
    }

    /** A gateway with a session API (one enclave) and {@code more}. */
    private String[] gateway(Path seed, String... more) {
        return concat(
                a(
                        "gateway",
                        "--listen",
                        "127.0.0.1:0",
                        "--admin-listen",
                        "127.0.0.1:0",
                        "--key-ids",
                        dir.resolve("key-ids").toString(),
                        "--enclave",
                        "e1=http://127.0.0.1:1/sessions/",
                        "--token-seed-file",
                        seed.toString()),
                more);
    }

    /** {@code args} without {@code option} and its value. */
    private static String[] without(String[] args, String option) {
        List<String> copy = new ArrayList<>(List.of(args));
        int at = copy.indexOf(option);
        copy.subList(at, at + 2).clear();
        return copy.toArray(String[]::new);
    }

    /** {@code args} with the value after {@code option} replaced. */
    private static String[] withValue(String[] args, String option, String value) {
        String[] copy = args.clone();
        copy[List.of(args).indexOf(option) + 1] = value;
        return copy;
    }

    private static String[] concat(String[] first, String[] second) {
        return Stream.concat(Stream.of(first), Stream.of(second)).toArray(String[]::new);
    }

    @Test
    void verboseAddsTheStackTrace() {
        LauncherRun quiet = run(
                "issuer",
                "--listen",
                "127.0.0.1:0",
                "--accounts",
                dir.resolve("missing").toString(),
                "--insecure-unpublished-keys",
                "--token-seed-file",
                dir.resolve("seed").toString());
        assertOneLine(quiet, 2, "no such file");
        LauncherRun verbose = run(
                "issuer",
                "--verbose",
                "--listen",
                "127.0.0.1:0",
                "--accounts",
                dir.resolve("missing").toString(),
                "--insecure-unpublished-keys",
                "--token-seed-file",
                dir.resolve("seed").toString());
        assertEquals(2, verbose.code());
        assertTrue(verbose.output().contains("at dev.cloister"), verbose.output());
    }
}
