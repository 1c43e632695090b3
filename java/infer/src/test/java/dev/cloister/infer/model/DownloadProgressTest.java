package dev.cloister.infer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.OptionalLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

class DownloadProgressTest {

    private static final long MIB = 1 << 20;

    /** A clock the test sets. */
    private static final class FakeClock implements LongSupplier {
        long nanos;

        void seconds(double value) {
            nanos = (long) (value * 1e9);
        }

        @Override
        public long getAsLong() {
            return nanos;
        }
    }

    @Test
    void aLogGetsAWholeLineAtMostEveryTenSecondsAndOneAtTheEnd() {
        StringWriter shown = new StringWriter();
        FakeClock clock = new FakeClock();
        DownloadProgress.Transfer transfer = new DownloadProgress(
                        new PrintWriter(shown), DownloadProgress.Display.LOG, clock)
                .start("x.tgz", OptionalLong.of(4 * MIB));
        for (int i = 1; i <= 40; i++) { // a read every half second, 0.1 MiB each
            clock.seconds(i * 0.5);
            transfer.advanced(i * MIB / 10);
        }
        clock.seconds(20.25);
        transfer.finished("done");
        assertEquals("""
                downloading x.tgz: 2.0 MiB of 4.0 MiB (50%), 10.0 s
                downloading x.tgz: 4.0 MiB of 4.0 MiB (100%), 20.0 s
                downloading x.tgz: 4.0 MiB of 4.0 MiB (100%), 20.3 s, done
                """, shown.toString());
    }

    @Test
    void aTerminalSeesOneLineRedrawnInPlaceAndEndedOnce() {
        StringWriter shown = new StringWriter();
        FakeClock clock = new FakeClock();
        DownloadProgress.Transfer transfer = new DownloadProgress(
                        new PrintWriter(shown), DownloadProgress.Display.TERMINAL, clock)
                .start("x.tgz", OptionalLong.empty());
        clock.seconds(0.1);
        transfer.advanced(MIB); // too soon after the start: not shown
        clock.seconds(0.3);
        transfer.advanced(12 * MIB);
        clock.seconds(0.4);
        transfer.advanced(13 * MIB); // too soon after the last line
        clock.seconds(1);
        transfer.finished("failed");
        assertEquals(
                "\rdownloading x.tgz: 12.0 MiB, 0.3 s" + "\rdownloading x.tgz: 13.0 MiB, 1.0 s, failed\n",
                shown.toString());
    }
}
