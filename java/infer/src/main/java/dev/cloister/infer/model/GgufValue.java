package dev.cloister.infer.model;

import dev.cloister.base.Bytes;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

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
    record Text(Bytes bytes) implements GgufValue {
        public Text {
            Objects.requireNonNull(bytes, "bytes");
        }

        public static Text of(String text) {
            return new Text(Bytes.of(text.getBytes(StandardCharsets.UTF_8)));
        }

        public String string() {
            return StandardCharsets.UTF_8.decode(bytes.asReadOnlyBuffer()).toString();
        }

        @Override
        public GgufType type() {
            return GgufType.STRING;
        }

        @Override
        public String toString() {
            return "Text[" + bytes.length() + " bytes]";
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
