package dev.cloister.infer.model.quant;

import dev.cloister.infer.model.GgmlType;
import java.nio.ByteBuffer;

/**
 * {@code Q6_K}: super-blocks of 256 values, {@code uint8 ql[128]; uint8 qh[64]; int8 scales[16]; fp16 d}; sixteen
 * sub-blocks of 16 values, value {@code i} is {@code d * scales[i / 16] * (q - 32)} with a 6-bit {@code q}. Each half
 * {@code h} of 128 values uses {@code ql[64h ..]} and {@code qh[32h ..]}: for {@code l < 32}, values {@code l}, {@code l
 * + 32}, {@code l + 64}, {@code l + 96} of the half keep their low nibbles in {@code ql[l]} (low), {@code ql[l + 32]}
 * (low), {@code ql[l]} (high), {@code ql[l + 32]} (high), and their top two bits in bits 0-1, 2-3, 4-5, 6-7 of {@code
 * qh[l]}. Encoding: each sub-block's value of largest magnitude maps to -32, and the sub-block scales are quantized to
 * int8 against {@code d}.
 */
public record Q6_KFormat() implements BlockFormat {

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    @Override
    public void quantize(float[] values, int from, ByteBuffer out) {
        float[] scale = new float[16];
        float maxScale = 0f;
        for (int s = 0; s < 16; s++) {
            scale[s] = BlockFormat.signedMaximum(values, from + 16 * s, 16) / -32f;
            maxScale = Math.max(maxScale, Math.abs(scale[s]));
        }
        float d = BlockFormat.asHalf(maxScale / 127f);
        byte[] scales = new byte[16];
        int[] q = new int[256];
        for (int s = 0; s < 16; s++) {
            int sc = d > 0f ? BlockFormat.clamp(BlockFormat.nearest(scale[s] / d), -128, 127) : 0;
            scales[s] = (byte) sc;
            float step = d * sc;
            for (int i = 0; i < 16; i++) {
                int level = step != 0f ? BlockFormat.nearest(values[from + 16 * s + i] / step) : 0;
                q[16 * s + i] = BlockFormat.clamp(level, -32, 31) + 32;
            }
        }
        byte[] low = new byte[128];
        byte[] high = new byte[64];
        for (int h = 0; h < 2; h++) {
            for (int l = 0; l < 32; l++) {
                int q1 = q[128 * h + l];
                int q2 = q[128 * h + l + 32];
                int q3 = q[128 * h + l + 64];
                int q4 = q[128 * h + l + 96];
                low[64 * h + l] = (byte) ((q1 & 0x0F) | (q3 & 0x0F) << 4);
                low[64 * h + l + 32] = (byte) ((q2 & 0x0F) | (q4 & 0x0F) << 4);
                high[32 * h + l] = (byte) ((q1 >>> 4) | (q2 >>> 4) << 2 | (q3 >>> 4) << 4 | (q4 >>> 4) << 6);
            }
        }
        out.put(low);
        out.put(high);
        out.put(scales);
        out.putShort(Float.floatToFloat16(d));
    }

    @Override
    public void dequantize(ByteBuffer in, float[] out, int at) {
        byte[] low = new byte[128];
        byte[] high = new byte[64];
        byte[] scales = new byte[16];
        in.get(low);
        in.get(high);
        in.get(scales);
        float d = Float.float16ToFloat(in.getShort());
        for (int h = 0; h < 2; h++) {
            for (int l = 0; l < 32; l++) {
                int ql0 = low[64 * h + l] & 0xFF;
                int ql1 = low[64 * h + l + 32] & 0xFF;
                int qh = high[32 * h + l] & 0xFF;
                int q1 = ((ql0 & 0x0F) | (qh & 3) << 4) - 32;
                int q2 = ((ql1 & 0x0F) | ((qh >>> 2) & 3) << 4) - 32;
                int q3 = ((ql0 >>> 4) | ((qh >>> 4) & 3) << 4) - 32;
                int q4 = ((ql1 >>> 4) | ((qh >>> 6) & 3) << 4) - 32;
                int base = at + 128 * h;
                int sub = 8 * h + l / 16;
                out[base + l] = d * scales[sub] * q1;
                out[base + l + 32] = d * scales[sub + 2] * q2;
                out[base + l + 64] = d * scales[sub + 4] * q3;
                out[base + l + 96] = d * scales[sub + 6] * q4;
            }
        }
    }
}
