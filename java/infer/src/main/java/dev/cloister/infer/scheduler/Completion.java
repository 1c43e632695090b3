package dev.cloister.infer.scheduler;

import dev.cloister.infer.sampling.FinishReason;

/**
 * How a request ended.
 *
 * @param reason why it ended
 * @param promptTokens the prompt tokens fed to the engine
 * @param generatedTokens the tokens delivered to the sink
 */
public record Completion(FinishReason reason, int promptTokens, int generatedTokens) {}
