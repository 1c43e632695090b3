package dev.cloister.server.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * The enclave's log allowlist (DESIGN.md, "no plaintext leaves the enclave"): a log event leaves the process only when
 * its message template is one of the templates fixed at build time in {@value #TEMPLATES} (inside the measured jar)
 * and every argument is a number, a boolean, an enum or a duration. Everything else — any other template, any string
 * or object argument, any throwable, and every event of a third-party library at any level — is dropped before an
 * appender sees it. {@link #install()} puts it in front of every other filter of the process.
 */
public final class EnclaveLogFilter extends TurboFilter {

    /** The classpath resource that lists the allowed templates, one per line ({@code #} starts a comment). */
    public static final String TEMPLATES = "/dev/cloister/server/log/enclave-log-templates.txt";

    private final Set<String> templates;

    public EnclaveLogFilter(Set<String> templates) {
        this.templates = Set.copyOf(templates);
    }

    /** The allowlist bundled in the jar. */
    public static EnclaveLogFilter bundled() {
        return new EnclaveLogFilter(readTemplates());
    }

    /** Replaces the process's turbo filters with the enclave allowlist. Call once, before serving. */
    public static void install() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            EnclaveLogFilter filter = bundled();
            filter.setContext(context);
            filter.start();
            context.resetTurboFilterList();
            context.addTurboFilter(filter);
        } else {
            throw new IllegalStateException(
                    "the enclave needs Logback as its SLF4J binding to enforce the log allowlist");
        }
    }

    static Set<String> readTemplates() {
        Set<String> out = new HashSet<>();
        try (InputStream in = EnclaveLogFilter.class.getResourceAsStream(TEMPLATES)) {
            if (in == null) {
                throw new IllegalStateException("the enclave log allowlist " + TEMPLATES + " is missing from the jar");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = reader.readLine()) != null; ) {
                if (!line.isBlank() && !line.startsWith("#")) out.add(line);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    public Set<String> templates() {
        return templates;
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (logger == null || format == null) return FilterReply.DENY;
        if (!logger.getName().startsWith("dev.cloister.")) return FilterReply.DENY;
        if (t != null || !templates.contains(format)) return FilterReply.DENY;
        if (params != null) {
            for (Object param : params) {
                if (!PlaintextGuard.isAllowed(param)) return FilterReply.DENY;
            }
        }
        return FilterReply.NEUTRAL;
    }
}
