package dev.cloister.enclave;

import dev.cloister.base.Bytes;
import dev.cloister.ledger.entry.Digest;
import dev.cloister.ledger.entry.EnclaveRelease;
import dev.cloister.ledger.entry.GpuReferenceValue;
import dev.cloister.ledger.entry.PlatformMeasurement;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

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

    /** The ledger entry that publishes this release (SEV-SNP launch digest; no GPU reference values). */
    public static EnclaveRelease entry(byte[] measurement, String sourceRevision) {
        return entry(measurement, sourceRevision, List.of());
    }

    /**
     * The ledger entry that publishes this release: SEV-SNP launch digest, and the driver and VBIOS RIMs its GPUs must
     * match (what clients then require).
     */
    public static EnclaveRelease entry(byte[] measurement, String sourceRevision, List<GpuReferenceValue> gpus) {
        try {
            MessageDigest sha384 = MessageDigest.getInstance("SHA-384");
            Digest image = new Digest(Digest.Algorithm.SHA_384, Bytes.of(measurement));
            Digest recipe = new Digest(
                    Digest.Algorithm.SHA_384,
                    Bytes.of(sha384.digest(("cloister build recipe: ./mvnw -B -ntp package; " + RELEASE_NAME)
                            .getBytes(StandardCharsets.US_ASCII))));
            return new EnclaveRelease(
                    RELEASE_NAME,
                    List.of(new PlatformMeasurement.SevSnp(Bytes.of(measurement))),
                    gpus,
                    image,
                    sourceRevision,
                    recipe);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
