package dev.cloister.infer.model.quant;

import dev.cloister.infer.model.GgmlType;
import java.nio.ByteBuffer;

/**
 * {@code Q8_0}: blocks of 32 values, {@code fp16 d; int8 q[32]}; a value is {@code q * d}. Encoding: {@code d} is the
 * largest magnitude over 127.
 */
public record Q8_0Format() implements BlockFormat {

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public void quantize(float[] values, int from, ByteBuffer out) {
        float max = Math.abs(BlockFormat.signedMaximum(values, from, 32));
        float d = BlockFormat.asHalf(max / 127f);
        float inverse = d != 0f ? 1f / d : 0f;
        out.putShort(Float.floatToFloat16(d));
        for (int i = 0; i < 32; i++) {
            out.put((byte) BlockFormat.clamp(BlockFormat.nearest(values[from + i] * inverse), -127, 127));
        }
    }

    @Override
    public void dequantize(ByteBuffer in, float[] out, int at) {
        float d = Float.float16ToFloat(in.getShort());
        for (int i = 0; i < 32; i++) {
            out[at + i] = in.get() * d;
        }
    }
}
