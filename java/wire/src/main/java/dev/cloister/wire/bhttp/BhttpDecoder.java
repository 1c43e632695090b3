package dev.cloister.wire.bhttp;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import dev.cloister.wire.Varint;
import dev.cloister.wire.bhttp.BhttpException.Reason;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads one Binary HTTP message (RFC 9292 §3) from a heap array without copying it. Every length is checked against
 * the bytes left and against {@link BhttpLimits} before anything is allocated for it; every failure is a
 * {@link BhttpException} that names the section, the field index and the byte offset, never the bytes.
 *
 * <p>Truncation (RFC 9292 §3.8): a message may end right after its (final) control data, after its header section
 * or after its content; the missing sections are empty. Ending anywhere else is {@link Reason#TRUNCATED}. What follows
 * the last section must be zero padding.
 */
final class BhttpDecoder {

    private static final byte[] NO_CONTENT = new byte[0];

    private static final String CONTROL_DATA = "control data";
    private static final String HEADER_SECTION = "header section";
    private static final String INFORMATIONAL_HEADER_SECTION = "informational response header section";
    private static final String CONTENT = "content";
    private static final String TRAILER_SECTION = "trailer section";
    private static final String PADDING = "padding";

    private final String kind;
    private final BhttpLimits limits;
    /** The message; position is the cursor, limit the end of the message or of the current known-length section. */
    private final ByteBuffer in;

    private final byte[] array;
    private final int base;

    private BhttpDecoder(String kind, ByteBuffer message, BhttpLimits limits) throws BhttpException {
        this.kind = kind;
        this.limits = limits;
        int size = message.remaining();
        if (size > limits.maxMessageSize()) {
            throw new BhttpException(
                    Reason.LIMIT_EXCEEDED,
                    "BHTTP " + kind + ", message at offset 0: " + size + " bytes exceed the limit of "
                            + limits.maxMessageSize());
        }
        if (message.hasArray()) {
            this.in = message.duplicate();
        } else {
            // A direct or read-only buffer: one copy, so that strings and content are taken from an array.
            byte[] copy = new byte[size];
            message.duplicate().get(copy);
            this.in = ByteBuffer.wrap(copy);
        }
        this.array = in.array();
        this.base = in.position();
    }

    /** RFC 9292 §3.1/§3.2 with request control data (§3.4). */
    static BinaryRequest decodeRequest(ByteBuffer message, BhttpLimits limits) throws BhttpException {
        BhttpDecoder d = new BhttpDecoder("request", message, limits);
        Framing framing = d.requestFraming();
        String method = d.controlString("method");
        String scheme = d.controlString("scheme");
        String authority = d.controlString("authority");
        String path = d.controlString("path");
        FieldSection headers = d.atEnd() ? FieldSection.EMPTY : d.fieldSection(framing, HEADER_SECTION);
        byte[] content = d.atEnd() ? NO_CONTENT : d.content(framing);
        FieldSection trailers = d.atEnd() ? FieldSection.EMPTY : d.fieldSection(framing, TRAILER_SECTION);
        int padding = d.padding();
        return new BinaryRequest(framing, method, scheme, authority, path, headers, content, trailers, padding);
    }

    /** RFC 9292 §3.1/§3.2 with informational responses (§3.5.1) and final response control data (§3.5). */
    static BinaryResponse decodeResponse(ByteBuffer message, BhttpLimits limits) throws BhttpException {
        BhttpDecoder d = new BhttpDecoder("response", message, limits);
        Framing framing = d.responseFraming();
        List<InformationalResponse> informational = List.of();
        int status;
        while (true) {
            long code = d.varint(CONTROL_DATA, -1);
            if (code >= 100 && code <= 199) {
                if (informational.size() >= limits.maxInformationalResponses()) {
                    throw d.error(
                            Reason.LIMIT_EXCEEDED,
                            CONTROL_DATA,
                            -1,
                            "more than " + limits.maxInformationalResponses() + " informational responses");
                }
                if (informational.isEmpty()) informational = new ArrayList<>(2);
                FieldSection headers = d.fieldSection(framing, INFORMATIONAL_HEADER_SECTION);
                informational.add(new InformationalResponse((int) code, headers));
            } else if (code >= 200 && code <= 599) {
                status = (int) code;
                break;
            } else {
                throw d.error(Reason.MALFORMED, CONTROL_DATA, -1, "status code " + code + " is outside 100..599");
            }
        }
        FieldSection headers = d.atEnd() ? FieldSection.EMPTY : d.fieldSection(framing, HEADER_SECTION);
        byte[] content = d.atEnd() ? NO_CONTENT : d.content(framing);
        FieldSection trailers = d.atEnd() ? FieldSection.EMPTY : d.fieldSection(framing, TRAILER_SECTION);
        int padding = d.padding();
        return new BinaryResponse(framing, informational, status, headers, content, trailers, padding);
    }

    /** The head of an indeterminate-length response: what {@link IndeterminateResponseReader} reads first. */
    record Head(List<InformationalResponse> informational, int status, FieldSection headers, int length) {}

    /**
     * Reads the head (framing indicator 3, informational responses, final status, header section) from the start of
     * {@code message}; {@link Reason#TRUNCATED} when more bytes are needed.
     */
    static Head indeterminateResponseHead(ByteBuffer message, BhttpLimits limits) throws BhttpException {
        BhttpDecoder d = new BhttpDecoder("response", message, limits);
        Framing framing = d.responseFraming();
        if (framing != Framing.INDETERMINATE_LENGTH) {
            throw new BhttpException(
                    Reason.MALFORMED,
                    "BHTTP response, framing indicator at offset 0: a streamed "
                            + "response must have indeterminate length");
        }
        List<InformationalResponse> informational = List.of();
        while (true) {
            long code = d.varint(CONTROL_DATA, -1);
            if (code >= 100 && code <= 199) {
                if (informational.size() >= limits.maxInformationalResponses()) {
                    throw d.error(
                            Reason.LIMIT_EXCEEDED,
                            CONTROL_DATA,
                            -1,
                            "more than " + limits.maxInformationalResponses() + " informational responses");
                }
                if (informational.isEmpty()) informational = new ArrayList<>(2);
                informational.add(
                        new InformationalResponse((int) code, d.fieldSection(framing, INFORMATIONAL_HEADER_SECTION)));
            } else if (code >= 200 && code <= 599) {
                FieldSection headers = d.fieldSection(framing, HEADER_SECTION);
                return new Head(informational, (int) code, headers, d.in.position() - d.base);
            } else {
                throw d.error(Reason.MALFORMED, CONTROL_DATA, -1, "status code " + code + " is outside 100..599");
            }
        }
    }

    /** The indeterminate-length trailer section at the start of {@code message}, and its length. */
    static Map.Entry<FieldSection, Integer> indeterminateTrailers(ByteBuffer message, BhttpLimits limits)
            throws BhttpException {
        BhttpDecoder d = new BhttpDecoder("response", message, limits);
        FieldSection trailers = d.fieldSection(Framing.INDETERMINATE_LENGTH, TRAILER_SECTION);
        return Map.entry(trailers, d.in.position() - d.base);
    }

    private Framing requestFraming() throws BhttpException {
        long indicator = varint("framing indicator", -1);
        if (indicator == 0) return Framing.KNOWN_LENGTH;
        if (indicator == 2) return Framing.INDETERMINATE_LENGTH;
        throw framingError(indicator, "a response");
    }

    private Framing responseFraming() throws BhttpException {
        long indicator = varint("framing indicator", -1);
        if (indicator == 1) return Framing.KNOWN_LENGTH;
        if (indicator == 3) return Framing.INDETERMINATE_LENGTH;
        throw framingError(indicator, "a request");
    }

    private BhttpException framingError(long indicator, String other) {
        String what = indicator <= 3
                ? "framing indicator " + indicator + " is for " + other
                : "unknown framing indicator " + indicator;
        return new BhttpException(Reason.MALFORMED, "BHTTP " + kind + ", framing indicator at offset 0: " + what);
    }

    /** One length-prefixed control-data value (RFC 9292 §3.4): the method a token, the others visible ASCII. */
    private String controlString(String name) throws BhttpException {
        long declared = varint(CONTROL_DATA, -1);
        int length = checkLength(declared, limits.maxFieldSectionSize(), CONTROL_DATA, -1, name);
        int at = index();
        boolean valid = name.equals("method")
                ? HttpSyntax.isToken(array, at, length)
                : HttpSyntax.badVisibleAsciiByte(array, at, length) < 0;
        if (!valid) {
            throw error(
                    Reason.MALFORMED,
                    CONTROL_DATA,
                    -1,
                    name + (name.equals("method") ? " is not a token" : " has a byte outside visible ASCII"));
        }
        return take(length);
    }

    private FieldSection fieldSection(Framing framing, String where) throws BhttpException {
        return framing == Framing.KNOWN_LENGTH ? knownLengthSection(where) : indeterminateLengthSection(where);
    }

    /** Known-Length Field Section (RFC 9292 §3.1): a length, then field lines that fill it exactly. */
    private FieldSection knownLengthSection(String where) throws BhttpException {
        long declared = varint(where, -1);
        int length = checkLength(declared, limits.maxFieldSectionSize(), where, -1, "section");
        int outerLimit = in.limit();
        int start = in.position();
        in.limit(start + length);
        ArrayList<Field> fields = new ArrayList<>(Math.min(length / 4 + 1, 16));
        while (in.hasRemaining()) {
            long nameLength = varint(where, fields.size());
            if (nameLength == 0) {
                throw error(Reason.MALFORMED, where, fields.size(), "field name is empty");
            }
            fields.add(fieldLine(nameLength, start, where, fields.size()));
        }
        in.limit(outerLimit);
        return FieldSection.owning(fields);
    }

    /** Indeterminate-Length Field Section (RFC 9292 §3.2): field lines, then a zero. */
    private FieldSection indeterminateLengthSection(String where) throws BhttpException {
        int start = in.position();
        ArrayList<Field> fields = new ArrayList<>();
        while (true) {
            long nameLength = varint(where, fields.size());
            if (nameLength == 0) {
                return FieldSection.owning(fields);
            }
            fields.add(fieldLine(nameLength, start, where, fields.size()));
        }
    }

    /** Field Line (RFC 9292 §3.6) after its Name Length, which is not zero. */
    private Field fieldLine(long nameLength, int sectionStart, String where, int index) throws BhttpException {
        if (index >= limits.maxFields()) {
            throw error(Reason.LIMIT_EXCEEDED, where, index, "more than " + limits.maxFields() + " fields");
        }
        int length = checkFieldBytes(nameLength, sectionStart, where, index, "name");
        int at = index();
        int bad = HttpSyntax.badFieldNameByte(array, at, length);
        if (bad >= 0) {
            String why = array[at] == ':'
                    ? "pseudo-field names are not allowed"
                    : (array[at + bad] >= 'A' && array[at + bad] <= 'Z')
                            ? "field name has an uppercase letter"
                            : "field name has a byte that is not a token character";
            throw error(Reason.MALFORMED, where, index, why + " (name byte " + bad + ")");
        }
        String name = take(length);
        long valueLength = varint(where, index);
        length = checkFieldBytes(valueLength, sectionStart, where, index, "value");
        at = index();
        bad = HttpSyntax.badFieldValueByte(array, at, length);
        if (bad >= 0) {
            throw error(
                    Reason.MALFORMED,
                    where,
                    index,
                    "field value has NUL, CR, LF or whitespace at an end" + " (value byte " + bad + ")");
        }
        return new Field(name, take(length));
    }

    private int checkFieldBytes(long declared, int sectionStart, String where, int index, String what)
            throws BhttpException {
        if (declared > in.remaining()) {
            throw error(
                    Reason.TRUNCATED,
                    where,
                    index,
                    what + " length " + declared + " exceeds the " + in.remaining() + " bytes left");
        }
        long sectionSize = in.position() - sectionStart + declared;
        if (sectionSize > limits.maxFieldSectionSize()) {
            throw error(
                    Reason.LIMIT_EXCEEDED,
                    where,
                    index,
                    "section grows past the limit of " + limits.maxFieldSectionSize() + " bytes");
        }
        return (int) declared;
    }

    private byte[] content(Framing framing) throws BhttpException {
        if (framing == Framing.KNOWN_LENGTH) {
            long declared = varint(CONTENT, -1);
            int length = checkLength(declared, limits.maxContentSize(), CONTENT, -1, "content");
            if (length == 0) return NO_CONTENT;
            byte[] content = new byte[length];
            in.get(content);
            return content;
        }
        // Indeterminate-Length Content: count the chunks first, then copy them into one array of the right size.
        int start = in.position();
        long total = 0;
        int chunks = 0;
        while (true) {
            long chunk = varint(CONTENT, chunks);
            if (chunk == 0) break;
            if (chunk > in.remaining()) {
                throw error(
                        Reason.TRUNCATED,
                        CONTENT,
                        chunks,
                        "chunk length " + chunk + " exceeds the " + in.remaining() + " bytes left");
            }
            if (total + chunk > limits.maxContentSize()) {
                throw error(
                        Reason.LIMIT_EXCEEDED,
                        CONTENT,
                        chunks,
                        "content grows past the limit of " + limits.maxContentSize() + " bytes");
            }
            total += chunk;
            chunks++;
            in.position(in.position() + (int) chunk);
        }
        if (total == 0) return NO_CONTENT;
        int end = in.position();
        byte[] content = new byte[(int) total];
        in.position(start);
        int filled = 0;
        for (int i = 0; i < chunks; i++) {
            int chunk = (int) varint(CONTENT, i);
            in.get(content, filled, chunk);
            filled += chunk;
        }
        in.position(end);
        return content;
    }

    /** Padding (RFC 9292 §3.8): whatever is left must be zero bytes. */
    private int padding() throws BhttpException {
        int at = index();
        int length = in.remaining();
        for (int i = 0; i < length; i++) {
            if (array[at + i] != 0) {
                in.position(in.position() + i);
                throw error(Reason.MALFORMED, PADDING, -1, "non-zero padding byte");
            }
        }
        return length;
    }

    private boolean atEnd() {
        return !in.hasRemaining();
    }

    /** Index of the cursor in {@link #array}. */
    private int index() {
        return in.arrayOffset() + in.position();
    }

    /** The next {@code length} bytes as ISO-8859-1 characters; the caller has checked them. */
    private String take(int length) {
        String s = new String(array, index(), length, ISO_8859_1);
        in.position(in.position() + length);
        return s;
    }

    private long varint(String where, int index) throws BhttpException {
        try {
            return Varint.decode(in);
        } catch (Varint.TruncatedInputException e) {
            throw error(Reason.TRUNCATED, where, index, "the input or section ends before a complete integer");
        }
    }

    private int checkLength(long declared, int limit, String where, int index, String what) throws BhttpException {
        if (declared > in.remaining()) {
            throw error(
                    Reason.TRUNCATED,
                    where,
                    index,
                    what + " length " + declared + " exceeds the " + in.remaining() + " bytes left");
        }
        if (declared > limit) {
            throw error(
                    Reason.LIMIT_EXCEEDED,
                    where,
                    index,
                    what + " length " + declared + " exceeds the limit of " + limit);
        }
        return (int) declared;
    }

    private BhttpException error(Reason reason, String where, int index, String what) {
        StringBuilder s =
                new StringBuilder(96).append("BHTTP ").append(kind).append(", ").append(where);
        if (index >= 0) {
            s.append(where.equals(CONTENT) ? ", chunk " : ", field ").append(index);
        }
        s.append(" at offset ").append(in.position() - base).append(": ").append(what);
        return new BhttpException(reason, s.toString());
    }
}
