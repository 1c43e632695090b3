package dev.cloister.cli;

import dev.cloister.client.session.CloisterClient;
import dev.cloister.server.command.UsageException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cloister summarize --file chat.json}: a private summary, streamed, with the request-log entry. */
@Command(
        name = "summarize",
        mixinStandardHelpOptions = true,
        description =
                "Summarize a chat privately (relay -> gateway -> attested enclave) and print the summary as it streams.")
public final class SummarizeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    SessionOptions session;

    @Option(
            names = "--file",
            required = true,
            description = "Chat JSON: {\"messages\":[{\"id\",\"sender\",\"time\",\"text\"}], \"style\"}")
    Path file;

    @Option(names = "--style", description = "brief, bullets or detailed (default: the file's, else brief)")
    String style;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        JsonObject chat;
        List<CloisterClient.Message> messages = new ArrayList<>();
        try {
            chat = new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
            JsonArray array = chat.getJsonArray("messages");
            for (int i = 0; i < array.size(); i++) {
                JsonObject m = array.getJsonObject(i);
                messages.add(new CloisterClient.Message(
                        m.getString("id"),
                        m.getString("sender"),
                        Instant.parse(m.getString("time")),
                        m.getString("text")));
            }
        } catch (RuntimeException e) {
            throw new UsageException(
                    "--file " + file,
                    "not a chat: expected {\"messages\": [{\"id\", \"sender\", "
                            + "\"time\" (ISO-8601), \"text\"}], \"style\"}");
        }
        String chosen = style != null ? style : chat.getString("style", "brief");
        return Sessions.run(
                session,
                spec,
                client -> client.summarize(messages, chosen, piece -> {
                    out.print(piece);
                    out.flush();
                }));
    }
}
