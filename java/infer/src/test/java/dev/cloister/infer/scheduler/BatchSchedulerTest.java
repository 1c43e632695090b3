package dev.cloister.infer.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cloister.infer.TestModels;
import dev.cloister.infer.reference.ReferenceTransformer;
import dev.cloister.infer.sampling.FinishReason;
import dev.cloister.infer.sampling.SamplingParameters;
import dev.cloister.infer.tokenizer.Framing;
import dev.cloister.infer.tokenizer.LlamaTokenizerFile;
import dev.cloister.infer.tokenizer.SentencePieceTokenizer;
import dev.cloister.infer.tokenizer.TinyByteLevelVocabulary;
import dev.cloister.infer.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BatchSchedulerTest {

    private static final Tokenizer TOKENIZER = new SentencePieceTokenizer(LlamaTokenizerFile.read(TestModels.tok512()));
    private static final Instant FAR = Instant.now().plus(Duration.ofDays(1));
    private static final int GENERATED = TestModels.REFERENCE_IDS.length - 4;

    private static Completion await(CollectingSink sink) throws Exception {
        return sink.finished.get(60, TimeUnit.SECONDS);
    }

    @Test
    void greedyThroughTheSchedulerReproducesRunC() throws Exception {
        try (ReferenceTransformer model = ReferenceTransformer.load(TestModels.stories260k(), 4);
                BatchScheduler scheduler = BatchScheduler.start(model, TOKENIZER, new SchedulerConfig(4, 8, 2))) {
            int[] prompt = TOKENIZER.encode(TestModels.REFERENCE_PROMPT, Framing.BOS);
            CollectingSink sink = new CollectingSink();
            scheduler.submit(prompt, SamplingParameters.greedy(GENERATED), FAR, sink);
            assertEquals(new Completion(FinishReason.MAX_TOKENS, 5, GENERATED), await(sink));
            assertArrayEquals(
                    Arrays.copyOfRange(TestModels.REFERENCE_IDS, 4, TestModels.REFERENCE_IDS.length), sink.ids());
            assertEquals(TestModels.REFERENCE_TEXT, TestModels.REFERENCE_PROMPT + sink.text());
            assertEquals(0, model.openSequences(), "the sequence is closed");
            assertArrayEquals(new int[5], prompt, "the prompt is zeroed");
        }
    }

    /** Batching changes nothing: the same requests alone and among 31 others, decode subsets rotating. */
    @Test
    void aSequenceAloneAndAmong31OthersGetsIdenticalTokens() throws Exception {
        SamplingParameters sampled = SamplingParameters.sampled(0.9f, 0.9f, 42L, 40);
        int[] alone;
        int[] aloneSampled;
        try (ReferenceTransformer model = ReferenceTransformer.load(TestModels.stories260k(), 1);
                BatchScheduler scheduler = BatchScheduler.start(model, TOKENIZER, new SchedulerConfig(4, 8, 8))) {
            CollectingSink greedy = new CollectingSink();
            scheduler.submit(
                    TOKENIZER.encode(TestModels.REFERENCE_PROMPT, Framing.BOS),
                    SamplingParameters.greedy(GENERATED),
                    FAR,
                    greedy);
            await(greedy);
            alone = greedy.ids();
            CollectingSink sampledSink = new CollectingSink();
            scheduler.submit(TOKENIZER.encode("Lily saw a dog", Framing.BOS), sampled, FAR, sampledSink);
            await(sampledSink);
            aloneSampled = sampledSink.ids();
        }
        List<Step> steps = new CopyOnWriteArrayList<>();
        try (ReferenceTransformer model = ReferenceTransformer.load(TestModels.stories260k(), 32);
                BatchScheduler scheduler = BatchScheduler.start(
                        model, TOKENIZER, new SchedulerConfig(32, 16, 3), InstantSource.system(), steps::add)) {
            List<CollectingSink> others = new ArrayList<>();
            // the first request holds the scheduler on its first token until all 32 are in
            CountDownLatch first = new CountDownLatch(1);
            CountDownLatch allIn = new CountDownLatch(1);
            CollectingSink holding = new CollectingSink() {
                @Override
                public void onToken(int token, byte[] piece) {
                    super.onToken(token, piece);
                    first.countDown();
                    awaitQuietly(allIn);
                }
            };
            others.add(holding);
            scheduler.submit(TOKENIZER.encode("Mom", Framing.BOS), SamplingParameters.greedy(30), FAR, holding);
            assertTrue(first.await(30, TimeUnit.SECONDS));
            String[] prompts = {"Tom", "The cat sat", "One day", "Ben and Mia went to the park", "Once", "Sue"};
            CollectingSink target = new CollectingSink();
            CollectingSink targetSampled = new CollectingSink();
            for (int i = 1; i < 30; i++) {
                CollectingSink other = new CollectingSink();
                others.add(other);
                SamplingParameters parameters = i % 3 == 0
                        ? SamplingParameters.greedy(10 + i)
                        : SamplingParameters.sampled(1.0f, i % 2 == 0 ? 1f : 0.8f, i, 20 + i);
                scheduler.submit(TOKENIZER.encode(prompts[i % prompts.length], Framing.BOS), parameters, FAR, other);
                if (i == 12) {
                    scheduler.submit(
                            TOKENIZER.encode(TestModels.REFERENCE_PROMPT, Framing.BOS),
                            SamplingParameters.greedy(GENERATED),
                            FAR,
                            target);
                    scheduler.submit(TOKENIZER.encode("Lily saw a dog", Framing.BOS), sampled, FAR, targetSampled);
                }
            }
            allIn.countDown();
            assertEquals(FinishReason.MAX_TOKENS, await(target).reason());
            await(targetSampled);
            for (CollectingSink other : others) {
                await(other);
            }
            assertArrayEquals(alone, target.ids());
            assertArrayEquals(aloneSampled, targetSampled.ids());
            assertEquals(0, model.openSequences());
            assertTrue(steps.stream().allMatch(step -> step.tokens() <= 16), "never over the budget");
            assertTrue(
                    steps.stream().anyMatch(step -> step.decodeBatch() == 16),
                    () -> "a rotating subset decoded: "
                            + steps.stream().mapToInt(Step::decodeBatch).max());
            assertEquals(32, scheduler.stats().finished());
        }
    }

    @Test
    void prefillAndDecodeInterleaveUnderTheBudget() throws Exception {
        ScriptedFakeEngine engine = new ScriptedFakeEngine(512, 256, 4, position -> 300);
        List<Step> steps = new CopyOnWriteArrayList<>();
        CountDownLatch firstToken = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        try (BatchScheduler scheduler = BatchScheduler.start(
                engine, TOKENIZER, new SchedulerConfig(4, 4, 3), InstantSource.system(), steps::add)) {
            CollectingSink long1 = new CollectingSink() {
                @Override
                public void onToken(int token, byte[] piece) {
                    super.onToken(token, piece);
                    firstToken.countDown();
                    awaitQuietly(proceed);
                }
            };
            scheduler.submit(new int[] {1, 5}, SamplingParameters.greedy(12), FAR, long1);
            assertTrue(firstToken.await(30, TimeUnit.SECONDS));
            CollectingSink prompt10 = new CollectingSink();
            scheduler.submit(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, SamplingParameters.greedy(2), FAR, prompt10);
            proceed.countDown();
            assertEquals(new Completion(FinishReason.MAX_TOKENS, 10, 2), await(prompt10));
            assertEquals(new Completion(FinishReason.MAX_TOKENS, 2, 12), await(long1));
        }
        assertTrue(steps.stream().allMatch(step -> step.tokens() <= 4), steps::toString);
        List<Step> mixed = steps.stream()
                .filter(step -> step.decodeBatch() > 0 && step.prefillTokens() > 0)
                .toList();
        // the 10-token prompt is fed 3, 3, 3, 1 beside one decode token each
        assertEquals(
                List.of(3, 3, 3, 1), mixed.stream().map(Step::prefillTokens).toList(), steps::toString);
        assertTrue(mixed.stream().allMatch(step -> step.decodeBatch() == 1));
    }

    @Test
    void cancellationEndsTheRequestBeforeTheNextStep() throws Exception {
        ScriptedFakeEngine engine = new ScriptedFakeEngine(512, 256, 2, position -> 300);
        CountDownLatch fifth = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        try (BatchScheduler scheduler = BatchScheduler.start(engine, TOKENIZER, new SchedulerConfig(2, 4, 4))) {
            CollectingSink sink = new CollectingSink() {
                @Override
                public void onToken(int token, byte[] piece) {
                    super.onToken(token, piece);
                    if (tokens.size() == 5) {
                        fifth.countDown();
                        awaitQuietly(proceed);
                    }
                }
            };
            int[] prompt = {1, 9, 9};
            Generation generation = scheduler.submit(prompt, SamplingParameters.greedy(200), FAR, sink);
            assertTrue(fifth.await(30, TimeUnit.SECONDS));
            generation.cancel();
            proceed.countDown();
            assertEquals(new Completion(FinishReason.CANCELLED, 3, 5), await(sink));
            assertEquals(await(sink), generation.completion().get(10, TimeUnit.SECONDS));
            assertAllClosedAndZeroed(engine, prompt);
            assertEquals(1, scheduler.stats().cancelled());
        }
    }

    /**
     * A paused request keeps its sequence and KV cache but is fed nothing while another keeps generating at full
     * batch; resumed, it yields exactly the tokens it yields unpaused (sampled, so its sampler state is kept too).
     */
    @Test
    void aPausedSequenceHoldsItsKvWhileOthersGenerateAndResumesWithIdenticalTokens() throws Exception {
        SamplingParameters sampled = SamplingParameters.sampled(0.9f, 0.9f, 7L, 40);
        int[] alone;
        try (ReferenceTransformer model = ReferenceTransformer.load(TestModels.stories260k(), 2);
                BatchScheduler scheduler = BatchScheduler.start(model, TOKENIZER, new SchedulerConfig(2, 8, 8))) {
            CollectingSink sink = new CollectingSink();
            scheduler.submit(TOKENIZER.encode("Lily saw a dog", Framing.BOS), sampled, FAR, sink);
            assertEquals(FinishReason.MAX_TOKENS, await(sink).reason());
            alone = sink.ids();
        }
        List<Step> steps = new CopyOnWriteArrayList<>();
        try (ReferenceTransformer model = ReferenceTransformer.load(TestModels.stories260k(), 2);
                BatchScheduler scheduler = BatchScheduler.start(
                        model, TOKENIZER, new SchedulerConfig(2, 8, 8), InstantSource.system(), steps::add)) {
            AtomicReference<Generation> self = new AtomicReference<>();
            CountDownLatch pausedAtFive = new CountDownLatch(1);
            CountDownLatch submitted = new CountDownLatch(1);
            CollectingSink paused = new CollectingSink() {
                @Override
                public void onToken(int token, byte[] piece) {
                    awaitQuietly(submitted); // self is set before the first token is taken
                    super.onToken(token, piece);
                    if (tokens.size() == 5) {
                        self.get().pause(); // on the scheduler's thread, as the enclave's outbox does
                        pausedAtFive.countDown();
                    }
                }
            };
            self.set(scheduler.submit(TOKENIZER.encode("Lily saw a dog", Framing.BOS), sampled, FAR, paused));
            submitted.countDown();
            assertTrue(pausedAtFive.await(30, TimeUnit.SECONDS));
            long stepsAtPause = steps.size();
            CollectingSink other = new CollectingSink();
            scheduler.submit(TOKENIZER.encode("Tom", Framing.BOS), SamplingParameters.greedy(30), FAR, other);
            assertEquals(FinishReason.MAX_TOKENS, await(other).reason(), "the other request runs to its end");
            assertEquals(5, paused.ids().length, "nothing was generated for the paused request");
            assertEquals(1, model.openSequences(), "the paused request keeps its sequence (and its KV cache)");
            assertEquals(1, scheduler.stats().paused());
            List<Step> whilePaused = steps.subList((int) stepsAtPause + 1, steps.size());
            assertTrue(
                    whilePaused.stream().allMatch(step -> step.decodeBatch() <= 1),
                    () -> "the paused request takes no place in a decode batch: " + whilePaused);
            assertTrue(whilePaused.stream().anyMatch(step -> step.decodeBatch() == 1), whilePaused::toString);
            Thread.sleep(50); // the step that finished the other request reports itself
            long stepsBeforeResume = steps.size();
            Thread.sleep(100);
            assertEquals(stepsBeforeResume, steps.size(), "with every request paused, no step runs");

            self.get().resume();
            Completion resumed = await(paused);
            assertEquals(FinishReason.MAX_TOKENS, resumed.reason());
            assertEquals(40, resumed.generatedTokens());
            assertArrayEquals(alone, paused.ids(), "pausing changes no token");
            assertEquals(0, model.openSequences());
            awaitPaused(scheduler, 0);
            assertEquals(0, scheduler.stats().stalled());
        }
    }

    /** A request paused longer than the bound ends as STALLED: its sequence closed, KV and prompt zeroed. */
    @Test
    void aSequencePausedLongerThanTheBoundEndsAsStalled() throws Exception {
        ScriptedFakeEngine engine = new ScriptedFakeEngine(512, 256, 2, position -> 300);
        Instant start = Instant.parse("2026-11-28T12:00:00Z");
        AtomicReference<Instant> now = new AtomicReference<>(start);
        SchedulerConfig config = new SchedulerConfig(2, 4, 4).withMaxPause(Duration.ofSeconds(10));
        try (BatchScheduler scheduler = BatchScheduler.start(engine, TOKENIZER, config, now::get, Step.Observer.NONE)) {
            AtomicReference<Generation> self = new AtomicReference<>();
            CountDownLatch submitted = new CountDownLatch(1);
            CollectingSink sink = new CollectingSink() {
                @Override
                public void onToken(int token, byte[] piece) {
                    awaitQuietly(submitted);
                    super.onToken(token, piece);
                    if (tokens.size() == 2 || tokens.size() == 4) self.get().pause();
                }
            };
            int[] prompt = {1, 9};
            self.set(scheduler.submit(prompt, SamplingParameters.greedy(200), FAR, sink));
            submitted.countDown();
            awaitPaused(scheduler, 1);
            // a pause shorter than the bound, then a resume: the request goes on
            now.set(start.plusSeconds(9));
            Thread.sleep(60);
            assertFalse(sink.finished.isDone(), "9 s paused is within the bound");
            self.get().resume();
            // paused again at its fourth token, timed afresh from 9 s
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (sink.ids().length < 4) {
                assertTrue(System.nanoTime() < until, "the request did not resume");
                Thread.sleep(2);
            }
            awaitPaused(scheduler, 1);
            assertEquals(4, sink.ids().length);
            now.set(start.plusSeconds(18));
            Thread.sleep(60);
            assertFalse(sink.finished.isDone(), "each pause is timed on its own");
            now.set(start.plusSeconds(19));
            assertEquals(new Completion(FinishReason.STALLED, 2, 4), await(sink));
            assertAllClosedAndZeroed(engine, prompt);
            assertEquals(1, scheduler.stats().stalled());
            awaitPaused(scheduler, 0); // the count is taken at the end of the scheduler's turn
        }
        assertThrows(IllegalArgumentException.class, () -> new SchedulerConfig(1, 4, 4).withMaxPause(Duration.ZERO));
    }

    private static void awaitPaused(BatchScheduler scheduler, int paused) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (scheduler.stats().paused() != paused) {
            assertTrue(System.nanoTime() < until, "the scheduler did not see the pause");
            Thread.sleep(2);
        }
    }

    @Test
    void deadlinesEndWaitingAndRunningRequests() throws Exception {
        ScriptedFakeEngine engine = new ScriptedFakeEngine(512, 256, 2, position -> 300);
        Instant start = Instant.parse("2026-11-28T12:00:00Z");
        AtomicReference<Instant> now = new AtomicReference<>(start);
        try (BatchScheduler scheduler =
                BatchScheduler.start(engine, TOKENIZER, new SchedulerConfig(2, 4, 4), now::get, Step.Observer.NONE)) {
            CollectingSink late = new CollectingSink();
            int[] latePrompt = {1, 7};
            scheduler.submit(latePrompt, SamplingParameters.greedy(5), start, late);
            assertEquals(new Completion(FinishReason.DEADLINE, 0, 0), await(late));
            assertTrue(engine.opened.isEmpty(), "an expired request never gets a sequence");
            assertArrayEquals(new int[2], latePrompt);

            CollectingSink running = new CollectingSink() {
                @Override
                public void onToken(int token, byte[] piece) {
                    super.onToken(token, piece);
                    if (tokens.size() == 3) {
                        now.set(start.plusSeconds(11));
                    }
                }
            };
            int[] prompt = {1, 8};
            scheduler.submit(prompt, SamplingParameters.greedy(200), start.plusSeconds(10), running);
            assertEquals(new Completion(FinishReason.DEADLINE, 2, 3), await(running));
            assertAllClosedAndZeroed(engine, prompt);
            assertEquals(2, scheduler.stats().expired());
        }
    }

    @Test
    void aFullQueueRejectsAtOnce() throws Exception {
        ScriptedFakeEngine engine = new ScriptedFakeEngine(512, 256, 1, position -> 300);
        CountDownLatch first = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        try (BatchScheduler scheduler = BatchScheduler.start(engine, TOKENIZER, new SchedulerConfig(1, 4, 4))) {
            CollectingSink holding = new CollectingSink() {
                @Override
                public void onToken(int token, byte[] piece) {
                    super.onToken(token, piece);
                    first.countDown();
                    awaitQuietly(proceed);
                }
            };
            scheduler.submit(new int[] {1}, SamplingParameters.greedy(3), FAR, holding);
            assertTrue(first.await(30, TimeUnit.SECONDS), "the first request holds the only sequence");
            CollectingSink queued = new CollectingSink();
            scheduler.submit(new int[] {1}, SamplingParameters.greedy(2), FAR, queued);
            QueueFullException full = assertThrows(
                    QueueFullException.class,
                    () -> scheduler.submit(new int[] {1}, SamplingParameters.greedy(2), FAR, new CollectingSink()));
            assertEquals("inference queue full (1 waiting)", full.getMessage());
            assertEquals(1, scheduler.stats().rejected());
            proceed.countDown();
            assertEquals(FinishReason.MAX_TOKENS, await(holding).reason());
            assertEquals(new Completion(FinishReason.MAX_TOKENS, 1, 2), await(queued));
            assertEquals(0, engine.openCount());
        }
    }

    @Test
    void endOfTextMaxTokensStopStringAndFullContextEachCloseTheSequence() throws Exception {
        int a = 300;
        int b = 301;
        String ab = new String(TOKENIZER.piece(a, b), StandardCharsets.UTF_8);
        String stop = new String(TOKENIZER.piece(-1, a), StandardCharsets.UTF_8).substring(1) + ab.substring(0, 1);
        record Case(FinishReason reason, int context, SamplingParameters parameters, int generated) {}
        List<Case> cases = List.of(
                new Case(FinishReason.END_OF_TEXT, 256, SamplingParameters.greedy(50), 3),
                new Case(FinishReason.MAX_TOKENS, 256, SamplingParameters.greedy(4), 4),
                new Case(
                        FinishReason.STOP_STRING,
                        256,
                        SamplingParameters.greedy(50).withStopStrings(List.of("never there", stop)),
                        2),
                new Case(FinishReason.CONTEXT_FULL, 8, SamplingParameters.greedy(50), 6));
        for (Case c : cases) {
            // positions 3, 4, 5 give a, b, a; position 6 gives EOS (for the end-of-text case only)
            ScriptedFakeEngine engine = new ScriptedFakeEngine(
                    512,
                    c.context(),
                    1,
                    position ->
                            c.reason() == FinishReason.END_OF_TEXT && position >= 6 ? 2 : position % 2 == 1 ? a : b);
            try (BatchScheduler scheduler = BatchScheduler.start(engine, TOKENIZER, new SchedulerConfig(1, 4, 4))) {
                CollectingSink sink = new CollectingSink();
                int[] prompt = {1, 40, 41};
                scheduler.submit(prompt, c.parameters(), FAR, sink);
                assertEquals(new Completion(c.reason(), 3, c.generated()), await(sink), c::toString);
                assertFalse(sink.ids().length > 0 && sink.tokens.contains(2), "EOS is not delivered");
                assertAllClosedAndZeroed(engine, prompt);
                assertEquals(1, sink.finishCalls);
            }
        }
    }

    /** A model's end-of-turn tokens end generation as EOS does, and none of them is delivered. */
    @Test
    void everyEndOfGenerationTokenEndsTheText() throws Exception {
        Tokenizer chat = TinyByteLevelVocabulary.tokenizer();
        for (int end : new int[] {TinyByteLevelVocabulary.IM_END, TinyByteLevelVocabulary.END_OF_TEXT}) {
            // positions 3, 4 give 'a', 'b'; position 5 the end token
            ScriptedFakeEngine engine = new ScriptedFakeEngine(
                    TinyByteLevelVocabulary.SIZE, 64, 1, position -> position >= 5 ? end : position == 3 ? 'a' : 'b');
            try (BatchScheduler scheduler = BatchScheduler.start(engine, chat, new SchedulerConfig(1, 4, 4))) {
                CollectingSink sink = new CollectingSink();
                int[] prompt = {TinyByteLevelVocabulary.IM_START, 'h', 'i'};
                scheduler.submit(prompt, SamplingParameters.greedy(50), FAR, sink);
                assertEquals(new Completion(FinishReason.END_OF_TEXT, 3, 2), await(sink), () -> "end token " + end);
                assertArrayEquals(new int[] {'a', 'b'}, sink.ids());
                assertEquals("ab", sink.text());
            }
        }
    }

    @Test
    void engineAndSinkFailuresEndOnlyTheirRequests() throws Exception {
        ScriptedFakeEngine engine = new ScriptedFakeEngine(512, 256, 2, position -> 300);
        engine.failDecodeCall = 2;
        try (BatchScheduler scheduler = BatchScheduler.start(engine, TOKENIZER, new SchedulerConfig(2, 4, 4))) {
            CollectingSink sink = new CollectingSink();
            int[] prompt = {1, 3};
            scheduler.submit(prompt, SamplingParameters.greedy(100), FAR, sink);
            assertEquals(new Completion(FinishReason.FAILED, 2, 3), await(sink));
            assertAllClosedAndZeroed(engine, prompt);

            CollectingSink throwing = new CollectingSink() {
                @Override
                public void onToken(int token, byte[] piece) {
                    throw new IllegalStateException("client went away");
                }
            };
            int[] prompt2 = {1, 4};
            scheduler.submit(prompt2, SamplingParameters.greedy(100), FAR, throwing);
            assertEquals(new Completion(FinishReason.FAILED, 2, 1), await(throwing));
            assertAllClosedAndZeroed(engine, prompt2);

            engine.nanDecodeCall = engine.decodeCalls + 1;
            CollectingSink nanLogits = new CollectingSink();
            int[] prompt3 = {1, 5};
            scheduler.submit(prompt3, SamplingParameters.sampled(1f, 0.9f, 3L, 100), FAR, nanLogits);
            assertEquals(new Completion(FinishReason.FAILED, 2, 2), await(nanLogits));
            assertAllClosedAndZeroed(engine, prompt3);

            CollectingSink after = new CollectingSink();
            scheduler.submit(new int[] {1}, SamplingParameters.greedy(2), FAR, after);
            assertEquals(FinishReason.MAX_TOKENS, await(after).reason(), "the scheduler keeps going");
            assertEquals(3, scheduler.stats().failed());
        }
    }

    @Test
    void closingEndsActiveAndWaitingRequestsAndRefusesNewOnes() throws Exception {
        ScriptedFakeEngine engine = new ScriptedFakeEngine(512, 256, 1, position -> 300);
        CountDownLatch third = new CountDownLatch(1);
        BatchScheduler scheduler = BatchScheduler.start(engine, TOKENIZER, new SchedulerConfig(2, 4, 4));
        CollectingSink active = new CollectingSink() {
            @Override
            public void onToken(int token, byte[] piece) {
                super.onToken(token, piece);
                if (tokens.size() == 3) {
                    third.countDown();
                    awaitQuietly(new CountDownLatch(1)); // until close() interrupts the scheduler thread
                }
            }
        };
        int[] prompt = {1, 2};
        scheduler.submit(prompt, SamplingParameters.greedy(1000), FAR, active);
        assertTrue(third.await(30, TimeUnit.SECONDS));
        CollectingSink waiting = new CollectingSink();
        int[] waitingPrompt = {1, 3};
        scheduler.submit(waitingPrompt, SamplingParameters.greedy(5), FAR, waiting);
        scheduler.close();
        assertEquals(new Completion(FinishReason.SHUTDOWN, 2, 3), await(active));
        assertEquals(new Completion(FinishReason.SHUTDOWN, 0, 0), await(waiting));
        assertAllClosedAndZeroed(engine, prompt);
        assertArrayEquals(new int[2], waitingPrompt);
        assertThrows(
                RejectedExecutionException.class,
                () -> scheduler.submit(new int[] {1}, SamplingParameters.greedy(1), FAR, new CollectingSink()));
    }

    @Test
    void aSinkMayCloseTheSchedulerFromItsOwnThread() throws Exception {
        ScriptedFakeEngine engine = new ScriptedFakeEngine(512, 256, 2, position -> 300);
        AtomicReference<BatchScheduler> self = new AtomicReference<>();
        BatchScheduler scheduler = BatchScheduler.start(engine, TOKENIZER, new SchedulerConfig(2, 4, 4));
        self.set(scheduler);
        CollectingSink closing = new CollectingSink() {
            @Override
            public void onToken(int token, byte[] piece) {
                super.onToken(token, piece);
                if (tokens.size() == 2) {
                    self.get().close();
                }
            }
        };
        int[] prompt = {1, 2};
        scheduler.submit(prompt, SamplingParameters.greedy(100), FAR, closing);
        assertEquals(new Completion(FinishReason.SHUTDOWN, 2, 2), await(closing));
        scheduler.close();
        assertAllClosedAndZeroed(engine, prompt);
    }

    @Test
    void badRequestsAreRefusedAtSubmit() {
        ScriptedFakeEngine engine = new ScriptedFakeEngine(512, 16, 1, position -> 300);
        try (BatchScheduler scheduler = BatchScheduler.start(engine, TOKENIZER, new SchedulerConfig(1, 4, 4))) {
            SamplingParameters greedy = SamplingParameters.greedy(1);
            CollectingSink sink = new CollectingSink();
            assertThrows(IllegalArgumentException.class, () -> scheduler.submit(new int[0], greedy, FAR, sink));
            assertThrows(IllegalArgumentException.class, () -> scheduler.submit(new int[17], greedy, FAR, sink));
            assertThrows(IllegalArgumentException.class, () -> scheduler.submit(new int[] {512}, greedy, FAR, sink));
            assertThrows(IllegalArgumentException.class, () -> scheduler.submit(new int[] {-1}, greedy, FAR, sink));
            assertThrows(IllegalArgumentException.class, () -> scheduler.submit(new int[] {1}, null, FAR, sink));
            assertEquals(0, scheduler.stats().submitted());
        }
        assertThrows(IllegalArgumentException.class, () -> new SchedulerConfig(0, 4, 4));
        assertThrows(IllegalArgumentException.class, () -> new SchedulerConfig(1, 4, 5));
        assertThrows(
                IllegalArgumentException.class,
                () -> BatchScheduler.start(
                        new ScriptedFakeEngine(500, 16, 1, position -> 1), TOKENIZER, new SchedulerConfig(1, 4, 4)));
    }

    private static void assertAllClosedAndZeroed(ScriptedFakeEngine engine, int[] prompt) {
        assertEquals(0, engine.openCount(), "every sequence is closed");
        assertEquals(engine.opened.size(), engine.closed.size());
        for (int[] kv : engine.zeroedOnClose) {
            assertArrayEquals(new int[kv.length], kv, "KV zeroed");
        }
        assertArrayEquals(new int[prompt.length], prompt, "the prompt is zeroed");
    }

    static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
