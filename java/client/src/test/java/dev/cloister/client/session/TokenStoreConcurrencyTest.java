package dev.cloister.client.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.client.keys.IssuerKeyConsistency;
import dev.cloister.ledger.checkpoint.LogIdentity;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.witness.WitnessPolicy;
import dev.cloister.tokens.keys.TokenKeyId;
import dev.cloister.tokens.privacypass.Token;
import dev.cloister.tokens.privacypass.TokenChallenge;
import dev.cloister.tokens.privacypass.TokenType;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI's token store is shared by every {@code cloister} run of the user: concurrent runs (threads with their own
 * wallet, or separate processes) must each take different tokens, and every token is taken exactly once (a token seen
 * twice by the gateway links the two requests, and the second is refused).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TokenStoreConcurrencyTest {

    @TempDir
    Path dir;

    private Vertx vertx;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    /** A wallet as the CLI builds one: its tokens in {@code store}; an issuer that is never reached here. */
    static TokenWallet wallet(Vertx vertx, Path store) throws Exception {
        SecureRandom random = new SecureRandom();
        IssuerKeyConsistency keys = new IssuerKeyConsistency(dev.cloister.client.keys.LedgerView.inMemory(
                new LogIdentity(
                        "log.test",
                        Ed25519NoteSigner.generate("log.test", random).verifier()),
                WitnessPolicy.none(),
                dev.cloister.ledger.merkle.ConsistencyProofSource.none()));
        return new TokenWallet(
                vertx,
                WebClient.create(vertx),
                URI.create("http://127.0.0.1:9/"),
                "account",
                TokenChallenge.of(TokenType.VOPRF_P384_SHA384, "issuer.test", new byte[0], List.of("origin.test")),
                4,
                Duration.ofSeconds(2),
                keys,
                Clock.systemUTC(),
                random,
                Optional.of(store),
                new TokenWallet.Refill(1, Duration.ZERO));
    }

    private static List<String> fill(Path store, int count) throws Exception {
        SecureRandom random = new SecureRandom();
        List<String> written = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] nonce = new byte[Token.NONCE_LENGTH];
            byte[] digest = new byte[Token.DIGEST_LENGTH];
            byte[] key = new byte[TokenKeyId.LENGTH];
            byte[] authenticator = new byte[TokenType.VOPRF_P384_SHA384.authenticatorLength()];
            random.nextBytes(nonce);
            random.nextBytes(digest);
            random.nextBytes(key);
            random.nextBytes(authenticator);
            written.add(HexFormat.of().formatHex(new Token(nonce, digest, TokenKeyId.of(key), authenticator).encode()));
        }
        Files.writeString(store, String.join("\n", written) + "\n", StandardCharsets.US_ASCII);
        return written;
    }

    private static void assertEachTakenOnce(List<String> written, List<String> taken) {
        Map<String, Integer> times = new HashMap<>();
        for (String t : taken) times.merge(t, 1, Integer::sum);
        List<String> twice = times.entrySet().stream()
                .filter(e -> e.getValue() > 1)
                .map(Map.Entry::getKey)
                .toList();
        assertTrue(twice.isEmpty(), twice.size() + " token(s) were taken more than once");
        assertEquals(written.size(), taken.size());
        assertEquals(new java.util.HashSet<>(written), times.keySet(), "every stored token, and only those");
    }

    @Test
    void threadsWithTheirOwnWalletTakeEachTokenOnce() throws Exception {
        Path store = dir.resolve("tokens");
        int threads = 6;
        int each = 10;
        List<String> written = fill(store, threads * each);
        CyclicBarrier together = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<String>>> runs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                runs.add(pool.submit((Callable<List<String>>) () -> {
                    together.await(); // as concurrent 'cloister rewrite' runs start
                    TokenWallet wallet = wallet(vertx, store);
                    List<String> mine = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        mine.add(HexFormat.of()
                                .formatHex(wallet.take()
                                        .await(30, TimeUnit.SECONDS)
                                        .encode()));
                    }
                    return mine;
                }));
            }
            List<String> taken = new ArrayList<>();
            for (Future<List<String>> run : runs) taken.addAll(run.get(60, TimeUnit.SECONDS));
            assertEachTakenOnce(written, taken);
            assertEquals(0, wallet(vertx, store).available(), "the store is empty");
            assertEquals(
                    "rw-------",
                    java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(store)));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void processesTakeEachTokenOnce() throws Exception {
        Path store = dir.resolve("tokens");
        int processes = 3;
        int each = 8;
        List<String> written = fill(store, processes * each);
        List<Process> running = new ArrayList<>();
        for (int p = 0; p < processes; p++) {
            running.add(new ProcessBuilder(
                            ProcessHandle.current().info().command().orElse("java"),
                            "--enable-native-access=ALL-UNNAMED",
                            "-Xmx128m",
                            "-cp",
                            System.getProperty("java.class.path"),
                            TokenTaker.class.getName(),
                            store.toString(),
                            Integer.toString(each))
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start());
        }
        List<java.io.BufferedReader> outputs = new ArrayList<>();
        for (Process p : running) {
            java.io.BufferedReader out = p.inputReader(StandardCharsets.US_ASCII);
            assertEquals("ready", out.readLine()); // each has opened its wallet
            outputs.add(out);
        }
        for (Process p : running) {
            p.getOutputStream().write('\n'); // then all take at once
            p.getOutputStream().flush();
        }
        List<String> taken = new ArrayList<>();
        for (int i = 0; i < running.size(); i++) {
            Process p = running.get(i);
            String out = outputs.get(i).lines().collect(java.util.stream.Collectors.joining("\n"));
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
            out.lines().filter(l -> !l.isBlank()).forEach(taken::add);
        }
        assertEachTakenOnce(written, taken);
    }

    /**
     * One process: a wallet on the store given; after a line on stdin, {@code count} tokens taken one by one, printed
     * in hex.
     */
    public static final class TokenTaker {
        public static void main(String[] args) throws Exception {
            Vertx vertx = Vertx.vertx();
            try {
                TokenWallet wallet = wallet(vertx, Path.of(args[0]));
                System.out.println("ready");
                System.out.flush();
                System.in.read();
                for (int i = 0; i < Integer.parseInt(args[1]); i++) {
                    System.out.println(HexFormat.of()
                            .formatHex(wallet.take().await(30, TimeUnit.SECONDS).encode()));
                }
            } finally {
                vertx.close().await(10, TimeUnit.SECONDS);
            }
        }
    }
}
