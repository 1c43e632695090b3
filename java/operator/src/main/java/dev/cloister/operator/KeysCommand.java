package dev.cloister.operator;

import dev.cloister.operator.keys.KeyDirectoryVerticle;
import dev.cloister.server.ListenAddress;
import dev.cloister.server.NodeRuntime;
import dev.cloister.server.ServerCommand;
import dev.cloister.server.command.Arguments;
import dev.cloister.server.command.ListenArgument;
import dev.cloister.server.command.UsageException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cloister keys}: the key directory (the CDN role). */
@Command(
        name = "keys",
        mixinStandardHelpOptions = true,
        description =
                "Run the key directory: mirrors a gateway's /ohttp-keys and /ohttp-keys/proofs (the ledger proofs "
                        + "of its keys) and serves the same copy to every client; given several replicas that serve "
                        + "the same keys, it mirrors any one that answers.")
public final class KeysCommand implements Callable<Integer> {

    @Option(
            names = "--listen",
            required = true,
            converter = ListenArgument.class,
            description = "HOST:PORT to serve on")
    ListenAddress listen;

    @Option(
            names = "--gateway",
            required = true,
            description = "The gateway's base URL, e.g. http://127.0.0.1:8082/; repeatable for replicas that serve the"
                    + " same keys (--key-seed-file): the one that answered last is mirrored, the others when it fails")
    java.util.List<URI> gateways;

    @Option(
            names = "--refresh",
            defaultValue = "PT60S",
            description = "How often to mirror (default: ${DEFAULT-VALUE})")
    Duration refresh;

    @Option(
            names = "--release-proof",
            description = "A .tlog-proof of an enclave release (from 'cloister enclave "
                    + "--release-proof-out'), served at /releases/proofs; repeatable")
    java.util.List<java.nio.file.Path> releaseProofs;

    @Option(
            names = "--platform-policy-proof",
            description = "A .tlog-proof of a signed platform policy (SEV-SNP TCB floors), served at"
                    + " /platform-policies/proofs; repeatable")
    java.util.List<java.nio.file.Path> platformPolicyProofs;

    @Option(
            names = "--ledger",
            description = "The ledger's base URL: rebuild the release proofs under its current checkpoint every "
                    + "--refresh, so that clients always get a recently witnessed one (without it they are served as "
                    + "logged, and age)")
    URI ledger;

    @Override
    public Integer call() throws Exception {
        for (URI gateway : gateways) Arguments.webUrl("--gateway", gateway);
        java.util.List<dev.cloister.ledger.proof.TlogProof> proofs = proofs("--release-proof", releaseProofs);
        dev.cloister.ledger.proof.KeyProofs policies =
                new dev.cloister.ledger.proof.KeyProofs(proofs("--platform-policy-proof", platformPolicyProofs));
        if (ledger != null) Arguments.webUrl("--ledger", ledger);
        KeyDirectoryVerticle directory;
        try {
            directory = ledger == null
                    ? new KeyDirectoryVerticle(
                            listen, gateways, refresh, new dev.cloister.ledger.proof.KeyProofs(proofs), policies)
                    : new KeyDirectoryVerticle(
                            listen,
                            gateways,
                            refresh,
                            new dev.cloister.operator.keys.ReleaseProofs(
                                    proofs,
                                    new dev.cloister.ledger.tiles.HttpTileSource(ledger, Duration.ofSeconds(10))),
                            policies);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--release-proof", e.getMessage());
        }
        NodeRuntime runtime = NodeRuntime.create();
        try {
            runtime.vertx().deployVerticle(directory).await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            runtime.close();
            throw e;
        }
        System.err.println("cloister keys on " + listen + ", mirroring "
                + String.join(", ", gateways.stream().map(URI::toString).toList()));
        ServerCommand.started();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> runtime.vertx().close()));
        return 0;
    }

    private static java.util.List<dev.cloister.ledger.proof.TlogProof> proofs(
            String option, java.util.List<java.nio.file.Path> files) throws java.io.IOException {
        java.util.List<dev.cloister.ledger.proof.TlogProof> out = new java.util.ArrayList<>();
        if (files != null) {
            for (java.nio.file.Path file : files) {
                try {
                    out.add(dev.cloister.ledger.proof.TlogProof.parse(java.nio.file.Files.readAllBytes(file)));
                } catch (dev.cloister.ledger.FormatException e) {
                    throw new UsageException(option + " " + file, "not a .tlog-proof: " + e.getMessage());
                }
            }
        }
        return out;
    }
}
