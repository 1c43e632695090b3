package dev.cloister.wire.bhttp;

import dev.cloister.wire.Varint;
import java.util.Objects;

/**
 * One field line of a header or trailer section (RFC 9292 §3.6).
 *
 * <p>The name is a non-empty lowercase token (RFC 9110 §5.6.2 and RFC 9113 §8.2.1, which RFC 9292 §3.6 applies);
 * pseudo-fields such as {@code :method} are not fields here. The value is the field's bytes as ISO-8859-1 characters
 * (one character per byte, so obs-text survives a round trip); it must not contain NUL, CR or LF, nor begin or end
 * with a space or tab (RFC 9113 §8.2.1). The value is private: {@link #toString()} shows only its length.
 *
 * @param name  the lowercase field name
 * @param value the field value, one ISO-8859-1 character per byte
 */
public record Field(String name, String value) {

    /** Validates the name and the value. */
    public Field {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (!HttpSyntax.isFieldName(name)) {
            throw new IllegalArgumentException(
                    "field name is not a lowercase token (RFC 9292 §3.6), length " + name.length());
        }
        if (!HttpSyntax.isFieldValue(value)) {
            throw new IllegalArgumentException("value of field '" + name
                    + "' has NUL, CR, LF, a character above 0xff, or whitespace at an end (RFC 9113 §8.2.1)");
        }
    }

    /** Bytes that this field line takes in a message: both length prefixes, the name and the value (RFC 9292 §3.6). */
    long encodedLength() {
        int n = name.length();
        int v = value.length();
        return Varint.encodedLength(n) + n + Varint.encodedLength(v) + v;
    }

    /** The name and the value's length; never the value. */
    @Override
    public String toString() {
        return "Field[" + name + ", " + value.length() + " bytes]";
    }
}
