package dev.cloister.server.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.time.Duration;
import org.slf4j.Marker;

/**
 * The log allowlist of DESIGN.md: Cloister's own log lines are constant templates whose arguments are numbers,
 * booleans, enums or durations; an event with any other argument (a string, a byte array, an object that might print
 * user content) is dropped before it is formatted. Throwables are dropped from Cloister's events too: their messages
 * are fixed sentences, but a cause from a library could quote input. Third-party libraries log at WARN or above.
 */
public final class PlaintextGuard extends TurboFilter {

    private static final String OWN_PREFIX = "dev.cloister";

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (logger == null) return FilterReply.NEUTRAL;
        if (!logger.getName().startsWith(OWN_PREFIX)) {
            return level.isGreaterOrEqual(Level.WARN) ? FilterReply.NEUTRAL : FilterReply.DENY;
        }
        if (t != null) return FilterReply.DENY;
        if (params != null) {
            for (Object param : params) {
                if (!isAllowed(param)) return FilterReply.DENY;
            }
        }
        return FilterReply.NEUTRAL;
    }

    static boolean isAllowed(Object param) {
        return param == null
                || param instanceof Number
                || param instanceof Boolean
                || param instanceof Enum<?>
                || param instanceof Duration;
    }
}
