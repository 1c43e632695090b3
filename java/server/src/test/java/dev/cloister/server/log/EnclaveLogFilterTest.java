package dev.cloister.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/** The enclave's log allowlist: a canary plaintext logged every way from every module is found nowhere. */
class EnclaveLogFilterTest {

    private static final String CANARY = "CANARY-summarize my chat with Alice about the surprise party";

    @Test
    void aCanaryLoggedEveryWayFromEveryModuleReachesNoAppender() {
        LoggerContext context = new LoggerContext();
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.setContext(context);
        captured.start();
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.TRACE);
        root.addAppender(captured);
        EnclaveLogFilter filter =
                new EnclaveLogFilter(java.util.Set.of("gateway listening on port {}", "admin listening on port {}"));
        filter.setContext(context);
        filter.start();
        context.addTurboFilter(filter);

        List<String> loggers = List.of(
                "dev.cloister.wire.ohttp.ObliviousGateway",
                "dev.cloister.ledger.log.Sequencer",
                "dev.cloister.tokens.privacypass.PrivateTokenRedeemer",
                "dev.cloister.attest.AttestationVerifier",
                "dev.cloister.infer.scheduler.Scheduler",
                "dev.cloister.enclave.EnclaveVerticle",
                "dev.cloister.client.CloisterClient",
                "io.netty.channel.DefaultChannelPipeline",
                "io.vertx.core.impl.ContextImpl",
                "org.bouncycastle.tls.TlsProtocol",
                "ROOT");
        RuntimeException withCanary = new RuntimeException(CANARY);
        for (String name : loggers) {
            Logger log = context.getLogger(name);
            for (org.slf4j.event.Level level : org.slf4j.event.Level.values()) {
                org.slf4j.spi.LoggingEventBuilder at = log.atLevel(level);
                at.log(CANARY);
                log.atLevel(level).log("gateway listening on port {}", CANARY);
                log.atLevel(level).log("message {}", (Object) CANARY.getBytes());
                log.atLevel(level).setCause(withCanary).log("gateway listening on port {}", 1);
                log.atLevel(level).addArgument(() -> CANARY).log("admin listening on port {}");
            }
        }
        for (ILoggingEvent event : captured.list) {
            assertFalse(event.getFormattedMessage().contains("CANARY"), event.getFormattedMessage());
            assertEquals(null, event.getThrowableProxy());
        }
        assertEquals(0, captured.list.size(), "nothing above carries an allowed template with allowed arguments");

        // The filter is not a wall: an allowlisted template with a numeric argument from Cloister's code passes.
        context.getLogger("dev.cloister.operator.gateway.GatewayVerticle").info("gateway listening on port {}", 8082);
        assertEquals(
                List.of("gateway listening on port 8082"),
                captured.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
        // ... but not from a third-party logger, nor an unlisted template.
        context.getLogger("io.vertx.core.Vertx").info("gateway listening on port {}", 8082);
        context.getLogger("dev.cloister.operator.gateway.GatewayVerticle").info("unlisted {}", 1);
        assertEquals(1, captured.list.size());
    }

    @Test
    void everyAllowlistedTemplateIsOneTheCodeLogs() throws IOException {
        java.util.Set<String> templates = EnclaveLogFilter.bundled().templates();
        assertFalse(templates.isEmpty());
        Path java = Path.of("..").toAbsolutePath().normalize();
        StringBuilder sources = new StringBuilder();
        try (Stream<Path> files = Files.walk(java)) {
            for (Path file : files.filter(
                            f -> f.toString().endsWith(".java") && f.toString().contains("src/main"))
                    .toList()) {
                sources.append(Files.readString(file));
            }
        }
        for (String template : templates) {
            assertTrue(sources.indexOf("\"" + template + "\"") >= 0, "allowlisted but never logged: " + template);
        }
    }
}
