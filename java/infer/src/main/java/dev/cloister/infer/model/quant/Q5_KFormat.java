package dev.cloister.infer.model.quant;

import dev.cloister.infer.model.GgmlType;
import java.nio.ByteBuffer;

/**
 * {@code Q5_K}: super-blocks of 256 values, {@code fp16 d; fp16 dmin; uint8 scales[12]; uint8 qh[32]; uint8 qs[128]}:
 * the low four bits as in {@code Q4_K}; the fifth bit of value {@code 64g + l} is bit {@code 2g} of {@code qh[l]}, that
 * of value {@code 64g + 32 + l} bit {@code 2g + 1}.
 */
public record Q5_KFormat() implements BlockFormat {

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
    }

    @Override
    public void quantize(float[] values, int from, ByteBuffer out) {
        KScales scales = KScales.choose(values, from, 31);
        byte[] high = new byte[32];
        byte[] low = new byte[128];
        for (int g = 0; g < 4; g++) {
            for (int l = 0; l < 32; l++) {
                int first = scales.level(2 * g, values[from + 64 * g + l], 31);
                int second = scales.level(2 * g + 1, values[from + 64 * g + 32 + l], 31);
                low[32 * g + l] = (byte) ((first & 0x0F) | (second & 0x0F) << 4);
                high[l] |= (byte) ((first >>> 4) << (2 * g) | (second >>> 4) << (2 * g + 1));
            }
        }
        scales.write(out);
        out.put(high);
        out.put(low);
    }

    @Override
    public void dequantize(ByteBuffer in, float[] out, int at) {
        KScales scales = KScales.read(in);
        byte[] high = new byte[32];
        in.get(high);
        for (int g = 0; g < 4; g++) {
            float d1 = scales.d * scales.scales[2 * g];
            float m1 = scales.dmin * scales.mins[2 * g];
            float d2 = scales.d * scales.scales[2 * g + 1];
            float m2 = scales.dmin * scales.mins[2 * g + 1];
            for (int l = 0; l < 32; l++) {
                int q = in.get() & 0xFF;
                int h = high[l] & 0xFF;
                out[at + 64 * g + l] = d1 * ((q & 0x0F) | ((h >>> (2 * g)) & 1) << 4) - m1;
                out[at + 64 * g + 32 + l] = d2 * ((q >>> 4) | ((h >>> (2 * g + 1)) & 1) << 4) - m2;
            }
        }
    }
}
