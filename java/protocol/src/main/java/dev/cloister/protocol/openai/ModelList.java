package dev.cloister.protocol.openai;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The answer to {@code GET /v1/models}: the OpenAI API's {@code list} of {@code model} objects. */
public record ModelList(List<Model> models) {

    /** One model the enclave serves. */
    public record Model(String id, long created, String ownedBy) {}

    public ModelList {
        models = List.copyOf(models);
    }

    public JsonObject toJson() {
        JsonArray data = new JsonArray();
        for (Model m : models) {
            data.add(new JsonObject()
                    .put("id", m.id())
                    .put("object", "model")
                    .put("created", m.created())
                    .put("owned_by", m.ownedBy()));
        }
        return new JsonObject().put("object", "list").put("data", data);
    }

    public byte[] encode() {
        return toJson().encode().getBytes(StandardCharsets.UTF_8);
    }

    public static ModelList decode(byte[] body) throws ChatCompletion.Malformed {
        JsonObject json = ChatCompletion.object(body);
        if (!"list".equals(json.getValue("object")) || !(json.getValue("data") instanceof JsonArray data)) {
            throw new ChatCompletion.Malformed("the answer is not a list of models");
        }
        List<Model> models = new ArrayList<>(data.size());
        for (int i = 0; i < data.size(); i++) {
            if (!(data.getValue(i) instanceof JsonObject m))
                throw new ChatCompletion.Malformed("a model is not an object");
            models.add(new Model(
                    ChatCompletion.string(m, "id"),
                    ChatCompletion.number(m, "created"),
                    ChatCompletion.string(m, "owned_by")));
        }
        return new ModelList(models);
    }
}
