package dev.cloister.cli.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.attest.sim.SimulatedSevSnpPlatform;
import dev.cloister.attest.sim.SimulatedTdxPlatform;
import dev.cloister.cli.Launcher;
import dev.cloister.enclave.ReleaseMeasurement;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every party as its own {@code cloister} process on loopback (ledger, witness, issuer, enclave, gateway, key
 * directory, relay), configured only through their command lines, then {@code cloister summarize} and
 * {@code cloister log} as a user runs them.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class SeparateProcessesTest {

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stop() {
        for (Process p : processes) p.destroyForcibly();
    }

    /** Ports handed to this test's parties: bind(0) may give a port it gave before, once that socket is closed. */
    private final java.util.Set<Integer> handedOut = new java.util.HashSet<>();

    /** A free port none of this test's parties has been given (two parties on one port: one fails to start). */
    private int freePort() throws IOException {
        while (true) {
            try (ServerSocket s = new ServerSocket(0)) {
                if (handedOut.add(s.getLocalPort())) return s.getLocalPort();
            }
        }
    }

    private static String cli(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new Launcher());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(out));
        int code = cli.execute(args);
        assertEquals(0, code, () -> String.join(" ", args) + ": " + out);
        return out.toString().trim();
    }

    private void start(String name, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.cloister.cli.Launcher"));
        command.addAll(List.of(args));
        processes.add(new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile())
                .start());
    }

    private void await(String url, String name) throws Exception {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        for (int i = 0; i < 300; i++) {
            try {
                HttpResponse<Void> r = http.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) return;
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError(name + " did not come up: " + Files.readString(dir.resolve(name + ".log")));
    }

    /** What a user's commands need of the parties {@link #startParties} started. */
    private record Parties(String[] session, Path log, String logVkey, String witnessVkey) {}

    /**
     * Every party as its own process, the enclave on the simulated SEV-SNP platform or, with {@code tdx}, on the
     * simulated TDX platform (its gateway and its users then name {@code --cpu-platform tdx}).
     */
    private Parties startParties(boolean tdx) throws Exception {
        Path models = Path.of(System.getProperty("cloister.models"));
        String logVkey = cli(
                "ledger",
                "keygen",
                "--name",
                "ledger.test",
                "--out",
                dir.resolve("ledger.key").toString());
        String witnessVkey = cli(
                "ledger",
                "keygen",
                "--name",
                "witness.test",
                "--witness",
                "--out",
                dir.resolve("witness.key").toString());
        String operatorVkey = cli(
                "ledger",
                "keygen",
                "--name",
                "operator",
                "--out",
                dir.resolve("operator.key").toString());
        Files.writeString(dir.resolve("submitters"), operatorVkey + "\n");
        String releaseVkey = cli(
                "ledger",
                "keygen",
                "--name",
                "release.test",
                "--out",
                dir.resolve("release.key").toString());
        Files.write(
                dir.resolve("token-seed"),
                HexFormat.of().parseHex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"));
        Files.writeString(dir.resolve("accounts"), "test-account-0001\n");
        // The secret the gateway and the enclave share: the enclave's session endpoint answers the gateway only.
        byte[] gatewaySecret = new byte[32];
        new java.security.SecureRandom().nextBytes(gatewaySecret);
        Files.write(dir.resolve("gateway-secret"), gatewaySecret);
        int witness = freePort(),
                ledger = freePort(),
                issuer = freePort(),
                enclave = freePort(),
                gateway = freePort(),
                keys = freePort(),
                relay = freePort();

        start(
                "witness",
                "witness",
                "--listen",
                "127.0.0.1:" + witness,
                "--data",
                dir.resolve("witness").toString(),
                "--key",
                dir.resolve("witness.key").toString(),
                "--log",
                logVkey);
        start(
                "ledger",
                "ledger",
                "--listen",
                "127.0.0.1:" + ledger,
                "--data",
                dir.resolve("log").toString(),
                "--key",
                dir.resolve("ledger.key").toString(),
                "--submitters",
                dir.resolve("submitters").toString(),
                "--witness",
                witnessVkey + "@http://127.0.0.1:" + witness,
                "--interval",
                "PT0.05S",
                "--admin-listen",
                "127.0.0.1:0");
        await("http://127.0.0.1:" + ledger + "/checkpoint", "ledger");
        start(
                "issuer",
                "issuer",
                "--listen",
                "127.0.0.1:" + issuer,
                "--accounts",
                dir.resolve("accounts").toString(),
                "--token-seed-file",
                dir.resolve("token-seed").toString(),
                "--admin-listen",
                "127.0.0.1:0",
                "--ledger",
                "http://127.0.0.1:" + ledger,
                "--submitter-key",
                dir.resolve("operator.key").toString());
        start(
                "enclave",
                "enclave",
                "--listen",
                "127.0.0.1:" + enclave,
                "--model",
                models.resolve("stories260K.bin").toString(),
                "--tokenizer",
                models.resolve("tok512.bin").toString(),
                "--sim-dir",
                dir.resolve("sim").toString(),
                "--max-output-tokens",
                "12",
                "--ledger",
                "http://127.0.0.1:" + ledger,
                "--submitter-key",
                dir.resolve("operator.key").toString(),
                "--release-key",
                dir.resolve("release.key").toString(),
                "--release-proof-out",
                dir.resolve("release.proof").toString(),
                "--gateway-secret-file",
                dir.resolve("gateway-secret").toString(),
                "--simulated-platform",
                tdx ? "tdx" : "sev-snp");
        await("http://127.0.0.1:" + enclave + "/health", "enclave");
        // Both HTTP versions the endpoint speaks: HTTP/1.1 (the gateway's) and HTTP/2 (the JDK client upgrades).
        for (java.net.http.HttpClient.Version version : java.net.http.HttpClient.Version.values()) {
            java.net.http.HttpResponse<String> direct = java.net.http.HttpClient.newBuilder()
                    .version(version)
                    .build()
                    .send(
                            java.net.http.HttpRequest.newBuilder(URI.create(
                                            "http://127.0.0.1:" + enclave + "/sessions/AAAAAAAAAAAAAAAAAAAAAA"))
                                    .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(new byte[64]))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(401, direct.statusCode(), "a session opened past the gateway: " + direct.body());
        }
        byte[] measurement = ReleaseMeasurement.ofRunningBuild();
        String[] accepted;
        if (tdx) {
            // The TD's four registers, as the release the enclave published names them.
            SimulatedTdxPlatform.TdRegisters td = SimulatedTdxPlatform.TdRegisters.standingFor(measurement);
            accepted = new String[] {
                "--cpu-platform",
                "tdx",
                "--tdx-release",
                String.join(
                        ":",
                        HexFormat.of().formatHex(td.mrTd()),
                        HexFormat.of().formatHex(td.rtmrs().get(0)),
                        HexFormat.of().formatHex(td.rtmrs().get(1)),
                        HexFormat.of().formatHex(td.rtmrs().get(2)))
            };
        } else {
            accepted = new String[] {"--release", HexFormat.of().formatHex(measurement)};
        }
        List<String> gatewayArgs = new ArrayList<>(List.of(
                "gateway",
                "--listen",
                "127.0.0.1:" + gateway,
                "--admin-listen",
                "127.0.0.1:0",
                "--enclave",
                "e1=http://127.0.0.1:" + enclave + "/sessions/",
                "--insecure-simulated-tee",
                dir.resolve("sim").toString(),
                "--token-seed-file",
                dir.resolve("token-seed").toString(),
                "--spent-tokens",
                dir.resolve("spent").toString(),
                "--ledger",
                "http://127.0.0.1:" + ledger,
                "--submitter-key",
                dir.resolve("operator.key").toString(),
                "--key-ids",
                dir.resolve("key-ids").toString(),
                "--enclave-secret-file",
                dir.resolve("gateway-secret").toString()));
        gatewayArgs.addAll(List.of(accepted));
        start("gateway", gatewayArgs.toArray(String[]::new));
        await("http://127.0.0.1:" + gateway + "/ohttp-keys/proofs", "gateway");
        start(
                "keys",
                "keys",
                "--listen",
                "127.0.0.1:" + keys,
                "--gateway",
                "http://127.0.0.1:" + gateway + "/",
                "--release-proof",
                dir.resolve("release.proof").toString());
        start(
                "relay",
                "relay",
                "--listen",
                "127.0.0.1:" + relay,
                "--gateway",
                "http://127.0.0.1:" + gateway + "/gateway",
                "--admin-listen",
                "127.0.0.1:0");
        await("http://127.0.0.1:" + keys + "/ohttp-keys", "keys");
        await("http://127.0.0.1:" + issuer + "/.well-known/private-token-issuer-directory", "issuer");
        Files.writeString(dir.resolve("chat.json"), """
                {"messages": [
                  {"id": "a1", "sender": "Ana", "time": "2026-11-28T08:00:00Z", "text": "Lunch at one?"},
                  {"id": "a2", "sender": "Ben", "time": "2026-11-28T08:02:00Z", "text": "Yes, by the river."}
                ], "style": "brief"}
                """);
        Path log = dir.resolve("request-log.jsonl");
        String[] session = {
            "--relay",
            "http://127.0.0.1:" + relay + "/relay",
            "--keys",
            "http://127.0.0.1:" + keys,
            "--ledger",
            "http://127.0.0.1:" + ledger,
            "--ledger-vkey",
            logVkey,
            "--witness-vkey",
            witnessVkey,
            "--quorum",
            "1",
            "--release-vkey",
            releaseVkey,
            "--release-quarantine",
            "PT0S",
            "--issuer",
            "http://127.0.0.1:" + issuer,
            "--account",
            "test-account-0001",
            "--insecure-simulated-tee",
            dir.resolve("sim").toString(),
            "--log-file",
            log.toString(),
            "--cpu-platform",
            tdx ? "tdx" : "sev-snp"
        };
        return new Parties(session, log, logVkey, witnessVkey);
    }

    /**
     * {@code cloister summarize} of chat.json with {@code session}: its output, once it succeeds or after 60 tries, at
     * least 30 s (the gateway attests the enclave in the background after start: retry while the pool fills; on a
     * loaded CI machine the first attestation of a cold enclave JVM has taken over 10 s).
     */
    private String summarize(String... session) throws Exception {
        String out = "";
        for (int i = 0; i < 60; i++) {
            StringWriter w = new StringWriter();
            CommandLine cli = new CommandLine(new Launcher());
            cli.setOut(new PrintWriter(w));
            cli.setErr(new PrintWriter(w));
            List<String> args = new ArrayList<>(
                    List.of("summarize", "--file", dir.resolve("chat.json").toString()));
            args.addAll(List.of(session));
            if (cli.execute(args.toArray(String[]::new)) == 0) {
                return w.toString();
            }
            out = w.toString();
            Thread.sleep(500);
        }
        return out;
    }

    @Test
    void everyPartyAsItsOwnProcess() throws Exception {
        Parties parties = startParties(false);
        String[] session = parties.session();
        Path log = parties.log();
        String witnessVkey = parties.witnessVkey();
        String logVkey = parties.logVkey();
        String out = summarize(session);
        String diagnosis = out + "\nledger: " + Files.readString(dir.resolve("ledger.log")) + "\nwitness: "
                + Files.readString(dir.resolve("witness.log")) + "\ngateway: "
                + Files.readString(dir.resolve("gateway.log"))
                + "\nrelease proof: " + Files.readString(dir.resolve("release.proof")) + "\nwitness vkey: "
                + witnessVkey
                + "\nlog vkey: " + logVkey;
        assertTrue(out.contains("verified: "), diagnosis);
        assertTrue(out.contains("\"result\":\"ok\""), out);
        assertTrue(out.contains("cloister-enclave 0.1.0 (ledger index"), out);
        // The gateway said at start which library computes HPKE (issue 19).
        assertTrue(
                Files.readString(dir.resolve("gateway.log")).matches("(?s).*HPKE by (AWS-LC |JDK \\().*"),
                "the gateway names its HPKE engine");
        // The CLI keeps the rest of its token batch for the next run (owner-only file), and spends from it.
        Path tokens = log.resolveSibling("tokens");
        long stored =
                Files.readAllLines(tokens).stream().filter(l -> !l.isBlank()).count();
        assertEquals(
                "rw-------",
                java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(tokens)));
        List<String> rewrite =
                new ArrayList<>(List.of("rewrite", "--text", "see you by the river", "--tone", "formal"));
        rewrite.addAll(List.of(session));
        cli(rewrite.toArray(String[]::new));
        assertEquals(
                stored - 1,
                Files.readAllLines(tokens).stream().filter(l -> !l.isBlank()).count());
        String printed = cli("log", "--log-file", log.toString(), "--last", "2");
        assertTrue(printed.contains("\"use_case\":\"summarize\""), printed);
        assertTrue(printed.contains("\"use_case\":\"rewrite\""), printed);
        assertTrue(printed.contains("\"message_ids\":[\"a1\",\"a2\"]"), printed);
    }

    /**
     * The enclave on the simulated TDX platform, the gateway and the user with {@code --cpu-platform tdx}: the session
     * goes through; a user that accepts SEV-SNP only (the default) refuses the TD and says why.
     */
    @Test
    void aTdxEnclaveAsItsOwnProcess() throws Exception {
        Parties parties = startParties(true);
        String out = summarize(parties.session());
        assertTrue(out.contains("verified: "), out + "\ngateway: " + Files.readString(dir.resolve("gateway.log")));
        assertTrue(out.contains("\"result\":\"ok\""), out);
        assertTrue(out.contains("\"platform\":\"tdx\""), out);

        // SEV-SNP only, with simulated SEV-SNP roots beside the TDX ones: the TD's quote is refused in the handshake.
        SimulatedSevSnpPlatform.openOrCreate(dir.resolve("sim"), java.time.Instant.now(), new SecureRandom());
        String[] snpOnly = parties.session().clone();
        snpOnly[snpOnly.length - 1] = "sev-snp";
        StringWriter w = new StringWriter();
        CommandLine cli = new CommandLine(new Launcher());
        cli.setOut(new PrintWriter(w));
        cli.setErr(new PrintWriter(w));
        List<String> args = new ArrayList<>(
                List.of("summarize", "--file", dir.resolve("chat.json").toString()));
        args.addAll(List.of(snpOnly));
        assertNotEquals(0, cli.execute(args.toArray(String[]::new)), w.toString());
        assertTrue(w.toString().contains("TDX quote; the policy accepts SEV-SNP reports only"), w.toString());
    }
}
