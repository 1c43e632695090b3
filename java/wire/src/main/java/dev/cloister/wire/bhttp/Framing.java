package dev.cloister.wire.bhttp;

/**
 * The two framings of RFC 9292 §3.3. Together with the message type they give the framing indicator:
 * 0 known-length request, 1 known-length response, 2 indeterminate-length request, 3 indeterminate-length response.
 */
public enum Framing {
    /** Every field section and the content carry a length prefix (RFC 9292 §3.1). */
    KNOWN_LENGTH,
    /** Field sections end with a zero, content is a sequence of non-empty chunks ended by a zero (RFC 9292 §3.2). */
    INDETERMINATE_LENGTH;

    /** The framing indicator of a request in this framing (RFC 9292 §3.3). */
    int requestIndicator() {
        return this == KNOWN_LENGTH ? 0 : 2;
    }

    /** The framing indicator of a response in this framing (RFC 9292 §3.3). */
    int responseIndicator() {
        return this == KNOWN_LENGTH ? 1 : 3;
    }
}
