package dev.cloister.infer.model;

import dev.cloister.infer.model.quant.BlockFormat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads a tensor of a GGUF file as fp32 values (dequantizing every type that has a {@link BlockFormat}). Plain and
 * slow: for tests and tools.
 */
public final class GgufTensorData {

    private GgufTensorData() {}

    /**
     * Writes the tensor's values, in storage order, to {@code out[at..]}.
     *
     * @param file the whole file, from its first byte
     */
    public static void toFloats(GgufFile gguf, ByteBuffer file, GgufTensorInfo tensor, float[] out, int at) {
        long elements = tensor.elements();
        if (elements > out.length - (long) at || at < 0) {
            throw new IllegalArgumentException("tensor '" + tensor.name() + "' does not fit the output");
        }
        long start = gguf.dataOffset() + tensor.offset();
        ByteBuffer in = file.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (start + tensor.byteSize() > in.limit()) {
            throw new ModelFormatException("GGUF: tensor '" + tensor.name() + "' lies beyond the end of the file");
        }
        in.position((int) start);
        int n = (int) elements;
        switch (tensor.type()) {
            case F32 -> {
                for (int i = 0; i < n; i++) {
                    out[at + i] = in.getFloat();
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[at + i] = Float.float16ToFloat(in.getShort());
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out[at + i] = Float.intBitsToFloat((in.getShort() & 0xFFFF) << 16);
                }
            }
            case Q8_0 -> {
                for (int block = 0; block < n; block += 32) {
                    float scale = Float.float16ToFloat(in.getShort());
                    for (int i = 0; i < 32; i++) {
                        out[at + block + i] = scale * in.get();
                    }
                }
            }
            case Q4_0, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K -> BlockFormat.dequantize(tensor.type(), in, out, at, n);
            default -> throw new ModelFormatException("GGUF: reading " + tensor.type() + " tensors is not supported");
        }
    }
}
