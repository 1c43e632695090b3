package dev.cloister.infer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.infer.TestModels;
import dev.cloister.infer.tokenizer.Framing;
import dev.cloister.infer.tokenizer.GgufVocabulary;
import dev.cloister.infer.tokenizer.LlamaTokenizerFile;
import dev.cloister.infer.tokenizer.SentencePieceTokenizer;
import dev.cloister.infer.tokenizer.Tokenizer;
import dev.cloister.infer.tokenizer.Vocabulary;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufFileTest {

    private static final Vocabulary TOK512 = LlamaTokenizerFile.read(TestModels.tok512());

    @TempDir
    Path dir;

    /** A GGUF file with tok512's vocabulary, an architecture key and one 4x64 F32 tensor. */
    static byte[] tok512Gguf(Consumer<Map<String, GgufValue>> edit) {
        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        metadata.put("general.architecture", GgufValue.Text.of("llama"));
        metadata.put("llama.context_length", new GgufValue.Whole(GgufType.UINT32, 512));
        metadata.putAll(GgufVocabulary.metadata(TOK512));
        edit.accept(metadata);
        GgufTensorInfo tensor = new GgufTensorInfo("token_embd.weight", new long[] {64, 4}, GgmlType.F32, 0);
        GgufFile file = GgufFile.of(metadata, List.of(tensor));
        byte[] header = file.writeHeader();
        return Arrays.copyOf(header, header.length + 64 * 4 * 4);
    }

    static byte[] tok512Gguf() {
        return tok512Gguf(metadata -> {});
    }

    private static GgufFile read(byte[] bytes) {
        return GgufFile.read(ByteBuffer.wrap(bytes));
    }

    @Test
    void aTokenizerFromGgufMetadataEncodesLikeTheLlama2cOne() throws Exception {
        Path file = dir.resolve("tok512.gguf");
        Files.write(file, tok512Gguf());
        GgufFile gguf = GgufFile.open(file);
        assertEquals(3, gguf.version());
        assertEquals(1, gguf.tensors().size());
        assertEquals(1024, gguf.tensors().get(0).byteSize());
        assertEquals(0, gguf.dataOffset() % 32);
        Tokenizer tokenizer = new SentencePieceTokenizer(GgufVocabulary.read(gguf));
        assertArrayEquals(
                new int[] {1, 403, 407, 261, 378}, tokenizer.encode(TestModels.REFERENCE_PROMPT, Framing.BOS));
        int[] withBos = new int[TestModels.REFERENCE_IDS.length + 1];
        withBos[0] = 1;
        System.arraycopy(TestModels.REFERENCE_IDS, 0, withBos, 1, TestModels.REFERENCE_IDS.length);
        assertEquals(TestModels.REFERENCE_TEXT, tokenizer.decodeToString(withBos));
        assertEquals(TOK512, GgufVocabulary.read(gguf), "the same vocabulary, spaces restored from U+2581");
    }

    @Test
    void addSpacePrefixFalseEncodesTheTextAsItIs() {
        Tokenizer plain = GgufVocabulary.tokenizer(
                read(tok512Gguf(m -> m.put(GgufVocabulary.ADD_SPACE_PREFIX, new GgufValue.Bool(false)))));
        Tokenizer prefixed = GgufVocabulary.tokenizer(read(tok512Gguf()));
        assertArrayEquals(new int[] {1, 403, 407, 261, 378}, prefixed.encode(TestModels.REFERENCE_PROMPT, Framing.BOS));
        int[] tokens = plain.encode(TestModels.REFERENCE_PROMPT, Framing.BOS);
        assertEquals(TestModels.REFERENCE_PROMPT, plain.decodeToString(tokens));
        assertTrue(tokens[1] != 403, "no leading space: 'Once', not ' Once'");
        assertThrows(
                ModelFormatException.class,
                () -> GgufVocabulary.tokenizer(read(tok512Gguf(
                        m -> m.put(GgufVocabulary.ADD_SPACE_PREFIX, new GgufValue.Whole(GgufType.UINT8, 0))))));
    }

    @Test
    void theHeaderWritesBackByteForByte() {
        byte[] bytes = tok512Gguf();
        GgufFile file = read(bytes);
        assertArrayEquals(Arrays.copyOf(bytes, (int) file.dataOffset()), file.writeHeader());
        GgufFile built = GgufFile.of(file.metadata(), file.tensors());
        assertEquals(file.dataOffset(), built.dataOffset());
        assertEquals(file.headerBytes(), built.headerBytes());
        assertEquals(file, built);
    }

    @Test
    void everyTruncationIsRefused() {
        byte[] bytes = tok512Gguf();
        for (int length = 0; length < bytes.length; length += 7) {
            byte[] cut = Arrays.copyOf(bytes, length);
            assertThrows(ModelFormatException.class, () -> read(cut), () -> "cut at " + cut.length);
        }
    }

    /** Overwrites bytes at an offset of a small, hand-laid header. */
    private static byte[] header(int version, long tensors, long kvs, byte[] rest) {
        ByteBuffer b = ByteBuffer.allocate(24 + rest.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(GgufFile.MAGIC).putInt(version).putLong(tensors).putLong(kvs).put(rest);
        return b.array();
    }

    private static byte[] kv(String key, int type, byte[] value) {
        ByteBuffer b = ByteBuffer.allocate(8 + key.length() + 4 + value.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(key.length())
                .put(key.getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .putInt(type)
                .put(value);
        return b.array();
    }

    private static byte[] le(long... words) {
        ByteBuffer b = ByteBuffer.allocate(8 * words.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long w : words) {
            b.putLong(w);
        }
        return b.array();
    }

    private static void refused(String expectedStart, byte[] bytes) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> read(bytes));
        assertTrue(e.getMessage().startsWith(expectedStart), () -> "got: " + e.getMessage());
    }

    @Test
    void badMagicAndOtherVersionsAreRefused() {
        byte[] bytes = tok512Gguf();
        bytes[0] = 'X';
        refused("GGUF: bad magic", bytes);
        refused("GGUF: version 2, only 3 is read", header(2, 0, 0, new byte[0]));
    }

    @Test
    void oversizeCountsAreRefusedBeforeAllocation() {
        refused("GGUF: 65537 tensors", header(3, 65537, 0, new byte[0]));
        refused("GGUF: 18446744073709551615 tensors", header(3, -1, 0, new byte[0]));
        refused("GGUF: 65537 metadata entries", header(3, 0, 65537, new byte[0]));
        refused("GGUF: metadata key 0 of 4294967296 bytes", header(3, 0, 1, le(1L << 32)));
        refused("GGUF: truncated in metadata key 0", header(3, 0, 1, le(10)));
        // a string value claiming 1 MiB in a tiny file
        refused("GGUF: truncated in k", header(3, 0, 1, kv("k", 8, le(1 << 20))));
        // an array of 2^24 uint32 in a tiny file
        ByteBuffer array =
                ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(4).putLong(1 << 24);
        refused("GGUF: 'k' claims 16777216 elements", header(3, 0, 1, kv("k", 9, array.array())));
    }

    @Test
    void malformedValuesAreRefused() {
        refused("GGUF: unknown value type 13", header(3, 0, 1, kv("k", 13, new byte[8])));
        ByteBuffer nested =
                ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(9).putLong(1);
        refused("GGUF: 'k' nests arrays", header(3, 0, 1, kv("k", 9, nested.array())));
        refused("GGUF: 'k' is a bool of value 2", header(3, 0, 1, kv("k", 7, new byte[] {2})));
        byte[] twice = new byte[0];
        twice = concat(kv("k", 0, new byte[] {1}), kv("k", 0, new byte[] {2}));
        refused("GGUF: metadata key 'k' appears twice", header(3, 0, 2, twice));
        ByteBuffer alignment =
                ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(48);
        refused("GGUF: general.alignment must be", header(3, 0, 1, kv("general.alignment", 4, alignment.array())));
    }

    @Test
    void keysAndTensorNamesThatAreNotUtf8AreRefused() {
        // 0xC3 0x28: a two-byte lead followed by a non-continuation byte (found by GgufFileFuzzTest: a lenient decoder
        // replaced such bytes, so the header no longer wrote back to the same length).
        ByteBuffer key = ByteBuffer.allocate(8 + 2 + 4 + 1)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(2)
                .put((byte) 0xC3)
                .put((byte) 0x28)
                .putInt(0)
                .put((byte) 1);
        refused("GGUF: metadata key 0 is not valid UTF-8", header(3, 0, 1, key.array()));
        ByteBuffer name = ByteBuffer.allocate(8 + 1 + 4 + 8 + 4 + 8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(1)
                .put((byte) 0xFF)
                .putInt(1)
                .putLong(4)
                .putInt(0)
                .putLong(0);
        refused("GGUF: tensor info 0 is not valid UTF-8", header(3, 1, 0, name.array()));
    }

    private static byte[] tensor(String name, long[] shape, int type, long offset) {
        ByteBuffer b = ByteBuffer.allocate(8 + name.length() + 4 + 8 * shape.length + 12)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(name.length())
                .put(name.getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .putInt(shape.length);
        for (long d : shape) {
            b.putLong(d);
        }
        return b.putInt(type).putLong(offset).array();
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    @Test
    void malformedTensorInfosAreRefused() {
        byte[] data = new byte[4096];
        refused(
                "GGUF: tensor 't' has 5 dimensions",
                concat(header(3, 1, 0, tensor("t", new long[] {1, 1, 1, 1, 1}, 0, 0)), data));
        refused("GGUF: tensor 't' has an empty", concat(header(3, 1, 0, tensor("t", new long[] {0}, 0, 0)), data));
        refused(
                "GGUF: tensor 't' has too many elements",
                concat(header(3, 1, 0, tensor("t", new long[] {1L << 40, 1L << 40}, 0, 0)), data));
        refused("GGUF: unsupported tensor type 99", concat(header(3, 1, 0, tensor("t", new long[] {4}, 99, 0)), data));
        refused(
                "GGUF: tensor 't' row of 16 is not a whole number of Q8_0 blocks",
                concat(header(3, 1, 0, tensor("t", new long[] {16}, 8, 0)), data));
        refused(
                "GGUF: tensor 't' is not aligned to 32",
                concat(header(3, 1, 0, tensor("t", new long[] {4}, 0, 4)), data));
        refused(
                "GGUF: tensor 't' lies beyond the end of the file",
                concat(header(3, 1, 0, tensor("t", new long[] {4096}, 0, 0)), data));
        refused(
                "GGUF: tensor 't' appears twice",
                concat(
                        header(3, 2, 0, concat(tensor("t", new long[] {4}, 0, 0), tensor("t", new long[] {4}, 0, 32))),
                        data));
        GgufFile ok = read(concat(header(3, 1, 0, tensor("t", new long[] {32, 2}, 8, 0)), data));
        assertEquals(68, ok.tensors().get(0).byteSize(), "two Q8_0 blocks");
    }

    @Test
    void unsupportedOrInconsistentTokenizerMetadataIsRefused() {
        GgufFile gpt2 = read(tok512Gguf(m -> m.put(GgufVocabulary.MODEL, GgufValue.Text.of("gpt2"))));
        assertEquals(
                "GGUF: tokenizer model 'gpt2' is not supported (only 'llama')",
                assertThrows(ModelFormatException.class, () -> GgufVocabulary.read(gpt2))
                        .getMessage());
        GgufFile fewScores = read(tok512Gguf(m -> m.put(
                GgufVocabulary.SCORES,
                new GgufValue.Array(GgufType.FLOAT32, List.of(new GgufValue.Real(GgufType.FLOAT32, 0))))));
        assertEquals(
                "GGUF: 512 tokens but 1 scores",
                assertThrows(ModelFormatException.class, () -> GgufVocabulary.read(fewScores))
                        .getMessage());
        GgufFile badBos = read(tok512Gguf(m -> m.put(GgufVocabulary.BOS, new GgufValue.Whole(GgufType.UINT32, 512))));
        assertThrows(ModelFormatException.class, () -> GgufVocabulary.read(badBos));
        GgufFile noTokens = read(tok512Gguf(m -> m.remove(GgufVocabulary.TOKENS)));
        assertEquals(
                "GGUF: 'tokenizer.ggml.tokens' is missing or not an array of STRING",
                assertThrows(ModelFormatException.class, () -> GgufVocabulary.read(noTokens))
                        .getMessage());
        GgufFile badType = read(tok512Gguf(m -> {
            GgufValue.Array types = (GgufValue.Array) m.get(GgufVocabulary.TOKEN_TYPES);
            List<GgufValue> values = new java.util.ArrayList<>(types.values());
            values.set(7, new GgufValue.Whole(GgufType.INT32, 9));
            m.put(GgufVocabulary.TOKEN_TYPES, new GgufValue.Array(GgufType.INT32, values));
        }));
        assertEquals(
                "GGUF: token 7 has unknown type 9",
                assertThrows(ModelFormatException.class, () -> GgufVocabulary.read(badType))
                        .getMessage());
    }
}
