package dev.cloister.infer.model;

import dev.cloister.infer.ModelShape;
import dev.cloister.infer.tokenizer.GgufVocabulary;
import dev.cloister.infer.tokenizer.Vocabulary;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts a llama2.c checkpoint and its tokenizer into a GGUF file for the Llama architecture, with llama.cpp's tensor
 * names and metadata keys, so that the same model can be loaded from either format (and their logits compared).
 * Weight matrices are written as F32, F16, BF16 or Q8_0; norm vectors, and matrices whose rows are not a whole number
 * of Q8_0 blocks, stay F32. llama2.c keeps Meta's layout of the query and key projections (RoPE on adjacent pairs),
 * which is the layout GGUF's Llama uses, so the bytes of an F32 tensor are the checkpoint's bytes.
 */
public final class LlamaGgufConverter {

    /** llama.cpp's numbering of a whole file's weight type ({@code general.file_type}). */
    private static int fileType(GgmlType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q8_0 -> 7;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException("weights are written as F32, F16, BF16 or Q8_0, not " + type);
        };
    }

    private LlamaGgufConverter() {}

    /** A tensor to write: its GGUF name and shape, its type, and where its floats are in the checkpoint. */
    private record Planned(String name, long[] dimensions, GgmlType type, long firstFloat) {
        long elements() {
            long n = 1;
            for (long d : dimensions) {
                n *= d;
            }
            return n;
        }
    }

    /**
     * Writes {@code out} (atomically: a temporary file, then a move).
     *
     * @param weights the type of the weight matrices (F32, F16, BF16 or Q8_0)
     */
    public static void convert(Path checkpoint, Vocabulary vocabulary, GgmlType weights, Path out) {
        int fileType = fileType(weights);
        try (FileChannel channel = FileChannel.open(checkpoint, StandardOpenOption.READ)) {
            long size = channel.size();
            ByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN);
            LlamaCheckpointHeader header = LlamaCheckpointHeader.read(map);
            if (header.fileSize() != size) {
                throw new ModelFormatException(
                        "checkpoint of " + size + " bytes, its header implies " + header.fileSize());
            }
            ModelShape shape = header.shape();
            if (vocabulary.size() != shape.vocabSize()) {
                throw new ModelFormatException(
                        "tokenizer of " + vocabulary.size() + " tokens for a model of " + shape.vocabSize());
            }
            List<Planned> plan = plan(header, weights);
            Map<String, GgufValue> metadata = metadata(shape, vocabulary, fileType, checkpoint);
            List<GgufTensorInfo> infos = new ArrayList<>();
            long offset = 0;
            for (Planned p : plan) {
                GgufTensorInfo info = new GgufTensorInfo(p.name(), p.dimensions(), p.type(), offset);
                infos.add(info);
                offset = align(offset + info.byteSize());
            }
            byte[] headerBytes = GgufFile.of(metadata, infos).writeHeader();
            FloatBuffer floats = map.position(LlamaCheckpointHeader.BYTES)
                    .slice()
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer();
            Path temporary =
                    Files.createTempFile(out.toAbsolutePath().getParent(), out.getFileName() + ".", ".partial");
            try {
                try (OutputStream stream = new BufferedOutputStream(Files.newOutputStream(temporary), 1 << 20)) {
                    stream.write(headerBytes);
                    long written = 0;
                    for (int i = 0; i < plan.size(); i++) {
                        Planned p = plan.get(i);
                        long bytes = writeTensor(stream, floats, p);
                        written += bytes;
                        long padded = align(written);
                        stream.write(new byte[(int) (padded - written)]);
                        written = padded;
                    }
                }
                Files.move(temporary, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("converting " + checkpoint.getFileName() + " to GGUF", e);
        }
    }

    private static long align(long offset) {
        int a = GgufFile.DEFAULT_ALIGNMENT;
        return (offset + a - 1) / a * a;
    }

    /** The tensors in llama2.c's order, named as GGUF's Llama names them. */
    private static List<Planned> plan(LlamaCheckpointHeader header, GgmlType weights) {
        ModelShape s = header.shape();
        long dim = s.dim();
        long hidden = s.hiddenDim();
        long kvDim = (long) s.kvHeads() * s.headSize();
        long vocab = s.vocabSize();
        int layers = s.layers();
        List<Planned> plan = new ArrayList<>();
        long at = 0;
        plan.add(matrix("token_embd.weight", dim, vocab, weights, at));
        at += vocab * dim;
        long rmsAtt = at;
        at += layers * dim;
        long wq = at;
        at += layers * dim * dim;
        long wk = at;
        at += layers * kvDim * dim;
        long wv = at;
        at += layers * kvDim * dim;
        long wo = at;
        at += layers * dim * dim;
        long rmsFfn = at;
        at += layers * dim;
        long w1 = at;
        at += layers * hidden * dim;
        long w2 = at;
        at += layers * dim * hidden;
        long w3 = at;
        at += layers * hidden * dim;
        long rmsFinal = at;
        at += dim;
        at += (long) s.maxSequenceLength() * s.headSize(); // freq_cis_real, freq_cis_imag: GGUF computes RoPE itself
        for (int l = 0; l < layers; l++) {
            String blk = "blk." + l + ".";
            plan.add(new Planned(blk + "attn_norm.weight", new long[] {dim}, GgmlType.F32, rmsAtt + l * dim));
            plan.add(matrix(blk + "attn_q.weight", dim, dim, weights, wq + l * dim * dim));
            plan.add(matrix(blk + "attn_k.weight", dim, kvDim, weights, wk + l * kvDim * dim));
            plan.add(matrix(blk + "attn_v.weight", dim, kvDim, weights, wv + l * kvDim * dim));
            plan.add(matrix(blk + "attn_output.weight", dim, dim, weights, wo + l * dim * dim));
            plan.add(new Planned(blk + "ffn_norm.weight", new long[] {dim}, GgmlType.F32, rmsFfn + l * dim));
            plan.add(matrix(blk + "ffn_gate.weight", dim, hidden, weights, w1 + l * hidden * dim));
            plan.add(matrix(blk + "ffn_down.weight", hidden, dim, weights, w2 + l * dim * hidden));
            plan.add(matrix(blk + "ffn_up.weight", dim, hidden, weights, w3 + l * hidden * dim));
        }
        plan.add(new Planned("output_norm.weight", new long[] {dim}, GgmlType.F32, rmsFinal));
        if (header.classifier() == LlamaCheckpointHeader.Classifier.SEPARATE) {
            plan.add(matrix("output.weight", dim, vocab, weights, at));
        }
        return plan;
    }

    /** A [rows, columns] row-major matrix is GGML's [columns, rows] (innermost first); Q8_0 needs whole blocks. */
    private static Planned matrix(String name, long columns, long rows, GgmlType weights, long firstFloat) {
        GgmlType type = columns % weights.blockElements() == 0 ? weights : GgmlType.F32;
        return new Planned(name, new long[] {columns, rows}, type, firstFloat);
    }

    private static Map<String, GgufValue> metadata(ModelShape s, Vocabulary vocabulary, int fileType, Path source) {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("general.architecture", GgufValue.Text.of("llama"));
        String name = source.getFileName().toString().replaceFirst("\\.bin$", "");
        m.put("general.name", GgufValue.Text.of(name));
        m.put("general.file_type", u32(fileType));
        m.put("general.alignment", u32(GgufFile.DEFAULT_ALIGNMENT));
        m.put("llama.vocab_size", u32(s.vocabSize()));
        m.put("llama.context_length", u32(s.maxSequenceLength()));
        m.put("llama.embedding_length", u32(s.dim()));
        m.put("llama.block_count", u32(s.layers()));
        m.put("llama.feed_forward_length", u32(s.hiddenDim()));
        m.put("llama.rope.dimension_count", u32(s.headSize()));
        m.put("llama.attention.head_count", u32(s.heads()));
        m.put("llama.attention.head_count_kv", u32(s.kvHeads()));
        m.put("llama.attention.layer_norm_rms_epsilon", new GgufValue.Real(GgufType.FLOAT32, 1e-5f));
        m.put("llama.rope.freq_base", new GgufValue.Real(GgufType.FLOAT32, 10000f));
        m.putAll(GgufVocabulary.metadata(vocabulary));
        return m;
    }

    private static GgufValue u32(long value) {
        return new GgufValue.Whole(GgufType.UINT32, value);
    }

    /** Writes one tensor's data; returns its byte count. */
    private static long writeTensor(OutputStream out, FloatBuffer floats, Planned p) throws IOException {
        long count = p.elements();
        int rowLength = (int) p.dimensions()[0];
        long rows = count / rowLength;
        float[] row = new float[rowLength];
        ByteBuffer buffer = ByteBuffer.allocate(rowLength * 4).order(ByteOrder.LITTLE_ENDIAN);
        long bytes = 0;
        for (long r = 0; r < rows; r++) {
            floats.get((int) (p.firstFloat() + r * rowLength), row);
            buffer.clear();
            encodeRow(row, p.type(), buffer);
            out.write(buffer.array(), 0, buffer.position());
            bytes += buffer.position();
        }
        return bytes;
    }

    /** One row in the tensor's type. */
    static void encodeRow(float[] row, GgmlType type, ByteBuffer out) {
        switch (type) {
            case F32 -> {
                for (float v : row) {
                    out.putFloat(v);
                }
            }
            case F16 -> {
                for (float v : row) {
                    out.putShort(Float.floatToFloat16(v));
                }
            }
            case BF16 -> {
                for (float v : row) {
                    out.putShort(toBfloat16(v));
                }
            }
            case Q8_0 -> {
                for (int block = 0; block < row.length; block += 32) {
                    float max = 0f;
                    for (int i = 0; i < 32; i++) {
                        max = Math.max(max, Math.abs(row[block + i]));
                    }
                    float scale = max / 127f;
                    float inverse = scale != 0f ? 1f / scale : 0f;
                    out.putShort(Float.floatToFloat16(scale));
                    for (int i = 0; i < 32; i++) {
                        float scaled = row[block + i] * inverse;
                        // C's roundf: halves away from zero
                        out.put((byte) (int) Math.copySign(Math.floor(Math.abs(scaled) + 0.5f), scaled));
                    }
                }
            }
            default -> throw new IllegalArgumentException("cannot write " + type);
        }
    }

    /** Round-to-nearest-even truncation of a float to bfloat16 (a NaN stays a quiet NaN). */
    static short toBfloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }
}
