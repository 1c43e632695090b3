package dev.cloister.infer.model.quant;

import dev.cloister.infer.model.GgmlType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One GGML tensor element type as a block codec: a block of {@link GgmlType#blockElements()} floats is encoded into
 * {@link GgmlType#blockBytes()} bytes, little-endian, in the layout llama.cpp reads. Each format is a class of its own,
 * written from the format (the block structs of ggml's {@code ggml-common.h}); the encoders are plain round-to-nearest
 * quantizers (no search for the best scales, no importance matrix), the decoders compute what ggml's decoders compute,
 * in the same order of float operations.
 */
public sealed interface BlockFormat
        permits F32Format,
                F16Format,
                Bf16Format,
                Q8_0Format,
                Q4_0Format,
                Q5_0Format,
                Q5_1Format,
                Q4_KFormat,
                Q5_KFormat,
                Q6_KFormat {

    GgmlType type();

    /** Appends the encoding of {@code values[from .. from + blockElements)} to {@code out} (little-endian). */
    void quantize(float[] values, int from, ByteBuffer out);

    /** Decodes one block from {@code in} (little-endian, advanced past it) into {@code out[at .. at + blockElements)}. */
    void dequantize(ByteBuffer in, float[] out, int at);

    /** The codec of a type; types without one (integer types, Q4_1, Q2_K, Q3_K, Q8_K, ...) are refused. */
    static BlockFormat of(GgmlType type) {
        return switch (type) {
            case F32 -> new F32Format();
            case F16 -> new F16Format();
            case BF16 -> new Bf16Format();
            case Q8_0 -> new Q8_0Format();
            case Q4_0 -> new Q4_0Format();
            case Q5_0 -> new Q5_0Format();
            case Q5_1 -> new Q5_1Format();
            case Q4_K -> new Q4_KFormat();
            case Q5_K -> new Q5_KFormat();
            case Q6_K -> new Q6_KFormat();
            default -> throw new IllegalArgumentException("no codec for GGML type " + type);
        };
    }

    /** Encodes a row (a whole number of blocks) and returns its bytes. */
    static byte[] quantizeRow(GgmlType type, float[] row) {
        BlockFormat format = of(type);
        int block = type.blockElements();
        if (row.length % block != 0) {
            throw new IllegalArgumentException(
                    "a row of " + row.length + " values is not a whole number of " + type + " blocks");
        }
        ByteBuffer out =
                ByteBuffer.allocate(row.length / block * type.blockBytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at < row.length; at += block) {
            format.quantize(row, at, out);
        }
        return out.array();
    }

    /** Decodes {@code count} values (a whole number of blocks) from {@code in} into {@code out[at..]}. */
    static void dequantize(GgmlType type, ByteBuffer in, float[] out, int at, int count) {
        BlockFormat format = of(type);
        int block = type.blockElements();
        if (count % block != 0) {
            throw new IllegalArgumentException(count + " values are not a whole number of " + type + " blocks");
        }
        ByteBuffer little = in.order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i += block) {
            format.dequantize(little, out, at + i);
        }
    }

    /** Round to nearest, halves away from zero (C's {@code roundf}). */
    static int nearest(float value) {
        return (int) Math.copySign(Math.floor(Math.abs(value) + 0.5f), value);
    }

    /** A float as the fp16 value that will be stored for it. */
    static float asHalf(float value) {
        return Float.float16ToFloat(Float.floatToFloat16(value));
    }

    /** The value of largest magnitude in {@code values[from .. from + count)}, with its sign (the first on a tie). */
    static float signedMaximum(float[] values, int from, int count) {
        float best = 0f;
        for (int i = from; i < from + count; i++) {
            if (Math.abs(values[i]) > Math.abs(best)) {
                best = values[i];
            }
        }
        return best;
    }

    static int clamp(int value, int low, int high) {
        return Math.max(low, Math.min(high, value));
    }
}
