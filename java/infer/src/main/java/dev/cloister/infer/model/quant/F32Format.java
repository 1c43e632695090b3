package dev.cloister.infer.model.quant;

import dev.cloister.infer.model.GgmlType;
import java.nio.ByteBuffer;

/** {@code F32}: IEEE 754 binary32, one value per "block". */
public record F32Format() implements BlockFormat {

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public void quantize(float[] values, int from, ByteBuffer out) {
        out.putFloat(values[from]);
    }

    @Override
    public void dequantize(ByteBuffer in, float[] out, int at) {
        out[at] = in.getFloat();
    }
}
