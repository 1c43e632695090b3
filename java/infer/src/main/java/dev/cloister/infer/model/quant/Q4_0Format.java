package dev.cloister.infer.model.quant;

import dev.cloister.infer.model.GgmlType;
import java.nio.ByteBuffer;

/**
 * {@code Q4_0}: blocks of 32 values, {@code fp16 d; uint8 qs[16]}; value {@code j} (j < 16) is the low nibble of
 * {@code qs[j]}, value {@code j + 16} its high nibble, each {@code (q - 8) * d}. Encoding: the value of largest
 * magnitude maps to -8.
 */
public record Q4_0Format() implements BlockFormat {

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public void quantize(float[] values, int from, ByteBuffer out) {
        float d = BlockFormat.asHalf(BlockFormat.signedMaximum(values, from, 32) / -8f);
        float inverse = d != 0f ? 1f / d : 0f;
        out.putShort(Float.floatToFloat16(d));
        for (int j = 0; j < 16; j++) {
            int low = BlockFormat.clamp(BlockFormat.nearest(values[from + j] * inverse) + 8, 0, 15);
            int high = BlockFormat.clamp(BlockFormat.nearest(values[from + j + 16] * inverse) + 8, 0, 15);
            out.put((byte) (low | high << 4));
        }
    }

    @Override
    public void dequantize(ByteBuffer in, float[] out, int at) {
        float d = Float.float16ToFloat(in.getShort());
        for (int j = 0; j < 16; j++) {
            int q = in.get() & 0xFF;
            out[at + j] = ((q & 0x0F) - 8) * d;
            out[at + j + 16] = ((q >>> 4) - 8) * d;
        }
    }
}
