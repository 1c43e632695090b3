package dev.cloister.protocol;

/** The media types of the private session, in one place for the client, the gateway and the enclave. */
public final class MediaTypes {

    /** TLS records of the RA-TLS session, carried in OHTTP between the client and the enclave. */
    public static final String CLOISTER_TLS = "application/cloister-tls";
    /** A whole answer, or a use case's request body. */
    public static final String JSON = "application/json";
    /** A streamed answer: one JSON object per line ({@link AnswerLine}). */
    public static final String JSONL = "application/jsonl";
    /** An RFC 9457 problem document. */
    public static final String PROBLEM_JSON = "application/problem+json";

    private MediaTypes() {}
}
