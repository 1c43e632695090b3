package dev.cloister.infer.model;

import java.util.Arrays;

/**
 * Where a tensor is in a GGUF file.
 *
 * @param name the tensor's name (such as {@code blk.0.attn_q.weight})
 * @param dimensions its shape, innermost (contiguous) dimension first, as GGML orders them
 * @param type its element type
 * @param offset its first byte, relative to the start of the tensor data
 */
public record GgufTensorInfo(String name, long[] dimensions, GgmlType type, long offset) {

    public GgufTensorInfo {
        dimensions = dimensions.clone();
    }

    @Override
    public long[] dimensions() {
        return dimensions.clone();
    }

    public long elements() {
        long count = 1;
        for (long d : dimensions) {
            count = Math.multiplyExact(count, d);
        }
        return count;
    }

    /** Bytes of data: whole blocks of the innermost dimension, times the others. */
    public long byteSize() {
        return Math.multiplyExact(elements() / type.blockElements(), type.blockBytes());
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof GgufTensorInfo t
                && name.equals(t.name)
                && Arrays.equals(dimensions, t.dimensions)
                && type == t.type
                && offset == t.offset;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(dimensions);
    }

    @Override
    public String toString() {
        return "GgufTensorInfo[" + name + " " + Arrays.toString(dimensions) + " " + type + " @" + offset + "]";
    }
}
