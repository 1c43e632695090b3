package dev.cloister.infer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shared test models (testdata/models, passed by the build as the system property {@code cloister.models}). */
public final class TestModels {

    /** run.c's greedy output on stories260K from "Once upon a time", 64 steps: the prompt's 4 ids, then 60 generated. */
    public static final int[] REFERENCE_IDS = {
        403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337, 410, 408,
        419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 352, 266, 268, 388, 426,
        338, 391, 266, 267, 337, 335, 312, 432, 398, 312, 286, 267, 414, 270, 333, 415, 426, 13, 438, 310
    };

    public static final String REFERENCE_PROMPT = "Once upon a time";
    public static final String REFERENCE_TEXT =
            "Once upon a time, there was a little girl named Lily. She loved to play "
                    + "outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.\nLily";

    private TestModels() {}

    public static Path file(String name) {
        String dir = System.getProperty("cloister.models", "../../testdata/models");
        Path file = Path.of(dir).resolve(name);
        assertTrue(Files.isRegularFile(file), "missing test model " + file + " (set -Dcloister.models)");
        return file;
    }

    public static Path stories260k() {
        return file("stories260K.bin");
    }

    public static Path tok512() {
        return file("tok512.bin");
    }

    /** tok512's vocabulary as GGUF {@code tokenizer.*} metadata (what {@code cloister model convert} writes). */
    public static java.util.Map<String, dev.cloister.infer.model.GgufValue> tok512Vocabulary() {
        return dev.cloister.infer.tokenizer.GgufVocabulary.metadata(
                dev.cloister.infer.tokenizer.LlamaTokenizerFile.read(tok512()));
    }
}
