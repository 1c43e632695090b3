package dev.cloister.benchmarks.wire;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Which implementation of each HPKE primitive the wire module uses: BouncyCastle's lightweight API or the JDK's
 * providers, side by side in one run. The README records the outcome.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class PrimitiveChoiceBenchmark {

    private final SecureRandom random = new SecureRandom();
    private final byte[] x25519Sk = new byte[32];
    private final byte[] x25519Pk = new byte[32];
    private PrivateKey jdkXdhSk;
    private PublicKey jdkXdhPk;
    private PrivateKey jdkEcSk;
    private PublicKey jdkEcPk;
    private BigInteger bcEcSk;
    private ECPoint bcEcPk;
    private final byte[] key16 = new byte[16];
    private final byte[] key32 = new byte[32];
    private final byte[] nonce = new byte[12];
    private final byte[] kib = new byte[1024];
    private final byte[] small = new byte[64];

    @Setup
    public void setup() throws Exception {
        random.nextBytes(x25519Sk);
        X25519.generatePublicKey(random.generateSeed(32), 0, x25519Pk, 0);
        KeyPairGenerator xdh = KeyPairGenerator.getInstance("X25519");
        KeyPair a = xdh.generateKeyPair();
        jdkXdhSk = a.getPrivate();
        jdkXdhPk = xdh.generateKeyPair().getPublic();
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        jdkEcSk = ec.generateKeyPair().getPrivate();
        jdkEcPk = ec.generateKeyPair().getPublic();
        X9ECParameters p256 = CustomNamedCurves.getByName("secp256r1");
        bcEcSk = new BigInteger(255, random);
        bcEcPk = p256.getG().multiply(new BigInteger(255, random)).normalize();
        random.nextBytes(kib);
    }

    @Benchmark
    public byte[] x25519Bc() {
        byte[] out = new byte[32];
        X25519.calculateAgreement(x25519Sk, 0, x25519Pk, 0, out, 0);
        return out;
    }

    @Benchmark
    public byte[] x25519Jdk() throws Exception {
        KeyAgreement agreement = KeyAgreement.getInstance("X25519");
        agreement.init(jdkXdhSk);
        agreement.doPhase(jdkXdhPk, true);
        return agreement.generateSecret();
    }

    @Benchmark
    public byte[] p256Jdk() throws Exception {
        KeyAgreement agreement = KeyAgreement.getInstance("ECDH");
        agreement.init(jdkEcSk);
        agreement.doPhase(jdkEcPk, true);
        return agreement.generateSecret();
    }

    @Benchmark
    public ECPoint p256Bc() {
        return bcEcPk.multiply(bcEcSk).normalize();
    }

    @Benchmark
    public byte[] hmacSha256Jdk() throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key32, "HmacSHA256"));
        return mac.doFinal(small);
    }

    @Benchmark
    public byte[] hmacSha256Bc() {
        HMac mac = new HMac(new SHA256Digest());
        mac.init(new KeyParameter(key32));
        mac.update(small, 0, small.length);
        byte[] out = new byte[32];
        mac.doFinal(out, 0);
        return out;
    }

    @Benchmark
    public byte[] aes128GcmJdk() throws Exception {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        nonce[0]++;
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key16, "AES"), new GCMParameterSpec(128, nonce));
        return cipher.doFinal(kib);
    }

    @Benchmark
    public byte[] aes128GcmBc() throws Exception {
        GCMBlockCipher gcm = (GCMBlockCipher) GCMBlockCipher.newInstance(AESEngine.newInstance());
        gcm.init(true, new AEADParameters(new KeyParameter(key16), 128, nonce));
        byte[] out = new byte[gcm.getOutputSize(kib.length)];
        int n = gcm.processBytes(kib, 0, kib.length, out, 0);
        gcm.doFinal(out, n);
        return out;
    }

    @Benchmark
    public byte[] chacha20Poly1305Jdk() throws Exception {
        Cipher cipher = Cipher.getInstance("ChaCha20-Poly1305");
        nonce[0]++;
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key32, "ChaCha20"), new IvParameterSpec(nonce));
        return cipher.doFinal(kib);
    }

    @Benchmark
    public byte[] chacha20Poly1305Bc() throws Exception {
        ChaCha20Poly1305 aead = new ChaCha20Poly1305();
        aead.init(true, new ParametersWithIV(new KeyParameter(key32), nonce));
        byte[] out = new byte[aead.getOutputSize(kib.length)];
        int n = aead.processBytes(kib, 0, kib.length, out, 0);
        aead.doFinal(out, n);
        return out;
    }
}
