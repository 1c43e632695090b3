package dev.cloister.infer.model;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.LongSupplier;

/**
 * Shows a download's progress to the person waiting for it: what is downloaded, the bytes so far and the total (when
 * the server says it), and the time since the start. Throttled: a terminal sees one line redrawn in place a few times
 * a second; a log (a file or a pipe) gets a full line at a coarse cadence. Either way a last line says how it ended.
 * The text carries only public facts: a file name, byte counts and seconds.
 */
public final class DownloadProgress {

    /** Where the lines go, which decides how often they are written. */
    public enum Display {
        /** A terminal: one line, redrawn with a carriage return at most every quarter second. */
        TERMINAL(Duration.ofMillis(250)),
        /** A file or a pipe: a whole line at most every ten seconds. */
        LOG(Duration.ofSeconds(10));

        private final long intervalNanos;

        Display(Duration interval) {
            this.intervalNanos = interval.toNanos();
        }

        /** What this process's standard error is (Linux: where file descriptor 2 leads; else a log). */
        public static Display ofStandardError() {
            try {
                String target =
                        Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") ? TERMINAL : LOG;
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                return LOG;
            }
        }
    }

    private static final DownloadProgress SILENT =
            new DownloadProgress(new PrintWriter(OutputStream.nullOutputStream()), Display.LOG, System::nanoTime);

    private final PrintWriter out;
    private final Display display;
    private final LongSupplier nanoTime;

    /**
     * @param out where the lines go
     * @param display what {@code out} is
     * @param nanoTime the clock (System::nanoTime, or a fake in tests)
     */
    public DownloadProgress(PrintWriter out, Display display, LongSupplier nanoTime) {
        this.out = Objects.requireNonNull(out, "out");
        this.display = Objects.requireNonNull(display, "display");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /** Shows nothing. */
    public static DownloadProgress silent() {
        return SILENT;
    }

    /** To this process's standard error, redrawn in place where that is a terminal, else as a log. */
    public static DownloadProgress toStandardError() {
        return new DownloadProgress(new PrintWriter(System.err), Display.ofStandardError(), System::nanoTime);
    }

    /**
     * Starts reporting one download.
     *
     * @param what a short public name for it, e.g. the file name
     * @param totalBytes its length, when the server gave one
     */
    public Transfer start(String what, OptionalLong totalBytes) {
        return new Transfer(what, totalBytes);
    }

    /** One download under way. Not thread-safe: the thread that reads the download reports it. */
    public final class Transfer {
        private final String what;
        private final OptionalLong total;
        private final long started;
        private long lastShown;
        private long bytes;

        private Transfer(String what, OptionalLong total) {
            this.what = what;
            this.total = total;
            this.started = nanoTime.getAsLong();
            this.lastShown = started;
        }

        /** The bytes received so far; a line is written only if the display's interval has passed. */
        public void advanced(long bytesSoFar) {
            bytes = bytesSoFar;
            long now = nanoTime.getAsLong();
            if (now - lastShown >= display.intervalNanos) {
                lastShown = now;
                show(now, "");
            }
        }

        /** The download ended (completely or not): the last line, always written. */
        public void finished(String outcome) {
            show(nanoTime.getAsLong(), ", " + outcome);
            if (display == Display.TERMINAL) {
                out.print('\n');
                out.flush();
            }
        }

        /** The text of one report, e.g. "downloading x.tgz: 1.5 MiB of 3.0 MiB (50%), 2.0 s". */
        String line(long now) {
            StringBuilder line =
                    new StringBuilder("downloading ").append(what).append(": ").append(mebibytes(bytes));
            total.ifPresent(t -> line.append(" of ")
                    .append(mebibytes(t))
                    .append(t > 0 ? String.format(Locale.ROOT, " (%d%%)", Math.min(100, bytes * 100 / t)) : ""));
            return line.append(String.format(Locale.ROOT, ", %.1f s", (now - started) / 1e9))
                    .toString();
        }

        private void show(long now, String suffix) {
            String line = line(now) + suffix;
            if (display == Display.TERMINAL) {
                // redrawn in place: counts and seconds only grow, so a line never leaves part of a longer one behind
                out.print("\r" + line);
            } else {
                out.println(line);
            }
            out.flush();
        }
    }

    static String mebibytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1 << 20));
    }
}
