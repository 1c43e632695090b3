package dev.cloister.enclave.ratls;

import dev.cloister.attest.ratls.RaTlsAttestation;
import dev.cloister.attest.ratls.RaTlsClient;
import dev.cloister.attest.ratls.RaTlsConnection;
import dev.cloister.attest.ratls.RaTlsException;
import dev.cloister.attest.ratls.RaTlsServer;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * An RA-TLS session over a Vert.x {@link NetSocket} (enclave ↔ enclave): the transport for the engine of
 * {@code dev.cloister.attest.ratls}. Handshake input runs on virtual threads, in order per socket (the server side
 * waits there for its hardware report); once the handshake is done, records are decrypted and encrypted on the
 * socket's event loop (cheap AEAD work). A handshake that does not finish before its deadline fails with
 * {@link RaTlsException.Reason#TIMEOUT} and the socket is closed.
 */
public final class RaTlsChannel {

    /** Where handshake input runs: one virtual thread per task (tasks of one socket are chained, never concurrent). */
    private static final java.util.concurrent.Executor BLOCKING =
            java.util.concurrent.Executors.newThreadPerTaskExecutor(
                    Thread.ofVirtual().name("ra-tls-handshake-", 0).factory());

    private final NetSocket socket;
    private final RaTlsConnection connection;
    private final Handshake handshake;
    private Handler<Buffer> dataHandler;
    private Handler<Throwable> failureHandler;
    private Buffer pending = Buffer.buffer();

    private RaTlsChannel(NetSocket socket, RaTlsConnection connection, Handshake handshake) {
        this.socket = socket;
        this.connection = connection;
        this.handshake = handshake;
    }

    /**
     * Connects to {@code address} and runs the client side of the handshake.
     *
     * @param handshakeTimeout the whole handshake (connect included) must finish within this
     * @return the channel once the server is attested; failed with an {@link RaTlsException} otherwise
     */
    public static Future<RaTlsChannel> connect(
            Vertx vertx, NetClient client, SocketAddress address, RaTlsClient raTls, Duration handshakeTimeout) {
        RaTlsConnection connection;
        try {
            connection = raTls.connect();
        } catch (RaTlsException e) {
            return Future.failedFuture(e);
        }
        return client.connect(address)
                .compose(socket -> new Handshake(vertx, socket, connection, handshakeTimeout).start());
    }

    /** Runs the server side of the handshake on an accepted socket (call from a NetServer's connect handler). */
    public static Future<RaTlsChannel> accept(
            Vertx vertx, NetSocket socket, RaTlsServer raTls, Duration handshakeTimeout) {
        return new Handshake(vertx, socket, raTls.accept(), handshakeTimeout).start();
    }

    /** The attested peer (always for a client; for a server in mutual RA-TLS). */
    public Optional<RaTlsAttestation> peer() {
        return connection.peer();
    }

    /** Receives decrypted application data. Data that arrived before the handler was set is delivered at once. */
    public RaTlsChannel handler(Handler<Buffer> handler) {
        this.dataHandler = handler;
        if (pending.length() > 0 && handler != null) {
            Buffer b = pending;
            pending = Buffer.buffer();
            handler.handle(b);
        }
        return this;
    }

    /** Called once if the session fails after the handshake (bad record, peer alert); the socket is then closed. */
    public RaTlsChannel failureHandler(Handler<Throwable> handler) {
        this.failureHandler = handler;
        return this;
    }

    /** Called when the socket closes. */
    public RaTlsChannel closeHandler(Handler<Void> handler) {
        socket.closeHandler(handler);
        return this;
    }

    /** Encrypts and sends application data. */
    public Future<Void> write(Buffer data) {
        try {
            connection.send(data.getBytes());
        } catch (RaTlsException e) {
            return Future.failedFuture(e);
        }
        return socket.write(Buffer.buffer(connection.takeOutgoing()));
    }

    /** Sends close_notify, drops the session keys and closes the socket. */
    public Future<Void> close() {
        connection.close();
        byte[] last = connection.takeOutgoing();
        Future<Void> sent = last.length > 0 ? socket.write(Buffer.buffer(last)) : Future.succeededFuture();
        return sent.eventually(socket::close);
    }

    private void established() {
        socket.handler(this::onRecord);
        drain();
    }

    private void onRecord(Buffer data) {
        if (!handshake.tail.isComplete()) {
            // Handshake input still queued on the worker: keep the byte order by queuing behind it (on this loop).
            handshake.tail = handshake.tail.transform(previous -> {
                process(data);
                return Future.succeededFuture();
            });
            return;
        }
        process(data);
    }

    /** Delivers what the connection decrypted and sends what it produced. */
    private void drain() {
        byte[] out = connection.takeOutgoing();
        if (out.length > 0) {
            socket.write(Buffer.buffer(out));
        }
        byte[] in = connection.takeReceived();
        if (in.length > 0) {
            if (dataHandler != null) {
                dataHandler.handle(Buffer.buffer(in));
            } else {
                pending.appendBytes(in);
            }
        }
    }

    private void process(Buffer data) {
        try {
            connection.receive(data.getBytes());
        } catch (RaTlsException e) {
            byte[] alert = connection.takeOutgoing();
            (alert.length > 0 ? socket.write(Buffer.buffer(alert)) : Future.<Void>succeededFuture())
                    .eventually(socket::close);
            if (failureHandler != null) {
                failureHandler.handle(e);
            }
            return;
        }
        drain();
        if (connection.isClosed()) {
            socket.close();
        }
    }

    /** Drives one handshake: bytes in on a worker (ordered), bytes out on the event loop, a deadline timer. */
    private static final class Handshake {
        private final Vertx vertx;
        private final io.vertx.core.Context context;
        private final NetSocket socket;
        private final RaTlsConnection connection;
        private final Promise<RaTlsChannel> promise = Promise.promise();
        private final long timer;
        /** The last queued input task: input is processed strictly in arrival order. Event-loop only. */
        Future<Void> tail = Future.succeededFuture();

        Handshake(Vertx vertx, NetSocket socket, RaTlsConnection connection, Duration timeout) {
            this.vertx = vertx;
            this.context = vertx.getOrCreateContext();
            this.socket = Objects.requireNonNull(socket, "socket");
            this.connection = connection;
            this.timer = vertx.setTimer(
                    Math.max(1, timeout.toMillis()),
                    id -> fail(new RaTlsException(
                            RaTlsException.Reason.TIMEOUT, "handshake not complete within " + timeout)));
        }

        Future<RaTlsChannel> start() {
            socket.handler(this::onBytes);
            // Behind the queued input: an alert that arrived just before the close is the better reason.
            socket.closeHandler(v -> tail = tail.transform(previous -> {
                fail(new RaTlsException(
                        RaTlsException.Reason.CLOSED, "the peer closed the socket during the handshake"));
                return Future.succeededFuture();
            }));
            socket.exceptionHandler(e -> fail(new RaTlsException(
                    RaTlsException.Reason.CLOSED,
                    "socket error during the handshake: " + e.getClass().getSimpleName(),
                    e)));
            flush(connection.takeOutgoing());
            return promise.future();
        }

        private void onBytes(Buffer data) {
            byte[] bytes = data.getBytes();
            // One task at a time per connection, in arrival order; different connections run in parallel
            // (an ordered executeBlocking would serialize every connection of this event loop).
            tail = tail.transform(previous -> offEventLoop(() -> {
                        try {
                            connection.receive(bytes);
                            return connection.takeOutgoing();
                        } catch (RaTlsException e) {
                            throw new FailedWithOutput(e, connection.takeOutgoing());
                        }
                    })
                    .onComplete(this::afterInput)
                    .transform(done -> Future.<Void>succeededFuture()));
        }

        /**
         * Runs blocking handshake work on a virtual thread (a server may wait tens of milliseconds for its batch's
         * hardware report: a worker pool would cap the handshakes in flight) and completes on this handshake's
         * context, so every callback stays on the event loop.
         */
        private <T> Future<T> offEventLoop(java.util.concurrent.Callable<T> work) {
            Promise<T> done = Promise.promise();
            BLOCKING.execute(() -> {
                T result = null;
                Throwable failure = null;
                try {
                    result = work.call();
                } catch (Exception | Error e) {
                    failure = e;
                }
                T r = result;
                Throwable f = failure;
                try {
                    context.runOnContext(v -> {
                        if (f == null) {
                            done.complete(r);
                        } else {
                            done.fail(f);
                        }
                    });
                } catch (java.util.concurrent.RejectedExecutionException vertxClosed) {
                    // Vert.x is shutting down: no one will drive this connection again; drop its keys.
                    connection.close();
                }
            });
            return done.future();
        }

        private void afterInput(io.vertx.core.AsyncResult<byte[]> ar) {
            if (promise.future().failed()) {
                return;
            }
            if (promise.future().succeeded()) {
                // Bytes that arrived with or just after the last handshake message: they belong to the channel.
                RaTlsChannel channel = promise.future().result();
                if (ar.succeeded()) {
                    flush(ar.result());
                    channel.drain();
                } else {
                    if (ar.cause() instanceof FailedWithOutput f) {
                        flush(f.output);
                    }
                    socket.close();
                    if (channel.failureHandler != null) {
                        channel.failureHandler.handle(
                                ar.cause() instanceof FailedWithOutput f ? f.failure : ar.cause());
                    }
                }
                return;
            }
            if (ar.failed()) {
                if (ar.cause() instanceof FailedWithOutput f) {
                    flush(f.output);
                    fail(f.failure);
                } else {
                    fail(ar.cause());
                }
                return;
            }
            flush(ar.result());
            if (connection.isHandshakeComplete()) {
                vertx.cancelTimer(timer);
                RaTlsChannel channel = new RaTlsChannel(socket, connection, this);
                socket.closeHandler(null);
                socket.exceptionHandler(null);
                channel.established();
                promise.complete(channel);
            }
        }

        private void flush(byte[] out) {
            if (out.length > 0) {
                socket.write(Buffer.buffer(out));
            }
        }

        private void fail(Throwable cause) {
            if (promise.tryFail(cause)) {
                vertx.cancelTimer(timer);
                socket.handler(null);
                socket.closeHandler(null);
                socket.close();
                // The connection's lock may be held by a worker still waiting for evidence: drop its keys there,
                // after that worker.
                tail = tail.transform(previous -> offEventLoop(() -> {
                            connection.close();
                            return null;
                        }))
                        .transform(done -> Future.<Void>succeededFuture());
            }
        }
    }

    /** Carries a refusal and the alert to send with it out of the worker. */
    private static final class FailedWithOutput extends Exception {
        private static final long serialVersionUID = 1L;
        final transient RaTlsException failure;
        final transient byte[] output;

        FailedWithOutput(RaTlsException failure, byte[] output) {
            super(failure.getMessage(), failure, false, false);
            this.failure = failure;
            this.output = output;
        }
    }
}
