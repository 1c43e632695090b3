package dev.cloister.protocol.openai;

import io.vertx.core.json.JsonObject;

/** Token counts of a completion, as the OpenAI API reports them ({@code total_tokens} is their sum). */
public record Usage(int promptTokens, int completionTokens) {

    public Usage {
        if (promptTokens < 0 || completionTokens < 0) throw new IllegalArgumentException("negative token count");
    }

    public int totalTokens() {
        return promptTokens + completionTokens;
    }

    JsonObject toJson() {
        return new JsonObject()
                .put("prompt_tokens", promptTokens)
                .put("completion_tokens", completionTokens)
                .put("total_tokens", totalTokens());
    }

    static Usage of(Object value) throws ChatCompletion.Malformed {
        if (!(value instanceof JsonObject json)
                || !(json.getValue("prompt_tokens") instanceof Integer prompt && prompt >= 0)
                || !(json.getValue("completion_tokens") instanceof Integer completion && completion >= 0)) {
            throw new ChatCompletion.Malformed("the usage is missing or not counts");
        }
        return new Usage(prompt, completion);
    }
}
