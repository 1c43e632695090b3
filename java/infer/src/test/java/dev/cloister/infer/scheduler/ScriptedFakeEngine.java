package dev.cloister.infer.scheduler;

import dev.cloister.infer.InferenceEngine;
import dev.cloister.infer.InferenceException;
import dev.cloister.infer.ModelShape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * A fake engine for scheduler tests: no model; after a sequence holds {@code p} tokens its logits favour
 * {@code script.applyAsInt(p)}. Its "KV cache" records the fed tokens so tests can see it zeroed on close, and it can
 * be told to fail a given decode call.
 */
final class ScriptedFakeEngine implements InferenceEngine {

    private final ModelShape shape;
    private final int maxSequences;
    private final IntUnaryOperator script;
    private final int[][] kv;
    private final int[] positions;
    private final boolean[] open;
    final List<Integer> opened = new ArrayList<>();
    final List<Integer> closed = new ArrayList<>();
    final List<int[]> zeroedOnClose = new ArrayList<>();
    int decodeCalls;
    int failDecodeCall = -1;
    int nanDecodeCall = -1;

    ScriptedFakeEngine(int vocab, int contextLength, int maxSequences, IntUnaryOperator script) {
        this.shape = new ModelShape(8, 8, 1, 1, 1, vocab, contextLength);
        this.maxSequences = maxSequences;
        this.script = script;
        this.kv = new int[maxSequences][contextLength];
        this.positions = new int[maxSequences];
        this.open = new boolean[maxSequences];
    }

    @Override
    public ModelShape shape() {
        return shape;
    }

    @Override
    public int maxSequences() {
        return maxSequences;
    }

    @Override
    public int openSequence() {
        for (int i = 0; i < maxSequences; i++) {
            if (!open[i]) {
                open[i] = true;
                opened.add(i);
                return i;
            }
        }
        throw new InferenceException("full");
    }

    @Override
    public int position(int sequence) {
        check(sequence);
        return positions[sequence];
    }

    @Override
    public void prefill(int sequence, int[] tokens, int offset, int count, float[] logits) {
        check(sequence);
        for (int i = 0; i < count; i++) {
            feed(sequence, tokens[offset + i]);
        }
        favour(logits, 0, script.applyAsInt(positions[sequence]));
    }

    @Override
    public void decode(int[] sequences, int[] tokens, int batch, float[] logits) {
        if (decodeCalls == failDecodeCall) {
            decodeCalls++;
            throw new InferenceException("injected decode failure");
        }
        boolean nan = decodeCalls++ == nanDecodeCall;
        for (int i = 0; i < batch; i++) {
            check(sequences[i]);
            feed(sequences[i], tokens[i]);
            favour(logits, i * shape.vocabSize(), script.applyAsInt(positions[sequences[i]]));
            if (nan) {
                Arrays.fill(logits, i * shape.vocabSize(), (i + 1) * shape.vocabSize(), Float.NaN);
            }
        }
    }

    private void feed(int sequence, int token) {
        if (positions[sequence] >= shape.maxSequenceLength()) {
            throw new InferenceException("past the context");
        }
        kv[sequence][positions[sequence]++] = token + 1;
    }

    private void favour(float[] logits, int at, int token) {
        Arrays.fill(logits, at, at + shape.vocabSize(), 0f);
        logits[at + token] = 10f;
    }

    @Override
    public void closeSequence(int sequence) {
        check(sequence);
        Arrays.fill(kv[sequence], 0);
        zeroedOnClose.add(kv[sequence].clone());
        positions[sequence] = 0;
        open[sequence] = false;
        closed.add(sequence);
    }

    int openCount() {
        int n = 0;
        for (boolean o : open) {
            n += o ? 1 : 0;
        }
        return n;
    }

    private void check(int sequence) {
        if (sequence < 0 || sequence >= maxSequences || !open[sequence]) {
            throw new InferenceException("sequence not open");
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < maxSequences; i++) {
            if (open[i]) {
                closeSequence(i);
            }
        }
    }
}
