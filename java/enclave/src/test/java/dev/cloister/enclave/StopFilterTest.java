package dev.cloister.enclave;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Stop sequences end the answer before them, across token boundaries, and bytes held back are never lost. */
class StopFilterTest {

    /** Feeds the pieces; returns what was shown while streaming and at the end (when {@code flush}). */
    static String run(List<String> stops, boolean flush, String... pieces) {
        Assistant.StopFilter filter = new Assistant.StopFilter(stops);
        ByteArrayOutputStream shown = new ByteArrayOutputStream();
        for (String piece : pieces) shown.writeBytes(filter.add(piece.getBytes(StandardCharsets.UTF_8)));
        if (flush) shown.writeBytes(filter.flush());
        return shown.toString(StandardCharsets.UTF_8);
    }

    @Test
    void cutsBeforeTheFirstStop() {
        assertEquals("Once upon", run(List.of(" a time"), false, "Once", " upon", " a", " time", " there"));
        assertEquals("ab", run(List.of("d", "cd"), false, "abcd"), "the earliest match wins, across sequences");
        assertEquals("x", run(List.of("é!"), false, "x", "é", "!"), "a multi-byte stop across pieces");
    }

    @Test
    void holdsBackOnlyWhatMayBeginAStop() {
        Assistant.StopFilter filter = new Assistant.StopFilter(List.of("END"));
        assertEquals("The ", new String(filter.add("The E".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8));
        assertEquals("Eagle", new String(filter.add("agle".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8));
        assertEquals("The EN", run(List.of("END"), true, "The EN"), "a held prefix is shown when the answer ends");
    }

    @Test
    void withoutStopsEverythingPasses() {
        assertEquals("abc", run(List.of(), false, "a", "b", "c"));
    }
}
