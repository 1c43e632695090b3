package dev.cloister.infer.model.quant;

import dev.cloister.infer.model.GgmlType;
import java.nio.ByteBuffer;

/**
 * {@code Q5_1}: blocks of 32 values, {@code fp16 d; fp16 m; uint32 qh; uint8 qs[16]}; bits as in {@code Q5_0}, the value
 * is {@code q * d + m}. Encoding: {@code m} is the minimum, {@code d} the range over 31. llama.cpp writes it for a
 * {@code Q5_K} tensor whose rows are not whole 256-blocks.
 */
public record Q5_1Format() implements BlockFormat {

    @Override
    public GgmlType type() {
        return GgmlType.Q5_1;
    }

    @Override
    public void quantize(float[] values, int from, ByteBuffer out) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < 32; j++) {
            min = Math.min(min, values[from + j]);
            max = Math.max(max, values[from + j]);
        }
        float m = BlockFormat.asHalf(min);
        float d = BlockFormat.asHalf((max - m) / 31f);
        float inverse = d != 0f ? 1f / d : 0f;
        int[] q = new int[32];
        int high = 0;
        for (int j = 0; j < 32; j++) {
            q[j] = BlockFormat.clamp(BlockFormat.nearest((values[from + j] - m) * inverse), 0, 31);
            high |= (q[j] >>> 4) << j;
        }
        out.putShort(Float.floatToFloat16(d));
        out.putShort(Float.floatToFloat16(m));
        out.putInt(high);
        for (int j = 0; j < 16; j++) {
            out.put((byte) ((q[j] & 0x0F) | (q[j + 16] & 0x0F) << 4));
        }
    }

    @Override
    public void dequantize(ByteBuffer in, float[] out, int at) {
        float d = Float.float16ToFloat(in.getShort());
        float m = Float.float16ToFloat(in.getShort());
        int high = in.getInt();
        for (int j = 0; j < 16; j++) {
            int q = in.get() & 0xFF;
            out[at + j] = ((q & 0x0F) | ((high >>> j) & 1) << 4) * d + m;
            out[at + j + 16] = ((q >>> 4) | ((high >>> (j + 16)) & 1) << 4) * d + m;
        }
    }
}
