package dev.cloister.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.StreamResetException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * A peer that reset its stream or closed its connection mid-exchange: an ordinary event on a server (a client that
 * gave up, a relay that dropped a request), not a failure of the server. Servers count it; nothing logs it as an error.
 */
public final class PeerReset {

    private PeerReset() {}

    /** Whether {@code failure} (or what it wraps) is a peer's reset or close. */
    public static boolean is(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof StreamResetException
                    || t instanceof HttpClosedException
                    || t instanceof ClosedChannelException) {
                return true;
            }
            if (t instanceof IOException
                    && t.getMessage() != null
                    && (t.getMessage().contains("Connection reset")
                            || t.getMessage().contains("Broken pipe"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a log line's text is the message of a peer's reset: Vert.x logs an unhandled failure of a client request
     * as its message alone ({@code HttpClientRequestImpl}: "Stream reset: 0", "Connection was closed") unless DEBUG
     * is on.
     */
    static boolean isMessage(String text) {
        return text != null
                && (text.startsWith("Stream reset")
                        || text.equals("Connection was closed")
                        || text.contains("Connection reset by peer")
                        || text.contains("Broken pipe"));
    }

    /**
     * Drops what Vert.x and Netty log about a peer's reset (a reset stream whose request has no exception handler is
     * logged at ERROR): the event is the peer's, and the server that saw it goes on.
     */
    static final class LogFilter extends TurboFilter {

        /** Adds the filter to the process's Logback configuration, once. */
        static synchronized void install() {
            if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) return;
            if (context.getTurboFilterList().stream().anyMatch(f -> f instanceof LogFilter)) return;
            LogFilter filter = new LogFilter();
            filter.setContext(context);
            filter.start();
            context.addTurboFilter(filter);
        }

        @Override
        public FilterReply decide(
                Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
            if (logger == null) return FilterReply.NEUTRAL;
            String name = logger.getName();
            if (!name.startsWith("io.vertx") && !name.startsWith("io.netty")) return FilterReply.NEUTRAL;
            return (t != null && is(t)) || (t == null && isMessage(format)) ? FilterReply.DENY : FilterReply.NEUTRAL;
        }
    }
}
