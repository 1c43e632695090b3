package dev.cloister.cli;

import dev.cloister.infer.model.GgmlType;
import dev.cloister.infer.model.GgufFile;
import dev.cloister.infer.model.GgufTensorInfo;
import dev.cloister.infer.model.GgufType;
import dev.cloister.infer.model.GgufValue;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cloister model info FILE.gguf}: what a GGUF model file holds, read from its header alone (the tensor data is
 * not read): architecture, shape, weight types, vocabulary, chat template and size.
 */
@Command(
        name = "info",
        mixinStandardHelpOptions = true,
        description = "Describe a GGUF model file: architecture, shape, tensor types and counts, vocabulary, chat "
                + "template, file size. Only the header is read.")
final class ModelInfoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE.gguf", description = "The model file")
    Path file;

    @Override
    public Integer call() throws Exception {
        GgufFile gguf = GgufFile.open(file);
        PrintWriter out = spec.commandLine().getOut();
        for (String line : describe(gguf, Files.size(file))) {
            out.println(line);
        }
        out.flush();
        return 0;
    }

    /** llama.cpp's names of {@code general.file_type} values ({@code llama_ftype}). */
    private static String fileTypeName(long fileType) {
        return switch ((int) fileType) {
            case 0 -> "F32";
            case 1 -> "F16";
            case 2 -> "Q4_0";
            case 3 -> "Q4_1";
            case 7 -> "Q8_0";
            case 8 -> "Q5_0";
            case 9 -> "Q5_1";
            case 10 -> "Q2_K";
            case 11 -> "Q3_K_S";
            case 12 -> "Q3_K_M";
            case 13 -> "Q3_K_L";
            case 14 -> "Q4_K_S";
            case 15 -> "Q4_K_M";
            case 16 -> "Q5_K_S";
            case 17 -> "Q5_K_M";
            case 18 -> "Q6_K";
            case 32 -> "BF16";
            default -> "unknown";
        };
    }

    /** The lines {@code info} prints. */
    static List<String> describe(GgufFile gguf, long fileSize) {
        List<String> lines = new ArrayList<>();
        Optional<String> architecture = text(gguf, "general.architecture");
        String a = architecture.orElse("?") + ".";
        lines.add("file: " + fileSize + " bytes, GGUF v" + gguf.version() + ", "
                + gguf.metadata().size() + " metadata keys, tensor data at " + gguf.dataOffset());
        lines.add("architecture: " + architecture.orElse("(none)"));
        text(gguf, "general.name").ifPresent(name -> lines.add("name: " + name));
        whole(gguf, "general.file_type")
                .ifPresent(t -> lines.add("file type: " + fileTypeName(t) + " (general.file_type " + t + ")"));
        if (architecture.isPresent()) {
            lines.add("shape: embedding " + number(gguf, a + "embedding_length")
                    + ", feed-forward " + number(gguf, a + "feed_forward_length")
                    + ", layers " + number(gguf, a + "block_count")
                    + ", heads " + number(gguf, a + "attention.head_count")
                    + ", kv heads " + number(gguf, a + "attention.head_count_kv")
                    + ", context " + number(gguf, a + "context_length"));
            lines.add("rope: base " + number(gguf, a + "rope.freq_base")
                    + ", dimensions " + number(gguf, a + "rope.dimension_count")
                    + (hasTensor(gguf, "rope_freqs.weight") ? ", frequency divisors (rope_freqs.weight)" : "")
                    + "; rms epsilon " + number(gguf, a + "attention.layer_norm_rms_epsilon"));
            lines.add("classifier: "
                    + (hasTensor(gguf, "output.weight")
                            ? "output.weight"
                            : hasTensor(gguf, "token_embd.weight") ? "tied to token_embd.weight" : "(none)"));
        }
        Map<GgmlType, Integer> counts = new EnumMap<>(GgmlType.class);
        long parameters = 0;
        long dataBytes = 0;
        for (GgufTensorInfo tensor : gguf.tensors()) {
            counts.merge(tensor.type(), 1, Integer::sum);
            parameters += tensor.elements();
            dataBytes += tensor.byteSize();
        }
        List<String> types = new ArrayList<>();
        counts.forEach((type, count) -> types.add(type + " " + count));
        lines.add("tensors: " + gguf.tensors().size() + " (" + String.join(", ", types) + "), " + parameters
                + " parameters, " + dataBytes + " bytes");
        int vocabulary = gguf.metadata().get("tokenizer.ggml.tokens") instanceof GgufValue.Array tokens
                ? tokens.values().size()
                : 0;
        lines.add("vocabulary: "
                + text(gguf, "tokenizer.ggml.model").orElse("(none)")
                + text(gguf, "tokenizer.ggml.pre")
                        .map(pre -> " (pre-tokenizer " + pre + ")")
                        .orElse("")
                + ", " + vocabulary + " tokens"
                + whole(gguf, "tokenizer.ggml.bos_token_id")
                        .map(id -> ", bos " + id)
                        .orElse("")
                + whole(gguf, "tokenizer.ggml.eos_token_id")
                        .map(id -> ", eos " + id)
                        .orElse("")
                + (gguf.metadata().get("tokenizer.ggml.merges") instanceof GgufValue.Array merges
                        ? ", " + merges.values().size() + " merges"
                        : ""));
        lines.add("chat template: "
                + (gguf.metadata().get("tokenizer.chat_template") instanceof GgufValue.Text template
                        ? template.bytes().length() + " bytes"
                        : "none"));
        return lines;
    }

    private static boolean hasTensor(GgufFile gguf, String name) {
        return gguf.tensors().stream().anyMatch(t -> t.name().equals(name));
    }

    private static Optional<String> text(GgufFile gguf, String key) {
        return gguf.metadata().get(key) instanceof GgufValue.Text t ? Optional.of(t.string()) : Optional.empty();
    }

    private static Optional<Long> whole(GgufFile gguf, String key) {
        return gguf.metadata().get(key) instanceof GgufValue.Whole w ? Optional.of(w.value()) : Optional.empty();
    }

    /** An integer or float value as written, or "?" when absent. */
    private static String number(GgufFile gguf, String key) {
        GgufValue value = gguf.metadata().get(key);
        if (value instanceof GgufValue.Whole w) {
            return Long.toString(w.value());
        }
        if (value instanceof GgufValue.Real r) {
            return r.type() == GgufType.FLOAT32 ? Float.toString((float) r.value()) : Double.toString(r.value());
        }
        return "?";
    }
}
