package dev.cloister.infer.model.quant;

import java.nio.ByteBuffer;

/**
 * The scales of a {@code Q4_K} or {@code Q5_K} super-block: eight sub-blocks of 32 values, each with a 6-bit scale and a
 * 6-bit minimum, multiplied by the super-block's fp16 {@code d} and {@code dmin}; a value is {@code d * scale * q - dmin
 * * min}. The twelve bytes hold, for sub-block {@code j < 4}, the scale in the low six bits of byte {@code j} and the
 * minimum in those of byte {@code j + 4}; for {@code j >= 4}, the low four bits of the scale and of the minimum in byte
 * {@code j + 4} (low and high nibble), their top two bits in the top two bits of bytes {@code j - 4} and {@code j}.
 */
final class KScales {

    final float d;
    final float dmin;
    final int[] scales;
    final int[] mins;

    private KScales(float d, float dmin, int[] scales, int[] mins) {
        this.d = d;
        this.dmin = dmin;
        this.scales = scales;
        this.mins = mins;
    }

    /**
     * Chooses the scales for 256 values with {@code levels + 1} levels per value: each sub-block spans from {@code
     * min(0, its minimum)} to its maximum.
     */
    static KScales choose(float[] values, int from, int levels) {
        float[] scale = new float[8];
        float[] offset = new float[8];
        float maxScale = 0f;
        float maxOffset = 0f;
        for (int s = 0; s < 8; s++) {
            float min = 0f;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < 32; i++) {
                float v = values[from + 32 * s + i];
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            scale[s] = (max - min) / levels;
            offset[s] = -min;
            maxScale = Math.max(maxScale, scale[s]);
            maxOffset = Math.max(maxOffset, offset[s]);
        }
        float d = BlockFormat.asHalf(maxScale / 63f);
        float dmin = BlockFormat.asHalf(maxOffset / 63f);
        int[] scales = new int[8];
        int[] mins = new int[8];
        for (int s = 0; s < 8; s++) {
            scales[s] = d > 0f ? BlockFormat.clamp(BlockFormat.nearest(scale[s] / d), 0, 63) : 0;
            mins[s] = dmin > 0f ? BlockFormat.clamp(BlockFormat.nearest(offset[s] / dmin), 0, 63) : 0;
        }
        return new KScales(d, dmin, scales, mins);
    }

    /** The quantized level of value {@code v} of sub-block {@code s}, in [0, levels]. */
    int level(int s, float v, int levels) {
        float step = d * scales[s];
        if (step == 0f) {
            return 0;
        }
        return BlockFormat.clamp(BlockFormat.nearest((v + dmin * mins[s]) / step), 0, levels);
    }

    /** Writes {@code d}, {@code dmin} and the twelve scale bytes. */
    void write(ByteBuffer out) {
        out.putShort(Float.floatToFloat16(d));
        out.putShort(Float.floatToFloat16(dmin));
        byte[] packed = new byte[12];
        for (int j = 0; j < 4; j++) {
            packed[j] = (byte) (scales[j] | (scales[j + 4] >>> 4) << 6);
            packed[j + 4] = (byte) (mins[j] | (mins[j + 4] >>> 4) << 6);
            packed[j + 8] = (byte) ((scales[j + 4] & 0x0F) | (mins[j + 4] & 0x0F) << 4);
        }
        out.put(packed);
    }

    /** Reads {@code d}, {@code dmin} and the twelve scale bytes. */
    static KScales read(ByteBuffer in) {
        float d = Float.float16ToFloat(in.getShort());
        float dmin = Float.float16ToFloat(in.getShort());
        byte[] packed = new byte[12];
        in.get(packed);
        int[] scales = new int[8];
        int[] mins = new int[8];
        for (int j = 0; j < 4; j++) {
            scales[j] = packed[j] & 0x3F;
            mins[j] = packed[j + 4] & 0x3F;
            scales[j + 4] = (packed[j + 8] & 0x0F) | ((packed[j] & 0xFF) >>> 6) << 4;
            mins[j + 4] = ((packed[j + 8] & 0xFF) >>> 4) | ((packed[j + 4] & 0xFF) >>> 6) << 4;
        }
        return new KScales(d, dmin, scales, mins);
    }
}
