package dev.cloister.infer.model;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/** A GGUF metadata value. */
public sealed interface GgufValue {

    GgufType type();

    /**
     * An integer of any width; {@code UINT64} values above {@link Long#MAX_VALUE} are kept as their two's-complement
     * bits.
     */
    record Whole(GgufType type, long value) implements GgufValue {
        public Whole {
            if (type != GgufType.UINT8
                    && type != GgufType.INT8
                    && type != GgufType.UINT16
                    && type != GgufType.INT16
                    && type != GgufType.UINT32
                    && type != GgufType.INT32
                    && type != GgufType.UINT64
                    && type != GgufType.INT64) {
                throw new IllegalArgumentException("not an integer type: " + type);
            }
        }
    }

    /** A FLOAT32 or FLOAT64. */
    record Real(GgufType type, double value) implements GgufValue {
        public Real {
            if (type != GgufType.FLOAT32 && type != GgufType.FLOAT64) {
                throw new IllegalArgumentException("not a floating-point type: " + type);
            }
        }
    }

    record Bool(boolean value) implements GgufValue {
        @Override
        public GgufType type() {
            return GgufType.BOOL;
        }
    }

    /** A string: the file's bytes (meant to be UTF-8, kept exactly as stored). */
    record Text(byte[] bytes) implements GgufValue {
        public Text {
            bytes = bytes.clone();
        }

        public static Text of(String text) {
            return new Text(text.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        byte[] bytesUnsafe() {
            return bytes;
        }

        public String string() {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        @Override
        public GgufType type() {
            return GgufType.STRING;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Text t && Arrays.equals(bytes, t.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Text[" + bytes.length + " bytes]";
        }
    }

    /** An array of values of one type (never of arrays: the reader refuses nesting). */
    record Array(GgufType elementType, List<GgufValue> values) implements GgufValue {
        public Array {
            if (elementType == GgufType.ARRAY) {
                throw new IllegalArgumentException("nested GGUF arrays are not supported");
            }
            values = List.copyOf(values);
            for (GgufValue value : values) {
                if (value.type() != elementType) {
                    throw new IllegalArgumentException("array of " + elementType + " holds a " + value.type());
                }
            }
        }

        @Override
        public GgufType type() {
            return GgufType.ARRAY;
        }

        @Override
        public String toString() {
            return "Array[" + elementType + " x " + values.size() + "]";
        }
    }
}
