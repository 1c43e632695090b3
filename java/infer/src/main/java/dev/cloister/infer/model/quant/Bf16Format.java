package dev.cloister.infer.model.quant;

import dev.cloister.infer.model.GgmlType;
import java.nio.ByteBuffer;

/** {@code BF16}: the top 16 bits of a binary32, rounded to nearest even (a NaN stays a quiet NaN). */
public record Bf16Format() implements BlockFormat {

    @Override
    public GgmlType type() {
        return GgmlType.BF16;
    }

    @Override
    public void quantize(float[] values, int from, ByteBuffer out) {
        int bits = Float.floatToRawIntBits(values[from]);
        if (Float.isNaN(values[from])) {
            out.putShort((short) ((bits >>> 16) | 0x40));
        } else {
            out.putShort((short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16));
        }
    }

    @Override
    public void dequantize(ByteBuffer in, float[] out, int at) {
        out[at] = Float.intBitsToFloat((in.getShort() & 0xFFFF) << 16);
    }
}
