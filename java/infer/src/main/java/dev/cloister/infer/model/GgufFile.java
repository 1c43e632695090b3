package dev.cloister.infer.model;

import dev.cloister.base.Bytes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The header of a GGUF (version 3) file: magic {@code GGUF}, version, tensor count, metadata count, the metadata
 * key-value pairs, then the tensor infos; the tensor data starts at the next multiple of {@code general.alignment}
 * (default 32). All little-endian. The reader is bounded: every count and length is checked against what remains of
 * the input (and against fixed limits) before anything is allocated for it, so a hostile file is refused, never
 * allowed to exhaust memory.
 *
 * @param version the format version (3)
 * @param metadata the key-value pairs, in file order
 * @param tensors the tensor infos, in file order
 * @param alignment the data alignment
 * @param dataOffset where the tensor data starts, from the start of the file
 * @param headerBytes where the header ends (before alignment padding)
 */
public record GgufFile(
        int version,
        Map<String, GgufValue> metadata,
        List<GgufTensorInfo> tensors,
        int alignment,
        long dataOffset,
        long headerBytes) {

    public static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
    public static final int VERSION = 3;
    public static final int DEFAULT_ALIGNMENT = 32;
    public static final int MAX_TENSORS = 1 << 16;
    public static final int MAX_METADATA = 1 << 16;
    public static final int MAX_ARRAY_ELEMENTS = 1 << 24;
    public static final int MAX_KEY_BYTES = 1024;
    public static final int MAX_STRING_BYTES = 16 << 20;
    public static final int MAX_DIMENSIONS = 4;
    private static final String ALIGNMENT_KEY = "general.alignment";

    public GgufFile {
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        tensors = List.copyOf(tensors);
    }

    /**
     * A header to write: version 3, the alignment that the metadata declares (or the default), and the offsets that
     * {@link #writeHeader()} will produce.
     */
    public static GgufFile of(Map<String, GgufValue> metadata, List<GgufTensorInfo> tensors) {
        int alignment =
                metadata.get(ALIGNMENT_KEY) instanceof GgufValue.Whole whole ? (int) whole.value() : DEFAULT_ALIGNMENT;
        GgufFile draft = new GgufFile(VERSION, metadata, tensors, alignment, 0, 0);
        return new GgufFile(VERSION, metadata, tensors, alignment, draft.writeHeader().length, draft.unpaddedLength());
    }

    private long unpaddedLength() {
        return writeUnpadded().size();
    }

    /** Reads the header of a GGUF file (memory-mapped; the header must lie within the first 2 GiB). */
    public static GgufFile open(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            ByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(size, Integer.MAX_VALUE));
            return read(map, size);
        } catch (IOException e) {
            throw new UncheckedIOException("reading GGUF file " + file.getFileName(), e);
        }
    }

    /** Reads a whole GGUF file held in memory. */
    public static GgufFile read(ByteBuffer file) {
        return read(file, file.remaining());
    }

    private static GgufFile read(ByteBuffer buffer, long fileSize) {
        Reader in = new Reader(buffer.slice().order(ByteOrder.LITTLE_ENDIAN));
        if (in.u32("magic") != MAGIC) {
            throw new ModelFormatException("GGUF: bad magic");
        }
        int version = in.u32("version");
        if (version != VERSION) {
            throw new ModelFormatException(
                    "GGUF: version " + Integer.toUnsignedString(version) + ", only " + VERSION + " is read");
        }
        long tensorCount = in.u64("tensor count");
        long metadataCount = in.u64("metadata count");
        if (tensorCount < 0 || tensorCount > MAX_TENSORS) {
            throw new ModelFormatException(
                    "GGUF: " + Long.toUnsignedString(tensorCount) + " tensors (at most " + MAX_TENSORS + ")");
        }
        if (metadataCount < 0 || metadataCount > MAX_METADATA) {
            throw new ModelFormatException("GGUF: " + Long.toUnsignedString(metadataCount)
                    + " metadata entries (at most " + MAX_METADATA + ")");
        }
        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        for (long i = 0; i < metadataCount; i++) {
            String key = in.key("metadata key " + i);
            GgufType type = GgufType.of(in.u32("type of " + key));
            GgufValue value = in.value(type, key);
            if (metadata.putIfAbsent(key, value) != null) {
                throw new ModelFormatException("GGUF: metadata key '" + key + "' appears twice");
            }
        }
        int alignment = DEFAULT_ALIGNMENT;
        GgufValue declared = metadata.get(ALIGNMENT_KEY);
        if (declared != null) {
            if (!(declared instanceof GgufValue.Whole whole)
                    || whole.type() != GgufType.UINT32
                    || whole.value() <= 0
                    || Long.bitCount(whole.value()) != 1
                    || whole.value() > 1 << 20) {
                throw new ModelFormatException("GGUF: general.alignment must be a uint32 power of two up to 2^20");
            }
            alignment = (int) whole.value();
        }
        List<GgufTensorInfo> tensors = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            GgufTensorInfo tensor = in.tensor(i);
            if (!names.add(tensor.name())) {
                throw new ModelFormatException("GGUF: tensor '" + tensor.name() + "' appears twice");
            }
            if (tensor.offset() % alignment != 0) {
                throw new ModelFormatException("GGUF: tensor '" + tensor.name() + "' is not aligned to " + alignment);
            }
            tensors.add(tensor);
        }
        long headerBytes = in.position();
        long dataOffset = (headerBytes + alignment - 1) / alignment * alignment;
        long dataBytes = fileSize - dataOffset;
        for (GgufTensorInfo tensor : tensors) {
            if (tensorCount > 0
                    && (dataBytes < 0
                            || tensor.offset() > dataBytes
                            || tensor.byteSize() > dataBytes - tensor.offset())) {
                throw new ModelFormatException("GGUF: tensor '" + tensor.name() + "' lies beyond the end of the file");
            }
        }
        return new GgufFile(version, metadata, tensors, alignment, dataOffset, headerBytes);
    }

    /** The value of a key, if present. */
    public Optional<GgufValue> get(String key) {
        return Optional.ofNullable(metadata.get(key));
    }

    /** A string value; absent or of another type is an error naming the key. */
    public String string(String key) {
        if (metadata.get(key) instanceof GgufValue.Text text) {
            return text.string();
        }
        throw new ModelFormatException("GGUF: '" + key + "' is missing or not a string");
    }

    /** An array value of the given element type; absent or of another type is an error naming the key. */
    public List<GgufValue> array(String key, GgufType elementType) {
        if (metadata.get(key) instanceof GgufValue.Array array && array.elementType() == elementType) {
            return array.values();
        }
        throw new ModelFormatException("GGUF: '" + key + "' is missing or not an array of " + elementType);
    }

    /** Bounded little-endian reads over the header. */
    private static final class Reader {
        private final ByteBuffer in;

        Reader(ByteBuffer in) {
            this.in = in;
        }

        long position() {
            return in.position();
        }

        private void need(long bytes, String what) {
            if (bytes < 0 || bytes > in.remaining()) {
                throw new ModelFormatException("GGUF: truncated in " + what);
            }
        }

        int u32(String what) {
            need(4, what);
            return in.getInt();
        }

        long u64(String what) {
            need(8, what);
            return in.getLong();
        }

        byte[] bytes(long length, int limit, String what) {
            if (length < 0 || length > limit) {
                throw new ModelFormatException(
                        "GGUF: " + what + " of " + Long.toUnsignedString(length) + " bytes (at most " + limit + ")");
            }
            need(length, what);
            byte[] out = new byte[(int) length];
            in.get(out);
            return out;
        }

        String key(String what) {
            return utf8(bytes(u64(what), MAX_KEY_BYTES, what), what);
        }

        /** Keys and tensor names are UTF-8 (GGUF spec); malformed bytes are refused, not replaced. */
        static String utf8(byte[] bytes, String what) {
            try {
                return StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes))
                        .toString();
            } catch (CharacterCodingException e) {
                throw new ModelFormatException("GGUF: " + what + " is not valid UTF-8");
            }
        }

        GgufValue value(GgufType type, String key) {
            return switch (type) {
                case ARRAY -> array(key);
                default -> scalar(type, key);
            };
        }

        GgufValue scalar(GgufType type, String key) {
            need(type == GgufType.STRING ? 8 : type.minimumBytes(), key);
            return switch (type) {
                case UINT8 -> new GgufValue.Whole(type, in.get() & 0xFFL);
                case INT8 -> new GgufValue.Whole(type, in.get());
                case UINT16 -> new GgufValue.Whole(type, in.getShort() & 0xFFFFL);
                case INT16 -> new GgufValue.Whole(type, in.getShort());
                case UINT32 -> new GgufValue.Whole(type, in.getInt() & 0xFFFFFFFFL);
                case INT32 -> new GgufValue.Whole(type, in.getInt());
                case UINT64, INT64 -> new GgufValue.Whole(type, in.getLong());
                case FLOAT32 -> new GgufValue.Real(type, in.getFloat());
                case FLOAT64 -> new GgufValue.Real(type, in.getDouble());
                case BOOL -> {
                    byte b = in.get();
                    if (b != 0 && b != 1) {
                        throw new ModelFormatException("GGUF: '" + key + "' is a bool of value " + (b & 0xFF));
                    }
                    yield new GgufValue.Bool(b == 1);
                }
                case STRING -> new GgufValue.Text(Bytes.of(bytes(in.getLong(), MAX_STRING_BYTES, key)));
                case ARRAY -> throw new ModelFormatException("GGUF: '" + key + "' nests arrays");
            };
        }

        GgufValue array(String key) {
            GgufType elementType = GgufType.of(u32("element type of " + key));
            if (elementType == GgufType.ARRAY) {
                throw new ModelFormatException("GGUF: '" + key + "' nests arrays");
            }
            long count = u64("length of " + key);
            if (count < 0 || count > MAX_ARRAY_ELEMENTS || count > in.remaining() / elementType.minimumBytes()) {
                throw new ModelFormatException("GGUF: '" + key + "' claims " + Long.toUnsignedString(count)
                        + " elements, more than the file can hold");
            }
            List<GgufValue> values = new ArrayList<>((int) count);
            for (long i = 0; i < count; i++) {
                values.add(scalar(elementType, key));
            }
            return new GgufValue.Array(elementType, values);
        }

        GgufTensorInfo tensor(long index) {
            String what = "tensor info " + index;
            String name = utf8(bytes(u64(what), MAX_KEY_BYTES, what), what);
            int dimensions = u32(what);
            if (dimensions < 1 || dimensions > MAX_DIMENSIONS) {
                throw new ModelFormatException("GGUF: tensor '" + name + "' has " + Integer.toUnsignedString(dimensions)
                        + " dimensions (1.." + MAX_DIMENSIONS + ")");
            }
            long[] shape = new long[dimensions];
            long elements = 1;
            for (int d = 0; d < dimensions; d++) {
                shape[d] = u64(what);
                if (shape[d] < 1) {
                    throw new ModelFormatException("GGUF: tensor '" + name + "' has an empty or huge dimension");
                }
                try {
                    elements = Math.multiplyExact(elements, shape[d]);
                } catch (ArithmeticException e) {
                    throw new ModelFormatException("GGUF: tensor '" + name + "' has too many elements", e);
                }
            }
            GgmlType type = GgmlType.of(u32(what));
            if (shape[0] % type.blockElements() != 0) {
                throw new ModelFormatException("GGUF: tensor '" + name + "' row of " + shape[0]
                        + " is not a whole number of " + type + " blocks");
            }
            long offset = u64(what);
            if (offset < 0) {
                throw new ModelFormatException("GGUF: tensor '" + name + "' has a huge offset");
            }
            GgufTensorInfo tensor = new GgufTensorInfo(name, shape, type, offset);
            try {
                tensor.byteSize();
            } catch (ArithmeticException e) {
                throw new ModelFormatException("GGUF: tensor '" + name + "' is too large", e);
            }
            return tensor;
        }
    }

    /** Writes the header as the reader reads it, padded to the alignment (tensor data then follows). */
    public byte[] writeHeader() {
        ByteArrayOutputStream out = writeUnpadded();
        int padding = (int) ((alignment - out.size() % alignment) % alignment);
        out.writeBytes(new byte[padding]);
        return out.toByteArray();
    }

    private ByteArrayOutputStream writeUnpadded() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Writer w = new Writer(out);
        w.u32(MAGIC);
        w.u32(version);
        w.u64(tensors.size());
        w.u64(metadata.size());
        for (Map.Entry<String, GgufValue> entry : metadata.entrySet()) {
            w.bytes(entry.getKey().getBytes(StandardCharsets.UTF_8));
            w.u32(entry.getValue().type().code());
            w.value(entry.getValue());
        }
        for (GgufTensorInfo tensor : tensors) {
            w.bytes(tensor.name().getBytes(StandardCharsets.UTF_8));
            long[] shape = tensor.dimensions();
            w.u32(shape.length);
            for (long d : shape) {
                w.u64(d);
            }
            w.u32(tensor.type().code());
            w.u64(tensor.offset());
        }
        return out;
    }

    private static final class Writer {
        private final ByteArrayOutputStream out;
        private final ByteBuffer word = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        Writer(ByteArrayOutputStream out) {
            this.out = out;
        }

        void u32(int value) {
            out.write(word.putInt(0, value).array(), 0, 4);
        }

        void u64(long value) {
            out.write(word.putLong(0, value).array(), 0, 8);
        }

        void bytes(byte[] bytes) {
            u64(bytes.length);
            out.writeBytes(bytes);
        }

        void value(GgufValue value) {
            switch (value) {
                case GgufValue.Whole whole -> {
                    switch (whole.type()) {
                        case UINT8, INT8 -> out.write((int) whole.value());
                        case UINT16, INT16 ->
                            out.write(word.putShort(0, (short) whole.value()).array(), 0, 2);
                        case UINT32, INT32 -> u32((int) whole.value());
                        default -> u64(whole.value());
                    }
                }
                case GgufValue.Real real -> {
                    if (real.type() == GgufType.FLOAT32) {
                        out.write(word.putFloat(0, (float) real.value()).array(), 0, 4);
                    } else {
                        out.write(word.putDouble(0, real.value()).array(), 0, 8);
                    }
                }
                case GgufValue.Bool bool -> out.write(bool.value() ? 1 : 0);
                case GgufValue.Text text -> bytes(text.bytes().toByteArray());
                case GgufValue.Array array -> {
                    u32(array.elementType().code());
                    u64(array.values().size());
                    for (GgufValue element : array.values()) {
                        value(element);
                    }
                }
            }
        }
    }

    @Override
    public String toString() {
        return "GgufFile[v" + version + ", " + metadata.size() + " metadata, " + tensors.size() + " tensors]";
    }
}
