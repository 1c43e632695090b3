package dev.cloister.protocol.http;

/**
 * A relay or gateway refused an exchange outside the encapsulation: an HTTP status and, when the body was an RFC 9457
 * problem, its type (for example {@code https://iana.org/assignments/http-problem-types#ohttp-key}: refetch keys).
 */
public final class ProblemResponse extends Exception {

    private final int status;
    private final String type;

    public ProblemResponse(int status, String type, String title) {
        super("HTTP " + status + (title == null ? "" : ": " + title));
        this.status = status;
        this.type = type;
    }

    public int status() {
        return status;
    }

    /** The problem type URI, or null when the body was not a problem document. */
    public String type() {
        return type;
    }

    /** RFC 9458 §5.2: the key configuration was refused; fetch the keys again. */
    public boolean isKeyConfigurationProblem() {
        return "https://iana.org/assignments/http-problem-types#ohttp-key".equals(type);
    }
}
