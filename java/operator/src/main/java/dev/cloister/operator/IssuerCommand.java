package dev.cloister.operator;

import dev.cloister.operator.tokens.AccountFile;
import dev.cloister.operator.tokens.IssuerKeyPublication;
import dev.cloister.operator.tokens.IssuerVerticle;
import dev.cloister.server.ListenAddress;
import dev.cloister.server.NodeRuntime;
import dev.cloister.server.ServerCommand;
import dev.cloister.server.admin.AdminVerticle;
import dev.cloister.server.command.Arguments;
import dev.cloister.server.command.ListenArgument;
import dev.cloister.server.command.UsageException;
import dev.cloister.server.ledger.LedgerPublisher;
import dev.cloister.tokens.keys.InsecureLocalKeyPublication;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cloister issuer}: the Privacy Pass issuer for authenticated accounts. */
@Command(
        name = "issuer",
        mixinStandardHelpOptions = true,
        description = "Run a Privacy Pass issuer (token type 0x0001): POST /token-request and the issuer directory.")
public final class IssuerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--listen",
            required = true,
            converter = ListenArgument.class,
            description = "HOST:PORT to serve on")
    ListenAddress listen;

    @Option(names = "--accounts", required = true, description = "File with one account bearer token per line")
    Path accounts;

    @Option(
            names = "--tokens-per-epoch",
            defaultValue = "200",
            description = "Tokens per account per epoch (default: ${DEFAULT-VALUE})")
    int tokensPerEpoch;

    @Option(
            names = "--max-batch",
            defaultValue = "32",
            description = "Most tokens in one request (default: ${DEFAULT-VALUE})")
    int maxBatch;

    @Option(
            names = "--issuer-uri",
            defaultValue = "https://issuer.cloister.invalid/token-request",
            description = "issuer-request-uri published in the directory (default: ${DEFAULT-VALUE})")
    String issuerUri;

    @Option(
            names = "--admin-listen",
            defaultValue = "127.0.0.1:9466",
            converter = ListenArgument.class,
            description = "HOST:PORT for /metrics and /health (default: ${DEFAULT-VALUE})")
    ListenAddress adminListen;

    @Option(
            names = "--issuer-name",
            defaultValue = "issuer.cloister.invalid",
            description =
                    "The issuer_name of the token challenges, recorded with each key in the ledger (default: ${DEFAULT-VALUE})")
    String issuerName;

    @Option(
            names = "--ledger",
            description = "Publish every issuer key in this ledger (base URL) before issuing under it, "
                    + "and serve the proofs at /token-key-proofs; needs --submitter-key")
    URI ledger;

    @Option(
            names = "--submitter-key",
            description = "The submitter secret key the ledger accepts (see 'ledger keygen')")
    Path submitterKey;

    @Option(
            names = "--insecure-unpublished-keys",
            description =
                    "Run without a ledger: keys are not published, and clients that check key consistency refuse them")
    boolean unpublished;

    @Mixin
    TokenOptions tokens;

    @Override
    public Integer call() throws Exception {
        if (ledger == null && !unpublished) {
            throw new ParameterException(
                    spec.commandLine(),
                    "issuer keys must be published: give --ledger and --submitter-key (or --insecure-unpublished-keys)");
        }
        if (ledger != null && submitterKey == null) {
            throw new ParameterException(spec.commandLine(), "--ledger needs --submitter-key");
        }
        if (ledger != null) Arguments.webUrl("--ledger", ledger);
        if (tokensPerEpoch < 1) throw new UsageException("--tokens-per-epoch " + tokensPerEpoch, "must be at least 1");
        if (maxBatch < 1) throw new UsageException("--max-batch " + maxBatch, "must be at least 1");
        AccountFile accountFile = AccountFile.load(accounts);
        var signer = ledger == null ? null : Arguments.logSigner("--submitter-key", submitterKey);
        NodeRuntime runtime = NodeRuntime.create();
        try {
            IssuerKeyPublication publication = ledger == null
                    ? null
                    : new IssuerKeyPublication(
                            new LedgerPublisher(
                                    WebClient.create(runtime.vertx()), ledger, signer, Duration.ofSeconds(30)),
                            issuerName,
                            Duration.ofSeconds(30),
                            Clock.systemUTC());
            IssuerVerticle issuer = new IssuerVerticle(
                    listen,
                    tokens.schedule(publication != null ? publication : new InsecureLocalKeyPublication()),
                    accountFile,
                    tokensPerEpoch,
                    maxBatch,
                    issuerUri,
                    publication,
                    runtime.registry(),
                    Clock.systemUTC());
            runtime.vertx()
                    .deployVerticle(issuer)
                    .compose(id -> runtime.vertx().deployVerticle(new AdminVerticle(adminListen, runtime.registry())))
                    .await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            runtime.close();
            throw e;
        }
        System.err.println("cloister issuer on " + listen + ", admin on " + adminListen);
        ServerCommand.started();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> runtime.vertx().close()));
        return 0;
    }
}
