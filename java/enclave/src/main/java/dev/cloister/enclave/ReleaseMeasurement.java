package dev.cloister.enclave;

import dev.cloister.attest.sim.SimulatedTdxPlatform;
import dev.cloister.base.Bytes;
import dev.cloister.ledger.entry.Digest;
import dev.cloister.ledger.entry.GpuReferenceValue;
import dev.cloister.ledger.entry.ImageDigest;
import dev.cloister.ledger.entry.ReleaseManifest;
import dev.cloister.ledger.entry.SignedRelease;
import dev.cloister.ledger.entry.SnpShape;
import dev.cloister.ledger.note.Ed25519NoteSigner;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * The measurement of the running build, which the simulated platform reports as the launch digest (on real hardware
 * the CVM image's measurement comes from the firmware; see cvm-boot/): SHA-384 of the jar this class was loaded from,
 * or, when running from a classes directory (tests, IDE), SHA-384 of {@code "cloister development build"}.
 */
public final class ReleaseMeasurement {

    public static final String RELEASE_NAME = "cloister-enclave 0.1.0";

    private ReleaseMeasurement() {}

    public static byte[] ofRunningBuild() {
        try {
            MessageDigest sha384 = MessageDigest.getInstance("SHA-384");
            Path code = Path.of(ReleaseMeasurement.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            if (Files.isRegularFile(code)) {
                try (InputStream in = Files.newInputStream(code)) {
                    byte[] buffer = new byte[1 << 16];
                    for (int n; (n = in.read(buffer)) > 0; ) sha384.update(buffer, 0, n);
                }
                return sha384.digest();
            }
            return sha384.digest("cloister development build".getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException | URISyntaxException | IOException e) {
            throw new IllegalStateException("cannot measure the running build", e);
        }
    }

    /** How long a development release that a simulated enclave publishes for itself is valid. */
    public static final Duration DEVELOPMENT_VALIDITY = Duration.ofDays(30);

    /**
     * The signed release (format v3) that a simulated enclave, or the demo, publishes for the build it runs: one
     * SEV-SNP shape (1 vCPU, guest features 0x1) whose launch digest is what the simulated platform reports, the jar's
     * digest as its image, valid from five minutes before {@code now} (clock skew) for {@link #DEVELOPMENT_VALIDITY},
     * VMPL 0, SMT allowed (the simulated host reports PLATFORM_INFO.SMT_EN, as most development hosts do; a release of
     * a real image forbids it unless its publisher says otherwise), and the driver and VBIOS RIMs its GPUs must match. On real hardware an enclave never
     * publishes itself: {@code cloister release publish} measures its image.
     */
    public static SignedRelease developmentRelease(
            byte[] measurement,
            String sourceRevision,
            List<GpuReferenceValue> gpus,
            Ed25519NoteSigner releaseKey,
            Instant now) {
        return developmentRelease(measurement, sourceRevision, gpus, gpus.isEmpty() ? 0 : 1, releaseKey, now);
    }

    /** As above, for an enclave on {@code gpuCount} GPUs (the count clients then require). */
    public static SignedRelease developmentRelease(
            byte[] measurement,
            String sourceRevision,
            List<GpuReferenceValue> gpus,
            int gpuCount,
            Ed25519NoteSigner releaseKey,
            Instant now) {
        return developmentRelease(measurement, sourceRevision, gpus, gpuCount, Optional.empty(), releaseKey, now);
    }

    /**
     * As above, and when {@code tdx} is present the release also names the simulated TD's registers: its RTMR1 and
     * RTMR2, and MRTD and RTMR0 as the one TDX platform it runs on (what a simulated TDX enclave reports).
     */
    public static SignedRelease developmentRelease(
            byte[] measurement,
            String sourceRevision,
            List<GpuReferenceValue> gpus,
            int gpuCount,
            Optional<SimulatedTdxPlatform.TdRegisters> tdx,
            Ed25519NoteSigner releaseKey,
            Instant now) {
        try {
            MessageDigest sha384 = MessageDigest.getInstance("SHA-384");
            Digest recipe = new Digest(
                    Digest.Algorithm.SHA_384,
                    Bytes.of(sha384.digest(("cloister build recipe: ./mvnw -B -ntp package; " + RELEASE_NAME)
                            .getBytes(StandardCharsets.US_ASCII))));
            Instant from = now.minus(Duration.ofMinutes(5)).truncatedTo(ChronoUnit.SECONDS);
            ReleaseManifest manifest = new ReleaseManifest(
                    RELEASE_NAME,
                    from,
                    from.plus(DEVELOPMENT_VALIDITY),
                    0,
                    true,
                    List.of(new SnpShape(1, 0x1, Bytes.of(measurement))),
                    tdx.map(SimulatedTdxPlatform.TdRegisters::releaseRuntime),
                    tdx.map(t -> List.of(t.releasePlatform())).orElse(List.of()),
                    gpus,
                    gpuCount,
                    List.of(new ImageDigest(
                            "cloister-enclave.jar", new Digest(Digest.Algorithm.SHA_384, Bytes.of(measurement)))),
                    Bytes.EMPTY,
                    sourceRevision,
                    recipe);
            return SignedRelease.sign(manifest, releaseKey);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
