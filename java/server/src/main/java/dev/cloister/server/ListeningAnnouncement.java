package dev.cloister.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * A server's "... listening on port N" line, once per deployment: a server deployed as several verticle instances
 * (one per core) shares one port, and each instance reports its listen. The first report of a deployment passes; the
 * others of the same deployment are dropped. A redeployment (a restart) is announced again.
 */
final class ListeningAnnouncement extends TurboFilter {

    static final String MARK = " listening on port ";

    private final Set<String> announced = ConcurrentHashMap.newKeySet();

    /** Adds the filter to the process's Logback configuration, once. */
    static synchronized void install() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) return;
        if (context.getTurboFilterList().stream().anyMatch(f -> f instanceof ListeningAnnouncement)) return;
        ListeningAnnouncement filter = new ListeningAnnouncement();
        filter.setContext(context);
        filter.start();
        context.addTurboFilter(filter);
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (format == null || !format.contains(MARK)) return FilterReply.NEUTRAL;
        Context context = Vertx.currentContext();
        if (context == null || context.deploymentID() == null) return FilterReply.NEUTRAL;
        return announced.add(context.deploymentID() + '\n' + logger.getName() + '\n' + format)
                ? FilterReply.NEUTRAL
                : FilterReply.DENY;
    }
}
