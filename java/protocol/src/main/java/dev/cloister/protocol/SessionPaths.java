package dev.cloister.protocol;

/** Where the steps of a private session are posted. */
public final class SessionPaths {

    /** Opens a session at the gateway (inside OHTTP): the token and the ClientHello. */
    public static final String OPEN = "/v1/sessions";
    /** A session's next step at the gateway: {@code /v1/sessions/{handle}}. */
    public static final String STEP_PREFIX = "/v1/sessions/";
    /** The enclave's internal endpoint the gateway forwards TLS bytes to: {@code /sessions/{id}}. */
    public static final String ENCLAVE_PREFIX = "/sessions/";

    private SessionPaths() {}

    public static String step(String handle) {
        return STEP_PREFIX + handle;
    }
}
