package dev.cloister.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.spi.FilterReply;
import dev.cloister.operator.gateway.KeyRotation;
import dev.cloister.server.ListenAddress;
import dev.cloister.server.log.PlaintextGuard;
import dev.cloister.wire.hpke.KemId;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SmallPartsTest {

    @Test
    void listenAddressesParse() {
        assertEquals(new ListenAddress("127.0.0.1", 8080), ListenAddress.parse("127.0.0.1:8080"));
        assertEquals(new ListenAddress("::1", 80), ListenAddress.parse("[::1]:80"));
        assertEquals(new ListenAddress("127.0.0.1", 9), ListenAddress.parse(":9"));
        assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse("localhost"));
        assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse("h:70000"));
        assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse("h:http"));
    }

    @Test
    void logGuardDropsEventsWithNonNumericArguments() {
        PlaintextGuard guard = new PlaintextGuard();
        LoggerContext context = new LoggerContext();
        var own = context.getLogger("dev.cloister.operator.gateway.GatewayVerticle");
        var library = context.getLogger("io.netty.Something");
        assertEquals(FilterReply.NEUTRAL, guard.decide(null, own, Level.INFO, "port {}", new Object[] {8080}, null));
        assertEquals(
                FilterReply.DENY,
                guard.decide(null, own, Level.INFO, "text {}", new Object[] {"a user's words"}, null));
        assertEquals(
                FilterReply.DENY, guard.decide(null, own, Level.WARN, "bytes {}", new Object[] {new byte[3]}, null));
        assertEquals(FilterReply.DENY, guard.decide(null, own, Level.WARN, "failed", null, new RuntimeException("x")));
        assertEquals(FilterReply.DENY, guard.decide(null, library, Level.INFO, "chatty", null, null));
        assertEquals(FilterReply.NEUTRAL, guard.decide(null, library, Level.WARN, "trouble", null, null));
    }

    @Test
    void keyRotationAddsASuccessorBeforeTheEndAndRetiresOldKeys() {
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-28T00:00:00Z"));
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        KeyRotation rotation = new KeyRotation(
                KemId.DHKEM_X25519_HKDF_SHA256,
                Duration.ofHours(4),
                Duration.ofHours(1),
                Duration.ofMinutes(30),
                clock,
                new SecureRandom());
        int first = rotation.get().keys().getFirst().config().keyId();
        rotation.rotateIfDue();
        assertEquals(1, rotation.get().keys().size(), "nothing due at the start");
        now.set(now.get().plus(Duration.ofMinutes(181)));
        rotation.rotateIfDue();
        assertEquals(2, rotation.get().keys().size(), "successor made inside the overlap");
        assertEquals(2, rotation.get().advertised(now.get()).size(), "both advertised during the overlap");
        int second = rotation.get().advertised(now.get()).getFirst().keyId();
        assertNotEquals(first, second);
        now.set(now.get().plus(Duration.ofMinutes(100)));
        rotation.rotateIfDue();
        assertTrue(rotation.get().forDecapsulation(first, now.get()).isEmpty(), "old key gone after its grace");
        assertTrue(rotation.get().forDecapsulation(second, now.get()).isPresent());
    }

    @Test
    void everyCommandAndSubcommandHasHelp() {
        CommandLine cli = new CommandLine(new Launcher());
        checkHelp(cli, new java.util.ArrayList<>());
    }

    private static void checkHelp(CommandLine command, java.util.List<String> path) {
        for (var entry : command.getSubcommands().entrySet()) {
            java.util.List<String> args = new java.util.ArrayList<>(path);
            args.add(entry.getKey());
            StringWriter out = new StringWriter();
            CommandLine root = new CommandLine(new Launcher());
            root.setOut(new PrintWriter(out));
            java.util.List<String> withHelp = new java.util.ArrayList<>(args);
            withHelp.add("--help");
            assertEquals(0, root.execute(withHelp.toArray(String[]::new)), String.join(" ", args));
            assertTrue(
                    out.toString().contains("Usage: cloister " + String.join(" ", args)),
                    String.join(" ", args) + ": " + out);
            if (!entry.getKey().equals("help")) {
                checkHelp(entry.getValue(), args);
            }
        }
    }

    @Test
    void demoRunsEndToEnd() {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new Launcher());
        cli.setOut(new PrintWriter(out));
        assertEquals(
                0,
                cli.execute(
                        "demo",
                        "--model",
                        "stories260K",
                        "--models-dir",
                        System.getProperty("cloister.models"),
                        "--max-tokens",
                        "16"),
                out::toString);
        assertTrue(out.toString().contains("demo OK"), out::toString);
        assertTrue(out.toString().contains("\"measurement\""), out::toString);
    }

    @Test
    void anEnclaveOutsideAConfidentialVmRefusesConfigfsTsmClearly() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Launcher());
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(
                "enclave",
                "--listen",
                "127.0.0.1:0",
                "--platform",
                "configfs-tsm",
                "--tsm-dir",
                "/nonexistent/tsm/report");
        assertEquals(2, code, err::toString);
        assertTrue(err.toString().contains("configfs-tsm needs a confidential VM"), err::toString);
    }
}
