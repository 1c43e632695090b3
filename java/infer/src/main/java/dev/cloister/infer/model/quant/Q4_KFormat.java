package dev.cloister.infer.model.quant;

import dev.cloister.infer.model.GgmlType;
import java.nio.ByteBuffer;

/**
 * {@code Q4_K}: super-blocks of 256 values, {@code fp16 d; fp16 dmin; uint8 scales[12]; uint8 qs[128]} (scales as
 * {@link KScales}). The values come in four groups of 64: byte {@code l} of group {@code g}'s 32 bytes holds value
 * {@code 64g + l} in its low nibble and value {@code 64g + 32 + l} in its high nibble.
 */
public record Q4_KFormat() implements BlockFormat {

    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    @Override
    public void quantize(float[] values, int from, ByteBuffer out) {
        KScales scales = KScales.choose(values, from, 15);
        scales.write(out);
        for (int g = 0; g < 4; g++) {
            for (int l = 0; l < 32; l++) {
                int low = scales.level(2 * g, values[from + 64 * g + l], 15);
                int high = scales.level(2 * g + 1, values[from + 64 * g + 32 + l], 15);
                out.put((byte) (low | high << 4));
            }
        }
    }

    @Override
    public void dequantize(ByteBuffer in, float[] out, int at) {
        KScales scales = KScales.read(in);
        for (int g = 0; g < 4; g++) {
            float d1 = scales.d * scales.scales[2 * g];
            float m1 = scales.dmin * scales.mins[2 * g];
            float d2 = scales.d * scales.scales[2 * g + 1];
            float m2 = scales.dmin * scales.mins[2 * g + 1];
            for (int l = 0; l < 32; l++) {
                int q = in.get() & 0xFF;
                out[at + 64 * g + l] = d1 * (q & 0x0F) - m1;
                out[at + 64 * g + 32 + l] = d2 * (q >>> 4) - m2;
            }
        }
    }
}
