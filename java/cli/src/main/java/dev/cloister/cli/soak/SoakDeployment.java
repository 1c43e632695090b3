package dev.cloister.cli.soak;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.entry.Digest;
import dev.cloister.ledger.entry.EnclaveRelease;
import dev.cloister.ledger.entry.PlatformMeasurement;
import dev.cloister.server.ledger.LedgerPublisher;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * The parties of a soak, each a separate process on loopback: Redis (append-only file, fsync on every write), a witness
 * and a ledger on its data directory, an issuer, three gateway replicas over Redis (shared session handles, spent
 * tokens, OHTTP keys derived from one seed, enclave membership), a key directory, a relay over the three, and enclaves
 * on the simulated platform that register with the replicas in turn. It injects the faults ({@link FaultKind}) and
 * reads what the invariants need: the gateways' redeemed-token counters (before each SIGKILL and at the end), the
 * spent-token records in Redis, the issuer's issued-token counter, and the ledger entries it acknowledged.
 */
public final class SoakDeployment implements AutoCloseable {

    /** What the parties are started with. */
    public record Config(
            Path state,
            Path model,
            Path tokenizer,
            int enclaves,
            int maxOutputTokens,
            String redisServer,
            String heap,
            List<String> jvmOptions) {}

    public static final int REPLICAS = 3;

    private static final String ACCOUNT = "soak-account-0001";
    private static final Duration MEMBER_TTL = Duration.ofSeconds(9);

    private final Config config;
    private final PrintWriter out;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final SecureRandom random = new SecureRandom();
    private final List<Party> gateways = new ArrayList<>();
    private final List<Integer> gatewayPorts = new ArrayList<>();
    private final List<Integer> gatewayAdminPorts = new ArrayList<>();
    private final List<Integer> memberPorts = new ArrayList<>();
    private final List<Party> enclaves = new ArrayList<>();
    private final List<Party> allParties = new java.util.concurrent.CopyOnWriteArrayList<>();
    private Party redis;
    private Party ledger;
    private Party relay;
    private int redisPort;
    private int ledgerPort;
    private int issuerPort;
    private int issuerAdminPort;
    private int keysPort;
    private int relayPort;
    private int relayAdminPort;
    private String ledgerVkey;
    private String witnessVkey;
    private String releaseVkey;
    private String release;
    private int enclaveCount;
    private long redeemedByKilledGateways;
    private final List<Acknowledged> acknowledged = new ArrayList<>();
    private Vertx vertx;
    private Redis redisClient;
    private LedgerPublisher publisher;

    /** A ledger entry the ledger acknowledged (answered 200 with its index). */
    private record Acknowledged(byte[] entry, long index) {}

    private SoakDeployment(Config config, PrintWriter out) {
        this.config = config;
        this.out = out;
    }

    /** Starts every party and waits until each answers. */
    public static SoakDeployment start(Config config, PrintWriter out) throws Exception {
        SoakDeployment deployment = new SoakDeployment(config, out);
        // No party outlives the soak, even when it is interrupted (Ctrl-C, a test's timeout).
        Thread stopper = new Thread(() -> {
            try {
                deployment.close();
            } catch (Exception e) {
                // the JVM is ending; nothing more to do
            }
        });
        Runtime.getRuntime().addShutdownHook(stopper);
        deployment.stopper = stopper;
        try {
            deployment.startAll();
            return deployment;
        } catch (Exception e) {
            deployment.close();
            throw e;
        }
    }

    private Path state(String name) {
        return config.state().resolve(name);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }

    private static String loopback(int port) {
        return "127.0.0.1:" + port;
    }

    private static String url(int port) {
        return "http://127.0.0.1:" + port;
    }

