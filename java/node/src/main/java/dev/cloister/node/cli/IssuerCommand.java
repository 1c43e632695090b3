package dev.cloister.node.cli;

import dev.cloister.node.ListenAddress;
import dev.cloister.node.NodeRuntime;
import dev.cloister.node.ServerCommand;
import dev.cloister.node.admin.AdminVerticle;
import dev.cloister.node.tokens.AccountFile;
import dev.cloister.node.tokens.IssuerVerticle;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cloister issuer}: the Privacy Pass issuer for authenticated accounts. */
@Command(name = "issuer", mixinStandardHelpOptions = true,
        description = "Run a Privacy Pass issuer (token type 0x0001): POST /token-request and the issuer directory.")
public final class IssuerCommand implements Callable<Integer> {

    @Option(names = "--listen", required = true, description = "HOST:PORT to serve on")
    String listen;

    @Option(names = "--accounts", required = true, description = "File with one account bearer token per line")
    Path accounts;

    @Option(names = "--tokens-per-epoch", defaultValue = "200", description = "Tokens per account per epoch (default: ${DEFAULT-VALUE})")
    int tokensPerEpoch;

    @Option(names = "--max-batch", defaultValue = "32", description = "Most tokens in one request (default: ${DEFAULT-VALUE})")
    int maxBatch;

    @Option(names = "--issuer-uri", defaultValue = "https://issuer.cloister.invalid/token-request",
            description = "issuer-request-uri published in the directory (default: ${DEFAULT-VALUE})")
    String issuerUri;

    @Option(names = "--admin-listen", defaultValue = "127.0.0.1:9466",
            description = "HOST:PORT for /metrics and /health (default: ${DEFAULT-VALUE})")
    String adminListen;

    @Mixin
    TokenOptions tokens;

    @Override
    public Integer call() throws Exception {
        NodeRuntime runtime = NodeRuntime.create();
        IssuerVerticle issuer = new IssuerVerticle(ListenAddress.parse(listen), tokens.schedule(),
                AccountFile.load(accounts), tokensPerEpoch, maxBatch, issuerUri, runtime.registry(), Clock.systemUTC());
        runtime.vertx().deployVerticle(issuer)
                .compose(id -> runtime.vertx().deployVerticle(
                        new AdminVerticle(ListenAddress.parse(adminListen), runtime.registry())))
                .await(30, TimeUnit.SECONDS);
        System.err.println("cloister issuer on " + listen + ", admin on " + adminListen);
        ServerCommand.started();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> runtime.vertx().close()));
        return 0;
    }
}
