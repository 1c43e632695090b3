package dev.cloister.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replica and registration options refuse what cannot work, in one line with exit 2, before anything starts. */
class ReplicaOptionsTest {

    @TempDir
    Path dir;

    private static void assertUsage(LauncherRun run, String... words) {
        assertEquals(2, run.code(), run.output());
        assertEquals(1, run.output().lines().count(), run.output());
        for (String w : words) assertTrue(run.output().contains(w), () -> "'" + w + "' in " + run.output());
    }

    private String[] gateway(String... extra) throws Exception {
        Path seed = Files.write(dir.resolve("seed"), new byte[32]);
        List<String> args = new ArrayList<>(List.of(
                "gateway",
                "--listen",
                "127.0.0.1:0",
                "--admin-listen",
                "127.0.0.1:0",
                "--key-ids",
                dir.resolve("key-ids").toString(),
                "--release",
                "00".repeat(48),
                "--token-seed-file",
                seed.toString(),
                "--spent-tokens",
                dir.resolve("spent").toString()));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    @Test
    void aGatewayReplicaNeedsRedisAKeyAndASecret() throws Exception {
        Path key = Files.write(dir.resolve("handle-key"), new byte[32]);
        Path shortKey = Files.write(dir.resolve("short-key"), new byte[16]);
        assertUsage(LauncherRun.of(gateway("--session-key-file", key.toString())), "--session-key-file needs --redis");
        assertUsage(
                LauncherRun.of(gateway(
                        "--redis",
                        "redis://127.0.0.1:1",
                        "--members-listen",
                        "127.0.0.1:0",
                        "--session-key-file",
                        key.toString())),
                "--members-listen needs --session-key-file and --members-secret-file");
        assertUsage(
                LauncherRun.of(gateway(
                        "--redis",
                        "redis://127.0.0.1:1",
                        "--members-listen",
                        "127.0.0.1:0",
                        "--session-key-file",
                        shortKey.toString(),
                        "--members-secret-file",
                        key.toString())),
                "--session-key-file " + shortKey,
                "fewer than 32");
        assertUsage(
                LauncherRun.of(gateway(
                        "--redis",
                        "redis://127.0.0.1:1",
                        "--members-listen",
                        "127.0.0.1:0",
                        "--session-key-file",
                        key.toString(),
                        "--members-secret-file",
                        shortKey.toString())),
                "--members-secret-file " + shortKey,
                "fewer than 32");
        assertUsage(
                LauncherRun.of(gateway(
                        "--redis",
                        "redis://127.0.0.1:1",
                        "--members-listen",
                        "127.0.0.1:0",
                        "--session-key-file",
                        key.toString(),
                        "--members-secret-file",
                        key.toString(),
                        "--member-ttl",
                        "PT1S")),
                "--member-ttl PT1S");
        assertFalse(Files.exists(dir.resolve("key-ids")), "no key-id file before the arguments are all accepted");
    }

    @Test
    void anEnclaveThatRegistersNeedsASecretAndAnAddressGatewaysCanReach() throws Exception {
        Path models = Path.of(System.getProperty("cloister.models"));
        Path secret = Files.write(dir.resolve("secret"), new byte[32]);
        Path shortSecret = Files.write(dir.resolve("short"), new byte[8]);
        List<String> base = List.of(
                "enclave",
                "--model",
                models.resolve("stories260K.bin").toString(),
                "--tokenizer",
                models.resolve("tok512.bin").toString(),
                "--sim-dir",
                dir.resolve("sim").toString(),
                "--register",
                "http://127.0.0.1:1");
        assertUsage(enclave(base, "--listen", "127.0.0.1:0"), "--register", "needs --register-secret-file");
        assertUsage(
                enclave(base, "--listen", "127.0.0.1:0", "--register-secret-file", shortSecret.toString()),
                "fewer than 32");
        assertUsage(
                enclave(base, "--listen", "0.0.0.0:0", "--register-secret-file", secret.toString()),
                "needs --register-as");
        assertUsage(
                enclave(
                        base,
                        "--listen",
                        "127.0.0.1:0",
                        "--register-secret-file",
                        secret.toString(),
                        "--register-id",
                        "no spaces allowed"),
                "--register-id");
        assertUsage(
                enclave(
                        base,
                        "--listen",
                        "127.0.0.1:0",
                        "--register-secret-file",
                        secret.toString(),
                        "--register-as",
                        "http://10.0.0.5:9100/sessions"),
                "path ends in /");
    }

    private static LauncherRun enclave(List<String> base, String... extra) {
        List<String> args = new ArrayList<>(base);
        args.addAll(List.of(extra));
        return LauncherRun.of(args.toArray(String[]::new));
    }
}
