package dev.cloister.operator;

import dev.cloister.base.SecretBytes;
import dev.cloister.server.command.UsageException;
import dev.cloister.tokens.keys.EpochKeySchedule;
import dev.cloister.tokens.keys.EpochKeySource;
import dev.cloister.tokens.keys.EpochSchedule;
import dev.cloister.tokens.keys.KeyPublication;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import picocli.CommandLine.Option;

/**
 * The issuer key schedule shared by {@code cloister issuer} and a token-checking {@code cloister gateway}: both derive
 * every epoch's key pair from the same master seed file, so they agree without sharing any other state. The issuer
 * publishes each public key in the ledger ({@code IssuerKeyPublication}); the gateway only redeems
 * ({@code PublishedByIssuer}).
 */
public final class TokenOptions {

    @Option(
            names = "--token-seed-file",
            description = "File with the issuer master seed (at least 32 bytes; keep it secret)")
    Path seedFile;

    @Option(
            names = "--epoch",
            defaultValue = "PT24H",
            description = "Issuer key epoch length (default: ${DEFAULT-VALUE})")
    Duration epoch;

    @Option(
            names = "--epoch-origin",
            defaultValue = "2026-01-01T00:00:00Z",
            description = "Start of epoch 0 (default: ${DEFAULT-VALUE})")
    Instant epochOrigin;

    @Option(
            names = "--redemption-grace",
            defaultValue = "PT1H",
            description = "How long after its epoch a key still redeems (default: ${DEFAULT-VALUE})")
    Duration redemptionGrace;

    EpochKeySchedule schedule(KeyPublication publication) throws IOException {
        if (seedFile == null) {
            throw new UsageException("--token-seed-file", "is required (a file of at least 32 secret bytes)");
        }
        byte[] seed = Files.readAllBytes(seedFile);
        try {
            if (seed.length < 32) {
                throw new UsageException(
                        "--token-seed-file " + seedFile,
                        "holds " + seed.length + " bytes; the issuer master seed needs at least 32");
            }
            if (epoch.isNegative() || epoch.isZero()) throw new UsageException("--epoch " + epoch, "must be positive");
            if (redemptionGrace.isNegative()) {
                throw new UsageException("--redemption-grace " + redemptionGrace, "must not be negative");
            }
            return new EpochKeySchedule(
                    new EpochSchedule(epochOrigin, epoch),
                    new EpochKeySource.Derived(SecretBytes.copyOf(seed)),
                    publication,
                    redemptionGrace);
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }
}
