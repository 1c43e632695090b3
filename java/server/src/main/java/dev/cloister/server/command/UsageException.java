package dev.cloister.server.command;

/**
 * A command line that cannot run as given: {@link #argument()} names what the user wrote (an option and its value),
 * {@link #problem()} what is wrong with it. The launcher prints {@code argument: problem} on one line and exits 2.
 */
public final class UsageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String argument;
    private final String problem;

    public UsageException(String argument, String problem) {
        this(argument, problem, null);
    }

    public UsageException(String argument, String problem, Throwable cause) {
        super(argument + ": " + problem, cause);
        this.argument = argument;
        this.problem = problem;
    }

    /** The option and value as the user wrote them, e.g. {@code --release zz}. */
    public String argument() {
        return argument;
    }

    public String problem() {
        return problem;
    }
}
