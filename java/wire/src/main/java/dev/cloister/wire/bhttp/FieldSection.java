package dev.cloister.wire.bhttp;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A header or trailer section: an ordered, immutable list of field lines (RFC 9292 §3.6). Repeated names are kept as
 * separate lines, in order (RFC 9110 §5.2); nothing is combined.
 *
 * <p>{@link #toString()} lists the field names, never the values.
 */
public final class FieldSection {

    /** The section with no fields. */
    public static final FieldSection EMPTY = new FieldSection(List.of());

    private final List<Field> fields;
    /** Sum of {@link Field#encodedLength()}: the Length of a known-length field section (RFC 9292 §3.1). */
    private final long encodedLength;

    private FieldSection(List<Field> fields) {
        this.fields = fields;
        long length = 0;
        for (Field field : fields) {
            length += field.encodedLength();
        }
        this.encodedLength = length;
    }

    /**
     * A section from alternating names and values: {@code of("content-type", "text/plain", "accept", "*}{@code /*")}.
     *
     * @throws IllegalArgumentException when the count is odd or a name or value is invalid (see {@link Field})
     */
    public static FieldSection of(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("names and values must come in pairs, got " + namesAndValues.length);
        }
        if (namesAndValues.length == 0) {
            return EMPTY;
        }
        List<Field> fields = new ArrayList<>(namesAndValues.length / 2);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            fields.add(new Field(namesAndValues[i], namesAndValues[i + 1]));
        }
        return new FieldSection(Collections.unmodifiableList(fields));
    }

    /** A section holding a copy of {@code fields}, in order. */
    public static FieldSection of(List<Field> fields) {
        return fields.isEmpty() ? EMPTY : new FieldSection(List.copyOf(fields));
    }

    /** Takes ownership of a list that the decoder built and no one else holds. */
    static FieldSection owning(ArrayList<Field> fields) {
        return fields.isEmpty() ? EMPTY : new FieldSection(Collections.unmodifiableList(fields));
    }

    /** The field lines, in order; unmodifiable. */
    public List<Field> fields() {
        return fields;
    }

    /** The value of the first field line with this name (compared without regard to ASCII case). */
    public Optional<String> first(String name) {
        Objects.requireNonNull(name, "name");
        for (Field field : fields) {
            if (field.name().equalsIgnoreCase(name)) {
                return Optional.of(field.value());
            }
        }
        return Optional.empty();
    }

    /** The values of every field line with this name (compared without regard to ASCII case), in order. */
    public List<String> all(String name) {
        Objects.requireNonNull(name, "name");
        List<String> values = new ArrayList<>(2);
        for (Field field : fields) {
            if (field.name().equalsIgnoreCase(name)) {
                values.add(field.value());
            }
        }
        return Collections.unmodifiableList(values);
    }

    /** Number of field lines. */
    public int size() {
        return fields.size();
    }

    /** Whether the section has no field lines. */
    public boolean isEmpty() {
        return fields.isEmpty();
    }

    /** Bytes that the field lines take, without a length prefix or terminator. */
    long encodedLength() {
        return encodedLength;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FieldSection other && fields.equals(other.fields);
    }

    @Override
    public int hashCode() {
        return fields.hashCode();
    }

    /** The names, in order; never the values. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("FieldSection[");
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) s.append(", ");
            s.append(fields.get(i).name());
        }
        return s.append(']').toString();
    }
}
