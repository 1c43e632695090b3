package dev.cloister.ledger.tiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.Objects;

/**
 * A log's static resources over HTTP(S) (c2sp.org/tlog-tiles §"APIs"): {@code <prefix>/checkpoint} and
 * {@code <prefix>/tile/...}, fetched with the JDK's HTTP client. Blocking: call it from worker or virtual threads.
 * Responses are bounded (a checkpoint or a tile is small), so a hostile log cannot make a client allocate without limit.
 */
public final class HttpTileSource implements TileSource {

    /** Larger than any tile (256 × 32 bytes) or entry bundle a Cloister log serves, and any checkpoint. */
    public static final int MAX_RESPONSE = 1 << 20;

    private final HttpClient http;
    private final URI prefix;
    private final Duration timeout;

    /** @param prefix the log's URL prefix, e.g. {@code https://ledger.example/} (a trailing slash is added if missing) */
    public HttpTileSource(URI prefix, Duration timeout) {
        Objects.requireNonNull(prefix, "prefix");
        String text = prefix.toString();
        this.prefix = URI.create(text.endsWith("/") ? text : text + "/");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.http = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    @Override
    public byte[] fetch(String path) throws IOException {
        if (!path.equals("checkpoint") && !path.startsWith("tile/")) {
            throw new IllegalArgumentException("not a tlog-tiles resource: " + path);
        }
        HttpRequest request = HttpRequest.newBuilder(prefix.resolve(path))
                .timeout(timeout)
                .GET()
                .build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while fetching " + path);
        }
        try (InputStream body = response.body()) {
            if (response.statusCode() == 404) {
                throw new NoSuchFileException(path);
            }
            if (response.statusCode() != 200) {
                throw new IOException("while fetching " + path + ": HTTP " + response.statusCode());
            }
            byte[] bytes = body.readNBytes(MAX_RESPONSE + 1);
            if (bytes.length > MAX_RESPONSE) {
                throw new IOException("while fetching " + path + ": response larger than " + MAX_RESPONSE + " bytes");
            }
            return bytes;
        }
    }
}
