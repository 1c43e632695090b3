package dev.cloister.server.command;

import dev.cloister.server.ListenAddress;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * How the launcher answers a command that cannot run: one line on stderr, {@code cloister <command>: <argument>:
 * <problem>}, and exit {@value #USAGE} for a usage error (a parse error, a {@link UsageException}, an input file that
 * is missing, unreadable or a directory) or {@value #RUNTIME} for a runtime failure (an address in use, a peer that
 * does not answer, anything else). The stack trace only with {@code --verbose}. Commands throw; this is the one place
 * that turns what they throw into words.
 */
public final class CommandErrors
        implements CommandLine.IParameterExceptionHandler, CommandLine.IExecutionExceptionHandler {

    public static final int USAGE = 2;
    public static final int RUNTIME = 1;
    public static final String VERBOSE = "--verbose";

    /** A Java class name before a message, as libraries nest them ({@code io.netty...FooException: text}). */
    private static final Pattern CLASS_NAME = Pattern.compile("\\b(?:[a-z][\\w]*\\.)+[A-Z][\\w$]*(?::\\s*|\\b)");

    /** What to print and the exit code. */
    private record Report(int code, String line) {}

    /** Answers every failure of {@code commandLine}'s commands in one line (see the class comment). */
    public static CommandLine install(CommandLine commandLine) {
        CommandErrors errors = new CommandErrors();
        return commandLine.setParameterExceptionHandler(errors).setExecutionExceptionHandler(errors);
    }

    @Override
    public int handleParseException(ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        String name = command.getCommandSpec().qualifiedName();
        PrintWriter err = command.getErr();
        err.println(name + ": " + oneLine(e.getMessage()) + " (see '" + name + " --help')");
        if (Arrays.asList(args).contains(VERBOSE)) e.printStackTrace(err);
        err.flush();
        return USAGE;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine command, ParseResult parsed) {
        PrintWriter err = command.getErr();
        Report report = report(e, command);
        err.println(command.getCommandSpec().qualifiedName() + ": " + report.line());
        if (verbose(parsed)) e.printStackTrace(err);
        err.flush();
        return report.code();
    }

    private static boolean verbose(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption(VERBOSE)) return true;
        }
        return false;
    }

    private static Report report(Throwable thrown, CommandLine command) {
        Throwable e = unwrap(thrown);
        if (e instanceof UsageException usage) return new Report(USAGE, oneLine(usage.getMessage()));
        if (e instanceof ParameterException parameter) return new Report(USAGE, oneLine(parameter.getMessage()));
        if (e instanceof NoSuchFileException f) return file(command, f, "no such file or directory");
        if (e instanceof AccessDeniedException f) return file(command, f, "permission denied");
        if (e instanceof NotDirectoryException f) return file(command, f, "not a directory");
        if (e instanceof FileAlreadyExistsException f) return file(command, f, "already exists");
        if (e instanceof FileSystemException f && f.getFile() != null) {
            return file(command, f, f.getReason() != null ? f.getReason() : "unusable");
        }
        if (e instanceof IOException && "Is a directory".equals(e.getMessage())) return directoryForFile(command);
        if (e instanceof BindException) return addressInUse(command);
        if (e instanceof ConnectException) return new Report(RUNTIME, "connection refused" + where(e));
        if (e instanceof UnknownHostException) return new Report(RUNTIME, "unknown host " + message(e));
        if (e instanceof TimeoutException) return new Report(RUNTIME, "timed out" + where(e));
        return new Report(RUNTIME, describe(e));
    }

    /** The failure under the wrappers that only carry it (futures, unchecked I/O). */
    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null
                && t.getCause() != t
                && (t instanceof CompletionException
                        || t instanceof ExecutionException
                        || t instanceof UncheckedIOException
                        || t instanceof java.lang.reflect.InvocationTargetException
                        || (t instanceof io.vertx.core.VertxException && wraps(t)))) {
            t = t.getCause();
        }
        // A file, address or peer problem deeper down names the problem better than what wrapped it.
        for (Throwable c = t; c != null && c.getCause() != c; c = c.getCause()) {
            if (c instanceof UsageException
                    || c instanceof FileSystemException
                    || c instanceof BindException
                    || c instanceof ConnectException
                    || c instanceof UnknownHostException) {
                return c;
            }
        }
        return t;
    }

    private static boolean wraps(Throwable t) {
        return t.getMessage() == null || t.getMessage().equals(String.valueOf(t.getCause()));
    }

    private static String where(Throwable e) {
        String m = message(e);
        int colon = m.indexOf(": ");
        String place = colon >= 0 ? m.substring(colon + 2) : "";
        return place.isBlank() ? "" : ": " + place.replaceFirst("^[^/\\s]*/", "");
    }

    /** The failure's own words: its messages, outermost first, without class names; never empty. */
    private static String describe(Throwable e) {
        List<String> parts = new ArrayList<>();
        for (Throwable c = e; c != null && parts.size() < 3; c = c.getCause() == c ? null : c.getCause()) {
            String m = message(c);
            if (!m.isBlank() && parts.stream().noneMatch(p -> p.contains(m))) parts.add(m);
        }
        if (parts.isEmpty()) return "internal error (" + VERBOSE + " shows where)";
        return String.join(": ", parts);
    }

    private static String message(Throwable e) {
        return e.getMessage() == null ? "" : oneLine(e.getMessage());
    }

    /** The text on one line, a Java class name before a message dropped, any other shortened to its simple name. */
    static String oneLine(String text) {
        if (text == null) return "";
        String joined = String.join(
                "; ",
                text.strip()
                        .lines()
                        .map(String::strip)
                        .filter(l -> !l.isEmpty())
                        .toList());
        return CLASS_NAME
                .matcher(joined)
                .replaceAll(m -> {
                    String name = m.group().strip();
                    if (name.endsWith(":")) return "";
                    String simple = name.substring(name.lastIndexOf('.') + 1);
                    // A replacement string, not a pattern: a '$' (a nested class's name) is taken literally.
                    return simple.contains("Exception") || simple.contains("Error")
                            ? ""
                            : java.util.regex.Matcher.quoteReplacement(simple);
                })
                .replace("class ", "")
                .strip();
    }

    /** A file problem, named by the argument that gave the file (or a directory above it) when one did. */
    private static Report file(CommandLine command, FileSystemException f, String problem) {
        Path file = Path.of(f.getFile()).toAbsolutePath().normalize();
        Optional<Named> given = arguments(command).stream()
                .filter(a -> a.path().equals(file))
                .findFirst()
                .or(() -> arguments(command).stream()
                        .filter(a -> file.startsWith(a.path()))
                        .max((x, y) -> Integer.compare(
                                x.path().getNameCount(), y.path().getNameCount())));
        String subject = given.map(a -> a.text() + (a.path().equals(file) ? "" : " (" + f.getFile() + ")"))
                .orElse(f.getFile());
        return new Report(USAGE, subject + ": " + problem);
    }

    /** "Is a directory" names no file: the file argument that holds a directory is the one. */
    private static Report directoryForFile(CommandLine command) {
        List<Named> directories = arguments(command).stream()
                .filter(a -> !a.directoryExpected() && Files.isDirectory(a.path()))
                .toList();
        return new Report(
                USAGE,
                directories.isEmpty()
                        ? "a directory was given where a file belongs"
                        : directories.getFirst().text() + ": is a directory, a file is needed");
    }

    /** The address argument whose port another process holds. */
    private static Report addressInUse(CommandLine command) {
        List<String> inUse = new ArrayList<>();
        for (ArgSpec arg : command.getCommandSpec().args()) {
            if (arg.getValue() instanceof ListenAddress address && address.port() != 0 && !free(address)) {
                inUse.add(name(arg) + address);
            }
        }
        return new Report(
                RUNTIME,
                (inUse.isEmpty() ? "a listen address" : String.join(", ", inUse)) + ": address already in use");
    }

    private static boolean free(ListenAddress address) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getByName(address.host()), address.port()));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A path-valued argument: how the user wrote it and the path it names. */
    private record Named(String text, Path path, boolean directoryExpected) {}

    /** Every path an option or positional parameter holds now (given or defaulted), with how it was written. */
    private static List<Named> arguments(CommandLine command) {
        List<Named> out = new ArrayList<>();
        for (ArgSpec arg : command.getCommandSpec().args()) {
            boolean directory = "DIR".equals(arg.paramLabel());
            for (Object value : values(arg.getValue())) {
                Path path = value instanceof Path p ? p : null;
                if (path != null)
                    out.add(new Named(name(arg) + path, path.toAbsolutePath().normalize(), directory));
            }
        }
        return out;
    }

    private static Collection<?> values(Object value) {
        if (value instanceof Collection<?> c) return c;
        if (value instanceof Map<?, ?> m) return m.values();
        return value == null ? List.of() : List.of(value);
    }

    private static String name(ArgSpec arg) {
        return (arg instanceof CommandLine.Model.OptionSpec option ? option.longestName() : arg.paramLabel()) + " ";
    }
}
