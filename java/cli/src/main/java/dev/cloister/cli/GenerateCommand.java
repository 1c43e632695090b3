package dev.cloister.cli;

import dev.cloister.enclave.ModelArgument;
import dev.cloister.infer.chat.ChatMessage;
import dev.cloister.infer.chat.ChatPrompt;
import dev.cloister.infer.chat.ChatTemplate;
import dev.cloister.infer.chat.GgufChatTemplate;
import dev.cloister.infer.chat.PlainChatTemplate;
import dev.cloister.infer.model.GgufFile;
import dev.cloister.infer.model.ModelFiles;
import dev.cloister.infer.nativecore.NativeEngine;
import dev.cloister.infer.sampling.SamplingParameters;
import dev.cloister.infer.scheduler.BatchScheduler;
import dev.cloister.infer.scheduler.Completion;
import dev.cloister.infer.scheduler.SchedulerConfig;
import dev.cloister.infer.scheduler.TokenSink;
import dev.cloister.infer.tokenizer.Framing;
import dev.cloister.infer.tokenizer.GgufVocabulary;
import dev.cloister.infer.tokenizer.LlamaTokenizerFile;
import dev.cloister.infer.tokenizer.SentencePieceTokenizer;
import dev.cloister.infer.tokenizer.Tokenizer;
import dev.cloister.server.command.UsageException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cloister generate}: run the local model on a prompt, for humans (progress, then tokens/s). */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description = "Generate text from a prompt with the native engine (llama2.c checkpoints or GGUF files).")
public final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--model",
            required = true,
            description = "A model path (llama2.c .bin or .gguf), or stories15M / stories260K")
    String model;

    @Option(names = "--tokenizer", description = "tokenizer.bin for a llama2.c checkpoint (GGUF files carry their own)")
    Path tokenizer;

    @Option(
            names = "--prompt",
            required = true,
            description = "The prompt: one user message in the model's chat template (see --raw)")
    String prompt;

    @Option(
            names = "--raw",
            description = "Give the prompt to the model as is, without its chat template (models without a template"
                    + " always get it as is)")
    boolean raw;

    @Option(
            names = "--steps",
            defaultValue = "128",
            description = "Tokens to generate at most (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(
            names = "--temperature",
            defaultValue = "0",
            description = "0 = greedy (default), else sampling temperature")
    float temperature;

    @Option(
            names = "--top-p",
            defaultValue = "0.9",
            description = "Nucleus sampling threshold (default: ${DEFAULT-VALUE})")
    float topP;

    @Option(names = "--seed", defaultValue = "42", description = "Sampling seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--threads", defaultValue = "2", description = "CPU threads (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--backend", defaultValue = "AUTO", description = "AUTO, CPU or CUDA (default: ${DEFAULT-VALUE})")
    NativeEngine.Backend backend;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (steps < 1) throw new UsageException("--steps " + steps, "must be at least 1");
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new UsageException("--temperature " + temperature, "must be a finite number, 0 or more (0: greedy)");
        }
        if (!(topP > 0 && topP <= 1)) throw new UsageException("--top-p " + topP, "must be in (0, 1]");
        if (threads < 1) throw new UsageException("--threads " + threads, "must be at least 1");
        Path modelFile;
        Tokenizer words;
        ChatTemplate chat = PlainChatTemplate.INSTANCE;
        ModelFiles files = ModelArgument.resolve(
                spec.commandLine(), model, tokenizer, null, line -> err.println("model: " + line));
        modelFile = files.checkpoint();
        if (files.isGguf()) {
            GgufFile gguf = GgufFile.open(modelFile);
            words = GgufVocabulary.tokenizer(gguf);
            chat = GgufChatTemplate.of(gguf);
        } else {
            words = new SentencePieceTokenizer(LlamaTokenizerFile.read(files.tokenizer()));
        }
        long loadStart = System.nanoTime();
        err.print("loading " + modelFile.getFileName() + " ... ");
        err.flush();
        try (NativeEngine engine = NativeEngine.open(
                        modelFile,
                        NativeEngine.Options.defaults()
                                .withBackend(backend)
                                .withThreads(threads)
                                .withMaxSequences(1));
                BatchScheduler scheduler = BatchScheduler.start(engine, words, new SchedulerConfig(1, 512, 512))) {
            err.printf(
                    "%s, %d layers, dim %d, vocab %d, %s (%.2f s)%n",
                    engine.shape().maxSequenceLength() + " context",
                    engine.shape().layers(),
                    engine.shape().dim(),
                    engine.shape().vocabSize(),
                    engine.backendDescription(),
                    (System.nanoTime() - loadStart) / 1e9);
            err.flush();
            boolean chatting = !raw && chat != PlainChatTemplate.INSTANCE;
            int[] tokens = chatting
                    ? new ChatPrompt(chat, words).encode(List.of(ChatMessage.user(prompt)), true)
                    : words.encode(prompt.getBytes(StandardCharsets.UTF_8), Framing.BOS);
            int room = Math.max(1, Math.min(steps, engine.shape().maxSequenceLength() - tokens.length));
            SamplingParameters sampling = temperature <= 0
                    ? SamplingParameters.greedy(room)
                    : SamplingParameters.sampled(temperature, topP, seed, room);
            if (!chatting) {
                out.print(prompt); // the model continues it; a chat model's answer stands alone
                out.flush();
            }
            long[] first = {0};
            CompletableFuture<Completion> done = new CompletableFuture<>();
            long start = System.nanoTime();
            scheduler.submit(tokens, sampling, Instant.now().plusSeconds(600), new TokenSink() {
                @Override
                public void onToken(int token, byte[] piece) {
                    if (first[0] == 0) first[0] = System.nanoTime();
                    out.print(new String(piece, StandardCharsets.UTF_8));
                    out.flush();
                }

                @Override
                public void onFinish(Completion completion) {
                    done.complete(completion);
                }
            });
            Completion completion = done.get(610, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - start) / 1e9;
            out.println();
            err.printf(
                    "%d prompt + %d generated tokens in %.2f s: %.1f tokens/s (%s)%n",
                    completion.promptTokens(),
                    completion.generatedTokens(),
                    seconds,
                    completion.generatedTokens() / seconds,
                    completion.reason().name().toLowerCase());
            err.flush();
            return 0;
        }
    }
}
