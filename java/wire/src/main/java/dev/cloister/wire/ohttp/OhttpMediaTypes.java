package dev.cloister.wire.ohttp;

/** Media types of RFC 9458 §9 and draft-ietf-ohai-chunked-ohttp §7. */
public final class OhttpMediaTypes {
    private OhttpMediaTypes() {}

    /** A list of key configurations (RFC 9458 §3.2). */
    public static final String KEYS = "application/ohttp-keys";
    /** An encapsulated request (RFC 9458 §4.3). */
    public static final String REQUEST = "message/ohttp-req";
    /** An encapsulated response (RFC 9458 §4.4). */
    public static final String RESPONSE = "message/ohttp-res";
    /** A chunked encapsulated request (draft-ietf-ohai-chunked-ohttp §3). */
    public static final String CHUNKED_REQUEST = "message/ohttp-chunked-req";
    /** A chunked encapsulated response (draft-ietf-ohai-chunked-ohttp §3). */
    public static final String CHUNKED_RESPONSE = "message/ohttp-chunked-res";
}
