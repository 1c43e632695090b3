package dev.cloister.enclave;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * The image a simulated enclave stands for ({@code --sim-image DIR}, the output of {@code cvm-boot/build.sh}): the
 * simulated platform then reports the SEV-SNP launch digest that {@code DIR/measurement.json} gives for its first
 * measured VM shape, the value a real SEV-SNP host would report for that image, instead of the running jar's digest.
 */
public final class SimulatedImage {

    private static final int MAX_JSON = 1 << 20;

    private SimulatedImage() {}

    /**
     * @throws IllegalArgumentException with the reason: no or unreadable {@code measurement.json}, or no shape with a
     *     launch digest (e.g. an image measured without an AmdSev OVMF, whose reason it repeats)
     */
    public static byte[] launchDigest(Path image) throws IOException {
        Path file = image.resolve("measurement.json");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(image + " has no measurement.json (is it a cvm-boot/build.sh output?)");
        }
        if (Files.size(file) > MAX_JSON) {
            throw new IllegalArgumentException(file + " is larger than 1 MiB");
        }
        JsonArray shapes;
        try {
            shapes = new JsonObject(Files.readString(file, StandardCharsets.UTF_8)).getJsonArray("measurements");
        } catch (DecodeException | ClassCastException e) {
            throw new IllegalArgumentException(file + " is not the JSON cvm-boot/build.sh writes: " + e.getMessage());
        }
        if (shapes == null || shapes.isEmpty()) {
            throw new IllegalArgumentException(file + " lists no measured VM shape");
        }
        String unavailable = "";
        for (int i = 0; i < shapes.size(); i++) {
            JsonObject shape = shapes.getJsonObject(i);
            String digest = shape.getString("sev_snp_launch_digest");
            if (digest != null) {
                if (!digest.matches("[0-9a-f]{96}")) {
                    throw new IllegalArgumentException(
                            file + ": shape " + i + " has a launch digest that is not 96 hex");
                }
                return HexFormat.of().parseHex(digest);
            }
            unavailable = shape.getString("unavailable", "");
        }
        throw new IllegalArgumentException(file + " has no SEV-SNP launch digest for any shape"
                + (unavailable.isEmpty() ? "" : " (" + unavailable + ")"));
    }
}
