package dev.cloister.infer.model.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.infer.model.GgmlType;
import dev.cloister.testing.Vectors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BlockFormatTest {

    /**
     * Round trip of 16 super-blocks of normal values (one block with an outlier 20 standard deviations out, one all
     * zero): the root-mean-square error, relative to the values' own, stays below what the type's bits allow. The
     * bounds are 1.3 times what this quantizer measured on these values (F16 1.96e-4, BF16 1.54e-3, Q8_0 6.16e-3, Q6_K
     * 2.03e-2, Q5_1 3.93e-2, Q5_K 3.97e-2, Q5_0 5.10e-2, Q4_K 8.18e-2, Q4_0 0.102: round to nearest without llama.cpp's
     * search for better scales); each value's error also stays within one quantization step of its block.
     */
    @Test
    void roundTripStaysWithinTheTypesError() {
        for (GgmlType type : CODECS) {
            roundTrip(type);
        }
    }

    private static final GgmlType[] CODECS = {
        GgmlType.F32,
        GgmlType.F16,
        GgmlType.BF16,
        GgmlType.Q8_0,
        GgmlType.Q4_0,
        GgmlType.Q5_0,
        GgmlType.Q5_1,
        GgmlType.Q4_K,
        GgmlType.Q5_K,
        GgmlType.Q6_K
    };

    private static void roundTrip(GgmlType type) {
        float[] values = new float[16 * 256];
        Random random = new Random(7);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        values[3 * 256 + 17] = 20f;
        java.util.Arrays.fill(values, 5 * 256, 6 * 256, 0f);
        byte[] bytes = BlockFormat.quantizeRow(type, values);
        assertEquals(values.length / type.blockElements() * type.blockBytes(), bytes.length);
        float[] back = new float[values.length];
        BlockFormat.dequantize(type, ByteBuffer.wrap(bytes), back, 0, values.length);
        double error = 0;
        double energy = 0;
        for (int i = 0; i < values.length; i++) {
            error += (back[i] - values[i]) * (double) (back[i] - values[i]);
            energy += values[i] * (double) values[i];
        }
        double relative = Math.sqrt(error / energy);
        assertTrue(relative <= bound(type), type + ": relative rms error " + relative);
        for (int i = 5 * 256; i < 6 * 256; i++) {
            assertEquals(0f, back[i], 0f, "a zero block decodes to zeros");
        }
        for (int block = 0; block < values.length; block += type.blockElements()) {
            float max = 0;
            for (int i = block; i < block + type.blockElements(); i++) {
                max = Math.max(max, Math.abs(values[i]));
            }
            for (int i = block; i < block + type.blockElements(); i++) {
                assertTrue(
                        Math.abs(back[i] - values[i]) <= step(type) * max + 1e-6f,
                        type + " value " + i + ": " + values[i] + " came back as " + back[i]);
            }
        }
    }

    private static double bound(GgmlType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 2.6e-4;
            case BF16 -> 2e-3;
            case Q8_0 -> 8e-3;
            case Q6_K -> 2.7e-2;
            case Q5_1, Q5_K -> 5.2e-2;
            case Q5_0 -> 6.6e-2;
            case Q4_K -> 0.107;
            case Q4_0 -> 0.133;
            default -> throw new IllegalArgumentException();
        };
    }

    /** The largest error of one value as a fraction of its block's largest magnitude. */
    private static float step(GgmlType type) {
        return switch (type) {
            case F32 -> 0f;
            case F16 -> 1e-3f;
            case BF16 -> 4e-3f;
            case Q8_0 -> 1f / 127;
            case Q6_K -> 1f / 16;
            case Q5_0, Q5_1 -> 1f / 16;
            case Q5_K -> 1f / 8;
            case Q4_0 -> 1f / 8;
            case Q4_K -> 1f / 4;
            default -> throw new IllegalArgumentException();
        };
    }

    /** Hand-made blocks decode where the format says each bit lives. */
    @Test
    void bitsDecodeWhereTheFormatPutsThem() {
        // Q4_0: d = 1.0; qs[0] = 0x9A: value 0 is 0xA - 8, value 16 is 0x9 - 8
        float[] q40 = decode(GgmlType.Q4_0, block(GgmlType.Q4_0, 0, 0x00, 1, 0x3C, 2, 0x9A));
        assertEquals(2f, q40[0]);
        assertEquals(1f, q40[16]);
        assertEquals(-8f, q40[1]);
        // Q5_0: d = 1.0; qh bit 17 set, qs[1] = 0x3F: value 1 is 0xF - 16, value 17 is (0x3 | 16) - 16
        float[] q50 = decode(GgmlType.Q5_0, block(GgmlType.Q5_0, 1, 0x3C, 4, 0x02, 7, 0x3F));
        assertEquals(-1f, q50[1]);
        assertEquals(3f, q50[17]);
        // Q5_1: d = 1.0, m = -16.0 (0xCC00); same bits as above
        float[] q51 = decode(GgmlType.Q5_1, block(GgmlType.Q5_1, 1, 0x3C, 2, 0x00, 3, 0xCC, 6, 0x02, 9, 0x3F));
        assertEquals(-1f, q51[1]);
        assertEquals(3f, q51[17]);
        // Q4_K: d = 1.0, dmin = 1.0; sub-block 5's scale = 2 (low nibble of byte 9 = 2, top bits in byte 1 = 0) and
        // min = 3 (high nibble of byte 9); qs byte 32*2 + 4 = 0x70: value 64*2 + 32 + 4 = 164 (sub-block 5) is 2*7 - 3
        float[] q4k = decode(GgmlType.Q4_K, block(GgmlType.Q4_K, 1, 0x3C, 3, 0x3C, 4 + 9, 0x32, 16 + 68, 0x70));
        assertEquals(11f, q4k[164]);
        assertEquals(-3f, q4k[64 * 2 + 32 + 5]);
        assertEquals(0f, q4k[0]);
        // Q5_K: as Q4_K, plus qh[4] bit 5 (fifth bit of value 64*2 + 32 + 4): 2*(7 + 16) - 3
        float[] q5k =
                decode(GgmlType.Q5_K, block(GgmlType.Q5_K, 1, 0x3C, 3, 0x3C, 4 + 9, 0x32, 16 + 4, 0x20, 48 + 68, 0x70));
        assertEquals(43f, q5k[164]);
        // Q6_K: d = 1.0 (bytes 208-209); scales[11] = -2 (byte 192 + 11); value 128 + 48 + 2 is q2 of l = 18 in the
        // second half: low nibble of ql[64 + 18 + 32], bits 2-3 of qh[32 + 18]
        float[] q6k = decode(
                GgmlType.Q6_K, block(GgmlType.Q6_K, 209, 0x3C, 192 + 11, 0xFE, 64 + 50, 0x05, 128 + 32 + 18, 0x0C));
        assertEquals(-2f * ((5 | 3 << 4) - 32), q6k[128 + 50]);
        assertEquals(-2f * -32, q6k[128 + 49]);
        // Q8_0: d = 0.5 (0x3800), q[3] = -4
        float[] q80 = decode(GgmlType.Q8_0, block(GgmlType.Q8_0, 1, 0x38, 5, 0xFC));
        assertEquals(-2f, q80[3]);
        // BF16 and F16 of 1.5
        assertEquals(1.5f, decode(GgmlType.BF16, block(GgmlType.BF16, 0, 0xC0, 1, 0x3F))[0]);
        assertEquals(1.5f, decode(GgmlType.F16, block(GgmlType.F16, 1, 0x3E))[0]);
    }

    @Test
    void bfloat16RoundsToNearestEvenAndKeepsNan() {
        assertArrayEquals(
                new byte[] {(byte) 0x80, 0x3F},
                BlockFormat.quantizeRow(GgmlType.BF16, new float[] {Float.intBitsToFloat(0x3F808000)}));
        assertArrayEquals(
                new byte[] {(byte) 0x82, 0x3F},
                BlockFormat.quantizeRow(GgmlType.BF16, new float[] {Float.intBitsToFloat(0x3F818000)}));
        byte[] nan = BlockFormat.quantizeRow(GgmlType.BF16, new float[] {Float.NaN});
        assertTrue(Float.isNaN(decode(GgmlType.BF16, nan)[0]));
    }

    @Test
    void typesWithoutACodecAndPartialBlocksAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> BlockFormat.of(GgmlType.Q2_K));
        assertThrows(IllegalArgumentException.class, () -> BlockFormat.of(GgmlType.I32));
        assertThrows(IllegalArgumentException.class, () -> BlockFormat.quantizeRow(GgmlType.Q4_K, new float[128]));
        assertThrows(
                IllegalArgumentException.class,
                () -> BlockFormat.dequantize(GgmlType.Q8_0, ByteBuffer.allocate(64), new float[64], 0, 48));
    }

    /**
     * llama.cpp's own encoder ({@code ggml_quantize_chunk}) wrote 1024 values in each type, and its decoder turned them
     * back into floats (testdata/vectors/llama-cpp-models, made by native/reference/llama-logits/make-fixtures.sh): these
     * decoders read the same bytes to the same floats, bit for bit. With the round trip above, this shows that
     * llama.cpp reads what these encoders write.
     */
    @Test
    void decodesWhatLlamaCppEncodesToTheSameFloats() throws IOException {
        Path dir = Vectors.dir("llama-cpp-models").resolve("quant");
        String[] names = {"f16", "bf16", "q8_0", "q4_0", "q5_0", "q5_1", "q4_K", "q5_K", "q6_K"};
        GgmlType[] types = {
            GgmlType.F16,
            GgmlType.BF16,
            GgmlType.Q8_0,
            GgmlType.Q4_0,
            GgmlType.Q5_0,
            GgmlType.Q5_1,
            GgmlType.Q4_K,
            GgmlType.Q5_K,
            GgmlType.Q6_K
        };
        for (int t = 0; t < names.length; t++) {
            byte[] blocks = Files.readAllBytes(dir.resolve(names[t] + ".blocks"));
            FloatBuffer expected = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(names[t] + ".floats")))
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer();
            assertEquals(1024, expected.remaining());
            assertEquals(1024 / types[t].blockElements() * types[t].blockBytes(), blocks.length);
            float[] actual = new float[1024];
            BlockFormat.dequantize(types[t], ByteBuffer.wrap(blocks), actual, 0, 1024);
            for (int i = 0; i < 1024; i++) {
                assertEquals(expected.get(i), actual[i], names[t] + " value " + i);
            }
        }
    }

    /** One block of the type, zero but for the given (offset, byte) pairs. */
    private static byte[] block(GgmlType type, int... offsetsAndBytes) {
        byte[] block = new byte[type.blockBytes()];
        for (int i = 0; i < offsetsAndBytes.length; i += 2) {
            block[offsetsAndBytes[i]] = (byte) offsetsAndBytes[i + 1];
        }
        return block;
    }

    private static float[] decode(GgmlType type, byte[] block) {
        float[] out = new float[type.blockElements()];
        BlockFormat.dequantize(type, ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN), out, 0, out.length);
        return out;
    }
}
