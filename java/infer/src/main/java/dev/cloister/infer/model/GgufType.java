package dev.cloister.infer.model;

/** The types of GGUF metadata values, with their numbers in the file. */
public enum GgufType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    STRING(8, 8),
    ARRAY(9, 12),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private final int code;
    private final int minimumBytes;

    GgufType(int code, int minimumBytes) {
        this.code = code;
        this.minimumBytes = minimumBytes;
    }

    public int code() {
        return code;
    }

    /** The fewest bytes a value of this type takes (a string's or array's header, a number's width). */
    int minimumBytes() {
        return minimumBytes;
    }

    static GgufType of(int code) {
        for (GgufType type : values()) {
            if (type.code == code) {
                return type;
            }
        }
        throw new ModelFormatException("GGUF: unknown value type " + Integer.toUnsignedString(code));
    }
}
