package dev.cloister.protocol.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.client.WebClient;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A server that never stops sending cannot grow the client's heap; bodies within the limit arrive whole. */
class BoundedResponseTest {
    private Vertx vertx;
    private HttpServer server;
    private WebClient web;
    private final AtomicLong sent = new AtomicLong();

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        server = vertx.createHttpServer()
                .requestHandler(request -> {
                    switch (request.path()) {
                        case "/small" -> request.response().end("hello");
                        default -> { // endless chunked body
                            var response = request.response().setChunked(true);
                            Buffer chunk = Buffer.buffer(new byte[64 * 1024]);
                            vertx.setPeriodic(1, id -> {
                                if (response.closed() || sent.get() > (512L << 20)) {
                                    vertx.cancelTimer(id);
                                    return;
                                }
                                for (int i = 0; i < 16 && !response.writeQueueFull(); i++) {
                                    response.write(chunk);
                                    sent.addAndGet(chunk.length());
                                }
                            });
                        }
                    }
                })
                .listen(0, "127.0.0.1")
                .await(10, TimeUnit.SECONDS);
        web = WebClient.create(vertx);
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.actualPort() + path;
    }

    @Test
    void aBodyWithinTheLimitArrivesWhole() throws Exception {
        BoundedResponse r =
                BoundedResponse.send(web.getAbs(url("/small")), null, 5).await(10, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode());
        assertEquals("hello", r.body().toString());
    }

    @Test
    void anEndlessBodyFailsAtTheLimit() {
        Exception e = assertThrows(
                Exception.class,
                () -> BoundedResponse.send(web.getAbs(url("/endless")), null, 1 << 20)
                        .await(30, TimeUnit.SECONDS));
        assertInstanceOf(
                BoundedResponse.TooLarge.class, e instanceof CompletionException ? e.getCause() : e, e.toString());
        assertTrue(
                sent.get() < (512L << 20), "the client stopped reading long before the server gave up: " + sent.get());
    }

    @Test
    void oneByteOverTheLimitFails() {
        Exception e = assertThrows(
                Exception.class,
                () -> BoundedResponse.send(web.getAbs(url("/small")), null, 4).await(10, TimeUnit.SECONDS));
        assertInstanceOf(
                BoundedResponse.TooLarge.class, e instanceof CompletionException ? e.getCause() : e, e.toString());
    }
}
