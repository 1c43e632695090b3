package dev.cloister.benchmarks.ledger;

import dev.cloister.ledger.note.Ed25519PrivateKey;
import dev.cloister.ledger.note.Ed25519PublicKey;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Why the ledger verifies Ed25519 with BouncyCastle's {@code rfc8032.Ed25519} (with the public point decoded once)
 * rather than the JDK's {@code Ed25519} {@code Signature}: one checkpoint-sized message, both ways.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class Ed25519VerifyBenchmark {

    byte[] message =
            "ledger.cloister.example/bench\n1000000\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n".getBytes();
    byte[] signature;
    Ed25519PublicKey bouncyCastleKey;
    PublicKey jdkKey;

    @Setup
    public void setup() throws Exception {
        Ed25519PrivateKey key = Ed25519PrivateKey.generate(new SecureRandom());
        signature = key.sign(message);
        bouncyCastleKey = key.publicKey();
        byte[] spki = HexFormat.of()
                .parseHex("302a300506032b6570032100" + HexFormat.of().formatHex(bouncyCastleKey.encoded()));
        jdkKey = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
        if (!bouncyCastle() || !jdk()) {
            throw new IllegalStateException("signature does not verify");
        }
    }

    @Benchmark
    public boolean bouncyCastle() {
        return bouncyCastleKey.verify(signature, 0, message, 0, message.length);
    }

    @Benchmark
    public boolean jdk() throws Exception {
        Signature s = Signature.getInstance("Ed25519");
        s.initVerify(jdkKey);
        s.update(message);
        return s.verify(signature);
    }
}
