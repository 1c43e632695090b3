package dev.cloister.infer.scheduler;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A sink that keeps what it gets (test code: it holds plaintext on purpose). */
class CollectingSink implements TokenSink {

    final List<Integer> tokens = new ArrayList<>();
    final ByteArrayOutputStream text = new ByteArrayOutputStream();
    final CompletableFuture<Completion> finished = new CompletableFuture<>();
    int finishCalls;

    @Override
    public synchronized void onToken(int token, byte[] piece) {
        tokens.add(token);
        text.writeBytes(piece);
    }

    @Override
    public synchronized void onFinish(Completion completion) {
        finishCalls++;
        finished.complete(completion);
    }

    synchronized int[] ids() {
        return tokens.stream().mapToInt(Integer::intValue).toArray();
    }

    synchronized String text() {
        return text.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
}
