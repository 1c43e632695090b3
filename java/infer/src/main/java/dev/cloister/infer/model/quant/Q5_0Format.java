package dev.cloister.infer.model.quant;

import dev.cloister.infer.model.GgmlType;
import java.nio.ByteBuffer;

/**
 * {@code Q5_0}: blocks of 32 values, {@code fp16 d; uint32 qh; uint8 qs[16]}; the low four bits of value {@code j} as
 * in {@code Q4_0}, its fifth bit is bit {@code j} of {@code qh}; the value is {@code (q - 16) * d}. Encoding: the value
 * of largest magnitude maps to -16. llama.cpp writes it for a {@code Q4_K} tensor whose rows are not whole 256-blocks.
 */
public record Q5_0Format() implements BlockFormat {

    @Override
    public GgmlType type() {
        return GgmlType.Q5_0;
    }

    @Override
    public void quantize(float[] values, int from, ByteBuffer out) {
        float d = BlockFormat.asHalf(BlockFormat.signedMaximum(values, from, 32) / -16f);
        float inverse = d != 0f ? 1f / d : 0f;
        int[] q = new int[32];
        int high = 0;
        for (int j = 0; j < 32; j++) {
            q[j] = BlockFormat.clamp(BlockFormat.nearest(values[from + j] * inverse) + 16, 0, 31);
            high |= (q[j] >>> 4) << j;
        }
        out.putShort(Float.floatToFloat16(d));
        out.putInt(high);
        for (int j = 0; j < 16; j++) {
            out.put((byte) ((q[j] & 0x0F) | (q[j + 16] & 0x0F) << 4));
        }
    }

    @Override
    public void dequantize(ByteBuffer in, float[] out, int at) {
        float d = Float.float16ToFloat(in.getShort());
        int high = in.getInt();
        for (int j = 0; j < 16; j++) {
            int q = in.get() & 0xFF;
            out[at + j] = (((q & 0x0F) | ((high >>> j) & 1) << 4) - 16) * d;
            out[at + j + 16] = (((q >>> 4) | ((high >>> (j + 16)) & 1) << 4) - 16) * d;
        }
    }
}