    private void secretFile(String name, int bytes) throws IOException {
        byte[] secret = new byte[bytes];
        random.nextBytes(secret);
        Path file = state(name);
        Files.write(file, secret);
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    private String keygen(String name, boolean witness, Path file) throws Exception {
        java.io.StringWriter printed = new java.io.StringWriter();
        picocli.CommandLine cli = dev.cloister.cli.Launcher.commandLine();
        cli.setOut(new PrintWriter(printed, true));
        cli.setErr(new PrintWriter(printed, true));
        List<String> args = new ArrayList<>(List.of("ledger", "keygen", "--name", name, "--out", file.toString()));
        if (witness) args.add("--witness");
        int code = cli.execute(args.toArray(String[]::new));
        if (code != 0) throw new IllegalStateException("ledger keygen failed: " + printed);
        return printed.toString().strip();
    }

    private Party party(String name, List<String> args) {
        Party party = new Party(name, Party.launcher(config.heap(), config.jvmOptions(), args), state(name));
        allParties.add(party);
        return party;
    }

    private void startAll() throws Exception {
        vertx = Vertx.vertx();
        Files.createDirectories(config.state());
        // Redis with persistence on: every write is in the append-only file, fsynced, before Redis answers it.
        redisPort = freePort();
        Files.createDirectories(state("redis"));
        redis = new Party(
                "redis",
                List.of(
                        config.redisServer(),
                        "--port",
                        Integer.toString(redisPort),
                        "--bind",
                        "127.0.0.1",
                        "--dir",
                        state("redis").toString(),
                        "--appendonly",
                        "yes",
                        "--appendfsync",
                        "always",
                        "--save",
                        "",
                        "--protected-mode",
                        "yes"),
                state("redis"));
        allParties.add(redis);
        redis.start();
        redisClient = Redis.createClient(
                vertx,
                new RedisOptions()
                        .setConnectionString("redis://127.0.0.1:" + redisPort)
                        .setMaxPoolSize(2));
        awaitRedis();

        ledgerVkey = keygen("ledger.soak", false, state("ledger.key"));
        witnessVkey = keygen("witness.soak", true, state("witness.key"));
        String submitter = keygen("operator.soak", false, state("operator.key"));
        // The enclaves' development releases are signed by a release key apart from the operator's submitter key.
        releaseVkey = keygen("release.soak", false, state("release.key"));
        Files.writeString(state("submitters"), submitter + "\n");
        secretFile("token-seed", 32);
        secretFile("handle-key", 32);
        secretFile("members-secret", 32);
        secretFile("ohttp-key-seed", 32);
        Files.writeString(state("accounts"), ACCOUNT + "\n");

        int witnessPort = freePort();
        Party witness = party(
                "witness",
                List.of(
                        "witness",
                        "--listen",
                        loopback(witnessPort),
                        "--data",
                        state("witness-data").toString(),
                        "--key",
                        state("witness.key").toString(),
                        "--log",
                        ledgerVkey));
        witness.start();
        ledgerPort = freePort();
        ledger = party(
                "ledger",
                List.of(
                        "ledger",
                        "--listen",
                        loopback(ledgerPort),
                        "--admin-listen",
                        loopback(freePort()),
                        "--data",
                        state("ledger-data").toString(),
                        "--key",
                        state("ledger.key").toString(),
                        "--submitters",
                        state("submitters").toString(),
                        "--witness",
                        witnessVkey + "@" + url(witnessPort)));
        ledger.start();
        // The first enclave creates the simulated platform's roots, which the gateways are then told to trust.
        for (int i = 0; i < REPLICAS; i++) {
            gatewayPorts.add(freePort());
            gatewayAdminPorts.add(freePort());
            memberPorts.add(freePort());
        }
        awaitUp(url(ledgerPort) + "/checkpoint", ledger);

        issuerPort = freePort();
        issuerAdminPort = freePort();
        Party issuer = party(
                "issuer",
                List.of(
                        "issuer",
                        "--listen",
                        loopback(issuerPort),
                        "--admin-listen",
                        loopback(issuerAdminPort),
                        "--accounts",
                        state("accounts").toString(),
                        "--tokens-per-epoch",
                        "100000000",
                        "--token-seed-file",
                        state("token-seed").toString(),
                        "--ledger",
                        url(ledgerPort),
                        "--submitter-key",
                        state("operator.key").toString()));
        issuer.start();
        Party first = startEnclave();
        awaitUp(url(enclavePort(first)) + "/health", first);
        release = java.util.HexFormat.of().formatHex(dev.cloister.enclave.ReleaseMeasurement.ofRunningBuild());
        for (int i = 1; i < config.enclaves(); i++) startEnclave();

        for (int i = 0; i < REPLICAS; i++) {
            Party gateway = party("gateway-" + (i + 1), gatewayArgs(i));
            gateways.add(gateway);
            gateway.start();
        }
        for (int i = 0; i < REPLICAS; i++) awaitUp(url(gatewayPorts.get(i)) + "/ohttp-keys/proofs", gateways.get(i));
        keysPort = freePort();
        List<String> keysArgs = new ArrayList<>(List.of("keys", "--listen", loopback(keysPort)));
        // Every replica: the directory mirrors any one that answers (they serve the same keys).
        for (int port : gatewayPorts) keysArgs.addAll(List.of("--gateway", url(port) + "/"));
        keysArgs.addAll(List.of(
                "--release-proof",
                state("release.proof").toString(),
                // Rebuilt under the ledger's current checkpoint every refresh: a long soak outlives the
                // clients' checkpoint max age.
                "--ledger",
                url(ledgerPort)));
        Party keys = party("keys", keysArgs);
        keys.start();
        relayPort = freePort();
        relayAdminPort = freePort();
        List<String> relayArgs = new ArrayList<>(List.of(
                "relay",
                "--listen",
                loopback(relayPort),
                "--admin-listen",
                loopback(relayAdminPort),
                "--rate",
                "1000000",
                "--burst",
                "1000000",
                "--gateway-probe-interval",
                "PT1S"));
        for (int port : gatewayPorts) relayArgs.addAll(List.of("--gateway", url(port) + "/gateway"));
        relay = party("relay", relayArgs);
        relay.start();
        for (Party enclave : List.copyOf(enclaves)) awaitUp(url(enclavePort(enclave)) + "/health", enclave);
        awaitUp(url(keysPort) + "/ohttp-keys", keys);
        awaitUp(url(relayAdminPort) + "/health", relay);
        awaitUp(url(issuerPort) + "/.well-known/private-token-issuer-directory", issuer);
        publisher = new LedgerPublisher(
                WebClient.create(vertx),
                URI.create(url(ledgerPort)),
                dev.cloister.server.command.Arguments.logSigner("--submitter-key", state("operator.key")),
                Duration.ofSeconds(30));
        out.println("soak: parties up in " + config.state() + " (redis " + redisPort + ", ledger " + ledgerPort
                + ", gateways " + gatewayPorts + ", relay " + relayPort + ", " + enclaves.size() + " enclaves)");
        out.flush();
    }

    private final Map<Party, Integer> enclavePorts = new LinkedHashMap<>();

    private int enclavePort(Party enclave) {
        return enclavePorts.get(enclave);
    }

    /** A new enclave on a new port, registering with the replicas in turn (the n-th with replica n mod 3). */
    private synchronized Party startEnclave() throws Exception {
        int n = ++enclaveCount;
        int port = freePort();
        Party enclave = party(
                "enclave-" + n,
                List.of(
                        "enclave",
                        "--listen",
                        loopback(port),
                        "--model",
                        config.model().toString(),
                        "--tokenizer",
                        config.tokenizer().toString(),
                        "--max-output-tokens",
                        Integer.toString(config.maxOutputTokens()),
                        "--sim-dir",
                        state("sim").toString(),
                        "--ledger",
                        url(ledgerPort),
                        "--submitter-key",
                        state("operator.key").toString(),
                        "--release-key",
                        state("release.key").toString(),
                        "--release-proof-out",
                        state("release.proof").toString(),
                        "--register",
                        url(memberPorts.get((n - 1) % REPLICAS)),
                        "--register-secret-file",
                        state("members-secret").toString(),
                        "--register-id",
                        "enclave-" + n,
                        "--register-every",
                        "PT2S"));
        enclavePorts.put(enclave, port);
        enclaves.add(enclave);
        enclave.start();
        return enclave;
    }

    private List<String> gatewayArgs(int i) {
        return List.of(
                "gateway",
                "--listen",
                loopback(gatewayPorts.get(i)),
                "--admin-listen",
                loopback(gatewayAdminPorts.get(i)),
                "--instances",
                "1",
                "--key-seed-file",
                state("ohttp-key-seed").toString(),
                "--ledger",
                url(ledgerPort),
                "--submitter-key",
                state("operator.key").toString(),
                "--redis",
                "redis://127.0.0.1:" + redisPort,
                "--session-key-file",
                state("handle-key").toString(),
                "--members-listen",
                loopback(memberPorts.get(i)),
                "--members-secret-file",
                state("members-secret").toString(),
                "--member-ttl",
                "PT" + MEMBER_TTL.toSeconds() + "S",
                "--release",
                release,
                "--insecure-simulated-tee",
                state("sim").toString(),
                "--token-seed-file",
                state("token-seed").toString());
    }

    /** Waits until {@code url} answers 200 (up to 120 s), or fails with the party's log. */
    private void awaitUp(String url, Party party) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (status(url) == 200) return;
            if (!party.alive()) break;
            Thread.sleep(100);
        }
        String log = Files.exists(party.log()) ? Files.readString(party.log(), StandardCharsets.UTF_8) : "(no log)";
        synchronized (out) {
            out.println("soak: " + party + " did not answer; the end of its log:");
            out.println(log.substring(Math.max(0, log.length() - 4000)));
            out.flush();
        }
        throw new IllegalStateException(
                party + " did not answer " + url + (party.alive() ? "" : " (it exited)") + "; its log: " + party.log());
    }

    /**
     * Waits until Redis answers PING (up to 60 s); after a restart, the first sends may meet closed connections, and
     * until it has loaded its append-only file, errors.
     */
    private void awaitRedis() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try {
                // A Redis still loading its append-only file answers an error (LOADING), which the client's future
                // fails with as a Throwable that is no Exception: read it as "not up yet".
                Response pong = redisClient
                        .send(Request.cmd(Command.PING))
                        .otherwiseEmpty()
                        .await(5, TimeUnit.SECONDS);
                if (pong != null && "PONG".equals(pong.toString())) return;
            } catch (Exception e) {
                // not up yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("redis did not answer PING within 60 s; see " + redis.log());
    }

    private int status(String url) {
        try {
            return http.send(
                            HttpRequest.newBuilder(URI.create(url))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The sum of a Prometheus counter's samples in a party's {@code /metrics}; empty when it cannot be read. */
    private OptionalLong counter(int adminPort, String name) {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(url(adminPort) + "/metrics"))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) return OptionalLong.empty();
            double sum = 0;
            for (String line : response.body().split("\n")) {
                if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                    sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return OptionalLong.of((long) sum);
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        }
    }

    // --- what the client needs ---

    /** The session options of {@code cloister rewrite} for this deployment (the soak's client uses them). */
    public List<String> sessionArguments(Path clientDir) {
        return List.of(
                "--relay",
                url(relayPort) + "/relay",
                "--keys",
                url(keysPort),
                "--ledger",
                url(ledgerPort),
                "--ledger-vkey",
                ledgerVkey,
                "--witness-vkey",
                witnessVkey,
                // The soak's releases are logged as it starts: no quarantine (a deployment's clients keep the default).
                "--release-vkey",
                releaseVkey,
                "--release-quarantine",
                "PT0S",
                "--issuer",
                url(issuerPort),
                "--account",
                ACCOUNT,
                "--insecure-simulated-tee",
                state("sim").toString(),
                "--log-file",
                clientDir.resolve("requests.jsonl").toString(),
                "--token-refill-delay",
                "PT1S",
                "--timeout",
                "PT30S");
    }

    // --- faults ---

    private int gatewayTurn;

    /** Injects {@code kind}; returns a few words on what it did. */
    public String inject(FaultKind kind) throws Exception {
        return switch (kind) {
            case GATEWAY -> {
                int i = gatewayTurn++ % REPLICAS;
                Party gateway = gateways.get(i);
                // Its redemptions so far, just before it dies (a redemption after this read is missed: the check can
                // only under-count, never report a double spend that did not happen).
                redeemedByKilledGateways += counter(gatewayAdminPorts.get(i), "cloister_gateway_tokens_redeemed_total")
                        .orElse(0);
                gateway.kill();
                gateway.start();
                awaitUp(url(gatewayPorts.get(i)) + "/ohttp-keys/proofs", gateway);
                yield "killed and restarted " + gateway;
            }
            case ENCLAVE -> {
                Party victim =
                        enclaves.stream().filter(Party::alive).findFirst().orElseThrow();
                victim.kill();
                Party successor = startEnclave();
                awaitUp(url(enclavePort(successor)) + "/health", successor);
                yield "killed " + victim + ", started " + successor;
            }
            case REDIS -> {
                redis.kill();
                redis.start();
                awaitRedis();
                yield "killed and restarted redis";
            }
            case LEDGER -> {
                ledger.kill();
                ledger.start();
                awaitUp(url(ledgerPort) + "/checkpoint", ledger);
                long present = entriesPresent();
                yield "killed and restarted the ledger; " + present + " of " + acknowledged.size()
                        + " acknowledged entries present";
            }
            case RELAY -> {
                relay.signal("STOP");
                try {
                    Thread.sleep(3000);
                } finally {
                    relay.signal("CONT");
                }
                yield "stalled the relay for 3 s";
            }
        };
    }

    /**
     * Publishes a new entry (a marker release that no client accepts) and records it once the ledger acknowledges
     * it; a refusal or a timeout is no acknowledgement.
     */
    public boolean publishMarker() {
        byte[] measurement = new byte[48];
        byte[] digest = new byte[32];
        random.nextBytes(measurement);
        random.nextBytes(digest);
        byte[] entry = new EnclaveRelease(
                        "cloister-soak-marker",
                        List.of(new PlatformMeasurement.SevSnp(Bytes.of(measurement))),
                        List.of(),
                        new Digest(Digest.Algorithm.SHA_256, Bytes.of(digest)),
                        "soak-marker-" + (acknowledged.size() + 1),
                        new Digest(Digest.Algorithm.SHA_256, Bytes.of(digest)))
                .encode();
        try {
            LedgerPublisher.Published published = publisher.publish(entry).await(40, TimeUnit.SECONDS);
            synchronized (acknowledged) {
                acknowledged.add(new Acknowledged(entry, published.index()));
            }
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    public int entriesAcknowledged() {
        synchronized (acknowledged) {
            return acknowledged.size();
        }
    }

    /**
     * How many acknowledged entries the ledger still holds at their index: each is submitted again, and the ledger,
     * which never appends an entry it holds, answers the index it has it at; a lost entry would be appended anew at
     * another index (or refused).
     */
    public long entriesPresent() {
        List<Acknowledged> all;
        synchronized (acknowledged) {
            all = List.copyOf(acknowledged);
        }
        // All at once: the ledger sequences them in one batch.
        List<io.vertx.core.Future<LedgerPublisher.Published>> answers = new ArrayList<>();
        for (Acknowledged a : all) answers.add(publisher.publish(a.entry()));
        long present = 0;
        for (int i = 0; i < all.size(); i++) {
            try {
                if (answers.get(i).await(60, TimeUnit.SECONDS).index()
                        == all.get(i).index()) present++;
            } catch (Exception e) {
                // not present at its index (or the ledger could not say): counted as lost
            }
        }
        return present;
    }

    // --- what the invariants read at the end ---

    /** Tokens the gateways accepted, over every replica's lifetime. */
    public long tokensRedeemed() {
        long sum = redeemedByKilledGateways;
        for (int i = 0; i < REPLICAS; i++) {
            sum += counter(gatewayAdminPorts.get(i), "cloister_gateway_tokens_redeemed_total")
                    .orElse(0);
        }
        return sum;
    }

    public long tokensIssued() {
        return counter(issuerAdminPort, "cloister_issuer_tokens_issued_total").orElse(-1);
    }

    /** The spent-token records in Redis (one per token accepted, written with SET NX), counted with SCAN. */
    public long spentRecords() throws Exception {
        awaitRedis();
        long count = 0;
        String cursor = "0";
        do {
            Response page = redisClient
                    .send(Request.cmd(Command.SCAN)
                            .arg(cursor)
                            .arg("MATCH")
                            .arg("cloister:spent:*")
                            .arg("COUNT")
                            .arg(1000))
                    .await(30, TimeUnit.SECONDS);
            cursor = page.get(0).toString();
            count += page.get(1).size();
        } while (!cursor.equals("0"));
        return count;
    }

    /**
     * Resident set sizes (KiB) of the parties running now, by name; a party started more than once is named with its
     * start count ({@code gateway-1#2}), so that readings compare only within one process.
     */
    public Map<String, Long> rssKib() {
        Map<String, Long> rss = new LinkedHashMap<>();
        for (Party p : List.copyOf(allParties)) {
            int starts = p.starts();
            p.rssKib().ifPresent(kib -> rss.put(starts > 1 ? p.name() + "#" + starts : p.name(), kib));
        }
        return rss;
    }

    /**
     * The live Java heap (KiB) of every JVM party running now, named as in {@link #rssKib} ({@link
     * Party#liveHeapBytes}: each one a full collection); empty when this JDK has no {@code jcmd}.
     */
    public Map<String, Long> liveHeapKib() throws InterruptedException {
        Map<String, Long> live = new LinkedHashMap<>();
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (!Files.isExecutable(jcmd)) return live;
        for (Party p : List.copyOf(allParties)) {
            if (p == redis) continue;
            int starts = p.starts();
            OptionalLong bytes = p.liveHeapBytes(jcmd);
            if (bytes.isPresent()) live.put(starts > 1 ? p.name() + "#" + starts : p.name(), bytes.getAsLong() / 1024);
        }
        return live;
    }

    private boolean closed;
    private Thread stopper;

    /** Stops every party (SIGTERM, then SIGKILL after 5 s), the last started first. Idempotent. */
    @Override
    public synchronized void close() throws Exception {
        if (closed) return;
        closed = true;
        if (stopper != null && Thread.currentThread() != stopper) {
            try {
                Runtime.getRuntime().removeShutdownHook(stopper);
            } catch (IllegalStateException e) {
                // already shutting down
            }
        }
        List<Party> reversed = new ArrayList<>(allParties);
        java.util.Collections.reverse(reversed);
        for (Party p : reversed) {
            try {
                p.stop(5);
            } catch (RuntimeException e) {
                p.kill();
            }
        }
        if (vertx != null) vertx.close().await(10, TimeUnit.SECONDS);
    }
}
