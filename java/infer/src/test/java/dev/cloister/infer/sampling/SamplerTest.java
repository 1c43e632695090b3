package dev.cloister.infer.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private static float[] logitsOf(double... probabilities) {
        float[] logits = new float[probabilities.length];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) Math.log(probabilities[i]);
        }
        return logits;
    }

    private static int[] histogram(Sampler sampler, float[] logits, int draws) {
        int[] counts = new int[logits.length];
        for (int i = 0; i < draws; i++) {
            counts[sampler.sample(logits, 0, logits.length)]++;
        }
        return counts;
    }

    @Test
    void greedyTakesTheMaximumAndTheLowestIdOnTies() {
        Sampler greedy = new Sampler(SamplingParameters.greedy(1));
        assertEquals(2, greedy.sample(new float[] {0f, 1f, 3f, 2f}, 0, 4));
        assertEquals(1, greedy.sample(new float[] {0f, 3f, 3f, 2f}, 0, 4));
        assertEquals(1, greedy.sample(new float[] {9f, 0f, 5f, 1f, 9f}, 1, 3), "within the row at offset 1");
        assertEquals(1, greedy.sample(new float[] {Float.NaN, 1f, 0f}, 0, 3), "NaN never wins");
    }

    @Test
    void theSameSeedGivesTheSameTokensAndAnotherSeedOthers() {
        float[] logits = logitsOf(0.2, 0.2, 0.2, 0.2, 0.2);
        int[] first = new int[64];
        int[] again = new int[64];
        int[] other = new int[64];
        Sampler a = new Sampler(SamplingParameters.sampled(1f, 1f, 7L, 64));
        Sampler b = new Sampler(SamplingParameters.sampled(1f, 1f, 7L, 64));
        Sampler c = new Sampler(SamplingParameters.sampled(1f, 1f, 8L, 64));
        for (int i = 0; i < 64; i++) {
            first[i] = a.sample(logits, 0, 5);
            again[i] = b.sample(logits, 0, 5);
            other[i] = c.sample(logits, 0, 5);
        }
        assertArrayEquals(first, again);
        assertFalse(java.util.Arrays.equals(first, other));
    }

    @Test
    void temperatureOneFollowsTheDistributionAndLowTemperatureSharpensIt() {
        float[] logits = logitsOf(0.6, 0.3, 0.1);
        int[] plain = histogram(new Sampler(SamplingParameters.sampled(1f, 1f, 1L, 1)), logits, 20_000);
        assertEquals(0.6, plain[0] / 20_000.0, 0.02);
        assertEquals(0.3, plain[1] / 20_000.0, 0.02);
        assertEquals(0.1, plain[2] / 20_000.0, 0.02);
        int[] sharp = histogram(new Sampler(SamplingParameters.sampled(0.1f, 1f, 1L, 1)), logits, 20_000);
        assertTrue(sharp[0] > 19_900, "at T=0.1 the top token has p > 0.999");
    }

    @Test
    void topPSamplesOnlyFromTheNucleus() {
        float[] logits = logitsOf(0.05, 0.5, 0.15, 0.3);
        int[] counts = histogram(new Sampler(SamplingParameters.sampled(1f, 0.7f, 3L, 1)), logits, 10_000);
        // sorted: 1 (0.5), 3 (0.3) -> 0.8 > 0.7: the nucleus is {1, 3}, renormalized to 0.625 / 0.375
        assertEquals(0, counts[0]);
        assertEquals(0, counts[2]);
        assertEquals(0.625, counts[1] / 10_000.0, 0.02);
        assertEquals(0.375, counts[3] / 10_000.0, 0.02);
        int[] tiny = histogram(new Sampler(SamplingParameters.sampled(1f, 0.01f, 3L, 1)), logits, 1000);
        assertEquals(1000, tiny[1], "a tiny top-p is greedy");
    }

    @Test
    void nucleusBoundaryNeedsMoreThanTopP() {
        Sampler sampler = new Sampler(SamplingParameters.sampled(1f, 0.5f, 0L, 1));
        float[] probabilities = {0.5f, 0.25f, 0.25f};
        // mass 0.5 is not more than 0.5: the next token (the lower id on a tie) joins the nucleus
        assertEquals(0, sampler.nucleus(probabilities, 0.5f, 0.0f));
        assertEquals(1, sampler.nucleus(probabilities, 0.5f, 0.99f));
    }

    @Test
    void parametersAreValidatedOnce() {
        assertThrows(IllegalArgumentException.class, () -> SamplingParameters.sampled(-0.1f, 1f, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> SamplingParameters.sampled(Float.NaN, 1f, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> SamplingParameters.sampled(101f, 1f, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> SamplingParameters.sampled(1f, 0f, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> SamplingParameters.sampled(1f, 1.01f, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> SamplingParameters.sampled(1f, Float.NaN, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> SamplingParameters.greedy(0));
        assertThrows(
                IllegalArgumentException.class, () -> SamplingParameters.greedy(SamplingParameters.MAX_TOKENS + 1));
        assertThrows(
                IllegalArgumentException.class,
                () -> SamplingParameters.greedy(1).withStopStrings(List.of("")));
        assertThrows(
                IllegalArgumentException.class,
                () -> SamplingParameters.greedy(1).withStopStrings(List.of("x".repeat(257))));
        assertThrows(
                IllegalArgumentException.class,
                () -> SamplingParameters.greedy(1).withStopStrings(Collections.nCopies(17, "x")));
        assertThrows(
                IllegalArgumentException.class,
                () -> new Sampler(SamplingParameters.greedy(1)).sample(new float[4], 1, 4));
    }

    @Test
    void wipingLeavesTheSamplerUsableAndReproducible() {
        float[] logits = logitsOf(0.1, 0.2, 0.3, 0.4);
        Sampler a = new Sampler(SamplingParameters.sampled(1f, 0.9f, 9L, 1));
        Sampler b = new Sampler(SamplingParameters.sampled(1f, 0.9f, 9L, 1));
        int first = a.sample(logits, 0, 4);
        a.wipe();
        assertEquals(b.sample(logits, 0, 4), first);
        assertEquals(b.sample(logits, 0, 4), a.sample(logits, 0, 4));
    }

    @Test
    void unusableLogitsAreRefused() {
        float[] nan = {Float.NaN, Float.NaN};
        assertThrows(IllegalStateException.class, () -> new Sampler(SamplingParameters.greedy(1)).sample(nan, 0, 2));
        Sampler sampled = new Sampler(SamplingParameters.sampled(1f, 0.9f, 1L, 1));
        assertThrows(IllegalStateException.class, () -> sampled.sample(nan, 0, 2));
        assertThrows(
                IllegalStateException.class, () -> sampled.sample(new float[] {Float.POSITIVE_INFINITY, 0f}, 0, 2));
        assertEquals(1, new Sampler(SamplingParameters.greedy(1)).sample(new float[] {Float.NaN, 0f}, 0, 2));
    }

    @Test
    void toStringHidesTheStopStrings() {
        String shown = SamplingParameters.greedy(3)
                .withStopStrings(List.of("secret word"))
                .toString();
        assertFalse(shown.contains("secret"), shown);
        assertTrue(shown.contains("stopStrings=1"), shown);
    }

    @Test
    void stopStringsAreFoundAcrossPiecesAndTheTailIsWiped() {
        StopStrings stops = new StopStrings(List.of("The end", "\n\n"));
        assertFalse(stops.append(bytes("and so ")));
        assertFalse(stops.append(bytes("The")));
        assertFalse(stops.append(bytes(" e")));
        assertTrue(stops.append(bytes("nd.")));
        StopStrings fresh = new StopStrings(List.of("The end"));
        assertFalse(fresh.append(bytes("The en")));
        fresh.wipe();
        assertFalse(fresh.append(bytes("d")), "wiped output no longer matches");
        StopStrings none = new StopStrings(List.of());
        assertFalse(none.append(bytes("anything")));
        StopStrings newline = new StopStrings(List.of("\n\n"));
        assertFalse(newline.append(bytes("a\n")));
        assertTrue(newline.append(bytes("\nb")));
        assertNotEquals("", newline.toString());
        assertFalse(newline.toString().contains("\n"));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
