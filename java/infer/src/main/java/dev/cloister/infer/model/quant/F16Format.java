package dev.cloister.infer.model.quant;

import dev.cloister.infer.model.GgmlType;
import java.nio.ByteBuffer;

/** {@code F16}: IEEE 754 binary16 (round to nearest even), one value per "block". */
public record F16Format() implements BlockFormat {

    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    public void quantize(float[] values, int from, ByteBuffer out) {
        out.putShort(Float.floatToFloat16(values[from]));
    }

    @Override
    public void dequantize(ByteBuffer in, float[] out, int at) {
        out[at] = Float.float16ToFloat(in.getShort());
    }
}
