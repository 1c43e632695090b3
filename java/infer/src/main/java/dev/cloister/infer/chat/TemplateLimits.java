package dev.cloister.infer.chat;

import java.time.Duration;
import java.util.Objects;

/**
 * How much a chat template from a model file may cost: the template text comes from whoever made the GGUF, so its
 * size, its output, the work it does and the collections it builds are bounded, and a render past a bound is refused.
 *
 * @param maxTemplateChars the longest template text accepted (real templates are a few KiB)
 * @param maxOutputChars the longest prompt (and the longest string) a render may produce, in UTF-16 units
 * @param maxNodes template nodes (tags, expressions, text) a render may evaluate, loop iterations included
 * @param maxRenderTime the wall-clock time a render may take, checked at every node
 * @param maxCollectionSize the largest list or mapping a template may build, and the longest {@code range}
 * @param maxNesting how deep {@code tojson} descends into nested lists and mappings
 */
public record TemplateLimits(
        int maxTemplateChars,
        long maxOutputChars,
        long maxNodes,
        Duration maxRenderTime,
        int maxCollectionSize,
        int maxNesting) {

    public TemplateLimits {
        Objects.requireNonNull(maxRenderTime, "maxRenderTime");
        if (maxTemplateChars < 1) throw new IllegalArgumentException("maxTemplateChars must be at least 1");
        if (maxOutputChars < 1) throw new IllegalArgumentException("maxOutputChars must be at least 1");
        if (maxNodes < 1) throw new IllegalArgumentException("maxNodes must be at least 1");
        if (maxRenderTime.isNegative() || maxRenderTime.isZero()) {
            throw new IllegalArgumentException("maxRenderTime must be positive");
        }
        if (maxCollectionSize < 1) throw new IllegalArgumentException("maxCollectionSize must be at least 1");
        if (maxNesting < 1) throw new IllegalArgumentException("maxNesting must be at least 1");
    }

    /**
     * 256 KiB of template, 8 Mi characters of prompt (beyond any context window the engine serves), 250 000 nodes,
     * five seconds, 10 000 elements per collection, 64 levels of nesting.
     */
    public static TemplateLimits defaults() {
        return new TemplateLimits(256 * 1024, 8L << 20, 250_000, Duration.ofSeconds(5), 10_000, 64);
    }
}
