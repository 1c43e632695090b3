package dev.cloister.infer.scheduler;

import dev.cloister.infer.InferenceEngine;
import dev.cloister.infer.InferenceException;
import dev.cloister.infer.ModelShape;
import dev.cloister.infer.sampling.FinishReason;
import dev.cloister.infer.sampling.Sampler;
import dev.cloister.infer.sampling.SamplingParameters;
import dev.cloister.infer.sampling.StopStrings;
import dev.cloister.infer.tokenizer.Tokenizer;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Continuous batching over one {@link InferenceEngine}, on its own thread. Requests join and leave between steps.
 * Each step first gives every generating sequence one decode token (in one batched call; when they outnumber the
 * token budget, a rotating subset), then spends what is left of the budget on chunked prefill of new prompts, oldest
 * first. Tokens stream to each request's {@link TokenSink}.
 *
 * <p>A request can be paused ({@link Generation#pause()}) when its reader falls behind: from the next step it is fed
 * nothing, neither decode nor prefill, so the step's budget goes to the others, while its sequence and KV cache stay as
 * they are; resumed, it continues with the token it had sampled. A request paused for longer than
 * {@link SchedulerConfig#maxPause()} (by the scheduler's clock) ends as {@link FinishReason#STALLED}. When every
 * request is paused, the thread waits for a resume, a new request or the next pause check instead of spinning.
 *
 * <p>At most {@link SchedulerConfig#queueCapacity()} requests wait for a free sequence; one more is rejected at once
 * with {@link QueueFullException}. A request ends on end-of-text, its token limit, a stop string, a full context,
 * cancellation, its deadline, a failure, or shutdown; whatever the reason, its sequence is closed (the engine zeroes
 * its KV cache), its prompt array and kept output are zeroed, and then its sink and future are completed. Logs carry
 * counts only.
 */
public final class BatchScheduler implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BatchScheduler.class);
    private static final long IDLE_POLL_MILLIS = 20;
    /** From this many sequences in a decode step, their next tokens are sampled in parallel. */
    static final int PARALLEL_SAMPLING_BATCH = 8;

    private final InferenceEngine engine;
    private final Tokenizer tokenizer;
    private final SchedulerConfig config;
    private final InstantSource clock;
    private final Step.Observer observer;
    private final ModelShape shape;

    private final LinkedBlockingQueue<Job> inbox = new LinkedBlockingQueue<>();
    /** Released on every submit, resume and cancel: wakes the thread when it has nothing to feed. */
    private final Semaphore wakeups = new Semaphore(0);

    private final Semaphore waitingPermits;
    private final Thread thread;
    private final ForkJoinPool samplingPool;
    private volatile boolean closing;

    // scheduler thread only
    private final ArrayDeque<Job> waiting = new ArrayDeque<>();
    private final List<Job> active = new ArrayList<>();
    private final float[] logits;
    private final int[] batchSequences;
    private final int[] batchTokens;
    private int rotation;
    private long stepNumber;

    private final LongAdder submitted = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder finished = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    private final LongAdder expired = new LongAdder();
    private final LongAdder stalled = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder promptTokens = new LongAdder();
    private final LongAdder generatedTokens = new LongAdder();
    private final LongAdder steps = new LongAdder();
    private volatile int activeCount;
    private volatile int waitingCount;
    private volatile int pausedCount;

    private BatchScheduler(
            InferenceEngine engine,
            Tokenizer tokenizer,
            SchedulerConfig config,
            InstantSource clock,
            Step.Observer observer) {
        this.engine = engine;
        this.tokenizer = tokenizer;
        this.config = config;
        this.clock = clock;
        this.observer = observer;
        this.shape = engine.shape();
        if (tokenizer.vocabulary().size() != shape.vocabSize()) {
            throw new IllegalArgumentException(
                    "tokenizer has " + tokenizer.vocabulary().size() + " tokens, the model " + shape.vocabSize());
        }
        int batch = Math.min(engine.maxSequences(), config.tokenBudget());
        this.logits = new float[Math.max(batch, 1) * shape.vocabSize()];
        this.batchSequences = new int[batch];
        this.batchTokens = new int[batch];
        this.waitingPermits = new Semaphore(config.queueCapacity());
        this.thread = Thread.ofPlatform()
                .name("cloister-infer-scheduler")
                .daemon(true)
                .unstarted(this::run);
        this.samplingPool =
                new ForkJoinPool(Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors())));
    }

    /** Starts a scheduler thread driving {@code engine} (which the caller keeps and closes). */
    /** The limits this scheduler runs under. */
    public SchedulerConfig config() {
        return config;
    }

    public static BatchScheduler start(InferenceEngine engine, Tokenizer tokenizer, SchedulerConfig config) {
        return start(engine, tokenizer, config, InstantSource.system(), Step.Observer.NONE);
    }

    /** As {@link #start(InferenceEngine, Tokenizer, SchedulerConfig)}, with a clock for deadlines and a step observer. */
    public static BatchScheduler start(
            InferenceEngine engine,
            Tokenizer tokenizer,
            SchedulerConfig config,
            InstantSource clock,
            Step.Observer observer) {
        BatchScheduler scheduler = new BatchScheduler(engine, tokenizer, config, clock, observer);
        scheduler.thread.start();
        return scheduler;
    }

    /**
     * Submits a request. The scheduler takes over {@code prompt} (BOS included, if the model wants one) and zeroes it
     * when the request ends.
     *
     * @throws QueueFullException at once when {@link SchedulerConfig#queueCapacity()} requests are already waiting
     * @throws RejectedExecutionException when the scheduler is closed
     * @throws IllegalArgumentException for an empty or over-long prompt or a token outside the vocabulary
     */
    public Generation submit(int[] prompt, SamplingParameters sampling, Instant deadline, TokenSink sink) {
        if (prompt.length < 1 || prompt.length > shape.maxSequenceLength()) {
            throw new IllegalArgumentException(
                    "prompt of " + prompt.length + " tokens outside [1, " + shape.maxSequenceLength() + "]");
        }
        for (int token : prompt) {
            if (token < 0 || token >= shape.vocabSize()) {
                throw new IllegalArgumentException("prompt token outside [0, " + shape.vocabSize() + ")");
            }
        }
        if (sampling == null || deadline == null || sink == null) {
            throw new IllegalArgumentException("sampling, deadline and sink are required");
        }
        if (closing) {
            rejected.increment();
            throw new RejectedExecutionException("inference scheduler closed");
        }
        if (!waitingPermits.tryAcquire()) {
            rejected.increment();
            throw new QueueFullException(config.queueCapacity());
        }
        Job job = new Job(prompt, sampling, deadline, sink);
        job.generation.wakeWith(wakeups::release);
        submitted.increment();
        inbox.add(job);
        wakeups.release();
        if (closing) {
            // close() may have drained the inbox already: make sure this job is not left behind
            drainAfterStop();
        }
        return job.generation;
    }

    public SchedulerStats stats() {
        return new SchedulerStats(
                submitted.sum(),
                rejected.sum(),
                finished.sum(),
                cancelled.sum(),
                expired.sum(),
                stalled.sum(),
                failed.sum(),
                promptTokens.sum(),
                generatedTokens.sum(),
                steps.sum(),
                activeCount,
                waitingCount,
                pausedCount);
    }

    /** Stops: every unfinished request ends as {@link FinishReason#SHUTDOWN}; returns once the thread has ended. */
    @Override
    public void close() {
        closing = true;
        if (Thread.currentThread() == thread) {
            return; // called from a sink: the loop ends after this step and shuts everything down itself
        }
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        samplingPool.shutdown();
        drainAfterStop();
    }

    /** Ends jobs that arrived after the thread stopped (a submit racing close). */
    private synchronized void drainAfterStop() {
        if (thread.isAlive()) {
            return; // the thread's own shutdown drains the inbox
        }
        Job job;
        while ((job = inbox.poll()) != null) {
            waitingPermits.release();
            end(job, FinishReason.SHUTDOWN);
        }
    }

    private void run() {
        try {
            while (!closing) {
                if (!feedable()) {
                    // Nothing to feed (idle, every request paused, or no sequence could be opened): wait for a new
                    // request, a resume or a cancel, or the next check of pauses, deadlines and free sequences.
                    if (wakeups.tryAcquire(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                        wakeups.drainPermits();
                    }
                }
                inbox.drainTo(waiting);
                endCancelledExpiredAndStalled();
                admit();
                if (feedable()) {
                    step();
                }
                activeCount = active.size();
                waitingCount = waiting.size();
                pausedCount = (int) active.stream().filter(Job::held).count();
            }
        } catch (InterruptedException e) {
            if (!closing) {
                LOG.warn(
                        "inference scheduler interrupted; ending {} active and {} waiting requests",
                        active.size(),
                        waiting.size());
            }
        } catch (RuntimeException | Error e) {
            LOG.error(
                    "inference scheduler stopped by {}; ending {} active and {} waiting requests",
                    e.getClass().getName(),
                    active.size(),
                    waiting.size());
            throw e;
        } finally {
            closing = true;
            inbox.drainTo(waiting);
            for (Job job : List.copyOf(active)) {
                finish(job, FinishReason.SHUTDOWN);
            }
            for (Job job : List.copyOf(waiting)) {
                finish(job, FinishReason.SHUTDOWN);
            }
            activeCount = 0;
            waitingCount = 0;
            pausedCount = 0;
            samplingPool.shutdown();
        }
    }

    /** Whether an active request is not paused: the next step has something to feed. */
    private boolean feedable() {
        for (Job job : active) {
            if (!job.held()) {
                return true;
            }
        }
        return false;
    }

    private void endCancelledExpiredAndStalled() {
        Instant now = clock.instant();
        for (Job job : List.copyOf(waiting)) {
            checkEnded(job, now, false);
        }
        for (Job job : List.copyOf(active)) {
            checkEnded(job, now, true);
        }
    }

    /**
     * Ends a cancelled, expired or stalled request; otherwise takes its pause state for this step (a request paused
     * now is held from now on, its pause timed from the first step that saw it). Only an active request's pause is
     * timed: one still waiting for a sequence has generated nothing, so nothing of it is stalled.
     */
    private void checkEnded(Job job, Instant now, boolean isActive) {
        if (job.generation.cancelRequested()) {
            finish(job, FinishReason.CANCELLED);
        } else if (!now.isBefore(job.deadline)) {
            finish(job, FinishReason.DEADLINE);
        } else if (!isActive) {
            job.pausedSince = null;
        } else if (!job.generation.pauseRequested()) {
            job.pausedSince = null;
        } else if (job.pausedSince == null) {
            job.pausedSince = now;
        } else if (!now.isBefore(job.pausedSince.plus(config.maxPause()))) {
            finish(job, FinishReason.STALLED);
        }
    }

    /** Opens sequences for waiting requests, oldest first, while the engine has room. */
    private void admit() {
        while (!waiting.isEmpty() && active.size() < engine.maxSequences()) {
            Job job = waiting.peek();
            try {
                job.sequence = engine.openSequence();
            } catch (InferenceException e) {
                return; // full for now (another user of the engine, or a slot not yet reusable): try next step
            }
            waiting.poll();
            waitingPermits.release();
            active.add(job);
        }
    }

    private void step() {
        int budget = config.tokenBudget();
        int decodeBatch = decode(budget);
        budget -= decodeBatch;
        int prefillTokens = 0;
        int prefillSequences = 0;
        boolean prefillAttempted = false;
        for (Job job : List.copyOf(active)) {
            if (budget == 0) {
                break;
            }
            if (job.phase() != Phase.PREFILL || job.held()) {
                continue;
            }
            int chunk = Math.min(Math.min(job.prompt.length - job.prefilled, config.prefillChunk()), budget);
            prefillAttempted = true;
            try {
                engine.prefill(job.sequence, job.prompt, job.prefilled, chunk, logits);
            } catch (RuntimeException e) { // InferenceException by contract; anything else from a backend too
                LOG.warn("prefill of {} tokens failed ({})", chunk, e.getClass().getSimpleName());
                finish(job, FinishReason.FAILED);
                continue;
            }
            job.prefilled += chunk;
            budget -= chunk;
            prefillTokens += chunk;
            prefillSequences++;
            promptTokens.add(chunk);
            if (job.prefilled == job.prompt.length) {
                sampleAndAccept(job, 0);
            }
        }
        // the logits say something about the text: wipe the rows this step used
        int usedRows = Math.max(decodeBatch, prefillAttempted ? 1 : 0);
        Arrays.fill(logits, 0, usedRows * shape.vocabSize(), 0f);
        stepNumber++;
        steps.increment();
        try {
            observer.onStep(new Step(stepNumber, decodeBatch, prefillTokens, prefillSequences));
        } catch (RuntimeException e) {
            LOG.warn("step observer failed ({})", e.getClass().getSimpleName());
        }
    }

    /** One batched decode token for the generating sequences (a rotating subset when the budget is smaller). */
    private int decode(int budget) {
        List<Job> generating = new ArrayList<>();
        for (Job job : active) {
            if (job.phase() == Phase.DECODE && !job.held()) {
                generating.add(job);
            }
        }
        if (generating.isEmpty()) {
            return 0;
        }
        int batch = Math.min(Math.min(budget, generating.size()), batchSequences.length);
        int start = Math.floorMod(rotation, generating.size());
        rotation = start + batch;
        List<Job> chosen = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            Job job = generating.get((start + i) % generating.size());
            chosen.add(job);
            batchSequences[i] = job.sequence;
            batchTokens[i] = job.pending;
        }
        try {
            engine.decode(batchSequences, batchTokens, batch, logits);
        } catch (RuntimeException e) { // InferenceException by contract; anything else from a backend too
            LOG.warn("decode of a batch of {} failed ({})", batch, e.getClass().getSimpleName());
            for (Job job : chosen) {
                finish(job, FinishReason.FAILED);
            }
            return batch;
        } finally {
            Arrays.fill(batchTokens, 0);
        }
        // sampling is independent per sequence (each has its own sampler): spread a large batch over the sampling
        // pool, then deliver in batch order on this thread
        int[] sampled = new int[batch];
        if (batch >= PARALLEL_SAMPLING_BATCH) {
            samplingPool
                    .submit(() ->
                            IntStream.range(0, batch).parallel().forEach(i -> sampled[i] = sampleRow(chosen.get(i), i)))
                    .join();
        } else {
            for (int i = 0; i < batch; i++) {
                sampled[i] = sampleRow(chosen.get(i), i);
            }
        }
        for (int i = 0; i < batch; i++) {
            Job job = chosen.get(i);
            job.pending = -1;
            if (sampled[i] < 0) {
                LOG.warn("sampling failed: the engine returned unusable logits");
                finish(job, FinishReason.FAILED);
            } else {
                accept(job, sampled[i]);
            }
        }
        return batch;
    }

    /** The job's next token from its row of the decode logits, or -1 when the row is unusable. */
    private int sampleRow(Job job, int row) {
        try {
            return job.sampler.sample(logits, row * shape.vocabSize(), shape.vocabSize());
        } catch (IllegalStateException e) {
            return -1;
        }
    }

    /** Samples the job's next token from its row of logits (a broken row fails the job, not the scheduler). */
    private void sampleAndAccept(Job job, int row) {
        int token;
        try {
            token = job.sampler.sample(logits, row, shape.vocabSize());
        } catch (IllegalStateException e) {
            LOG.warn("sampling failed: the engine returned unusable logits");
            finish(job, FinishReason.FAILED);
            return;
        }
        accept(job, token);
    }

    /** A token was sampled for the job: stop, or deliver it and keep it for the next decode. */
    private void accept(Job job, int token) {
        if (tokenizer.endsText(token)) {
            finish(job, FinishReason.END_OF_TEXT);
            return;
        }
        byte[] piece = tokenizer.piece(job.previous, token);
        job.previous = token;
        job.generated++;
        generatedTokens.increment();
        boolean stop = job.stops.append(piece);
        try {
            job.sink.onToken(token, piece);
        } catch (RuntimeException e) {
            LOG.warn("token sink failed ({})", e.getClass().getSimpleName());
            finish(job, FinishReason.FAILED);
            return;
        }
        if (stop) {
            finish(job, FinishReason.STOP_STRING);
        } else if (job.generated >= job.sampling.maxTokens()) {
            finish(job, FinishReason.MAX_TOKENS);
        } else if (engine.position(job.sequence) >= shape.maxSequenceLength()) {
            finish(job, FinishReason.CONTEXT_FULL);
        } else {
            job.pending = token;
        }
    }

    /** Ends a job: closes its sequence, zeroes what it held, then tells its sink and future. */
    private void finish(Job job, FinishReason reason) {
        if (job.ended) {
            return;
        }
        if (job.sequence >= 0) {
            active.remove(job);
            try {
                engine.closeSequence(job.sequence);
            } catch (RuntimeException e) { // the other jobs must still be ended
                LOG.error("closing a sequence failed ({})", e.getClass().getSimpleName());
            }
            job.sequence = -1;
        } else if (waiting.remove(job)) {
            waitingPermits.release();
        }
        end(job, reason);
    }

    private void end(Job job, FinishReason reason) {
        job.ended = true;
        Arrays.fill(job.prompt, 0);
        job.stops.wipe();
        job.sampler.wipe();
        job.pending = -1;
        job.previous = -1;
        finished.increment();
        switch (reason) {
            case CANCELLED -> cancelled.increment();
            case DEADLINE -> expired.increment();
            case STALLED -> stalled.increment();
            case FAILED -> failed.increment();
            default -> {}
        }
        Completion completion = new Completion(reason, job.prefilled, job.generated);
        try {
            job.sink.onFinish(completion);
        } catch (RuntimeException e) {
            LOG.warn("token sink failed on finish ({})", e.getClass().getSimpleName());
        }
        job.generation.completable().complete(completion);
    }

    private enum Phase {
        PREFILL,
        DECODE
    }

    /** One request's state; touched by the scheduler thread only (after submit hands it over). */
    private static final class Job {
        final int[] prompt;
        final SamplingParameters sampling;
        final Instant deadline;
        final TokenSink sink;
        final Sampler sampler;
        final StopStrings stops;
        final Generation generation = new Generation();
        int sequence = -1;
        int prefilled;
        int generated;
        int previous;
        int pending = -1;
        boolean ended;
        /** Since when the request is paused, as the last check saw it; null while it may be fed. */
        Instant pausedSince;

        Job(int[] prompt, SamplingParameters sampling, Instant deadline, TokenSink sink) {
            this.prompt = prompt;
            this.sampling = sampling;
            this.deadline = deadline;
            this.sink = sink;
            this.sampler = new Sampler(sampling);
            this.stops = new StopStrings(sampling.stopStrings());
            this.previous = prompt[prompt.length - 1];
        }

        /** Paused as of this step's check: fed nothing. */
        boolean held() {
            return pausedSince != null;
        }

        Phase phase() {
            return prefilled < prompt.length ? Phase.PREFILL : Phase.DECODE;
        }
    }

    @Override
    public String toString() {
        return "BatchScheduler[" + stats() + "]";
    }
}
