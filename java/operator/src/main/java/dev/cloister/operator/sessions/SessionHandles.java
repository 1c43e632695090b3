package dev.cloister.operator.sessions;

import io.vertx.core.Future;
import java.util.Optional;

/**
 * The gateway's opaque session handles. A handle is 128 random bits (base64url), names a route (an enclave and the
 * enclave-side session id) and is single use: taking it for a request removes it, and the answer carries the next
 * handle of the chain. Handles expire after an idle time. A client can never name an enclave: it only ever holds
 * handles the gateway minted.
 *
 * <p>Two stores: {@link EmbeddedSessionHandles} (one gateway process, the default) and {@link RedisSessionHandles}
 * (shared by gateway replicas, so that any replica serves any step of any session). A store that cannot answer fails
 * the future with {@link Unavailable}: the gateway then answers 503 and never forwards a step whose handle it could not
 * check.
 */
public sealed interface SessionHandles permits EmbeddedSessionHandles, RedisSessionHandles {

    /** Where a session's bytes go: the enclave, and the session id the enclave knows it by (never shown to clients). */
    record Route(String enclaveId, String enclaveSession) {}

    /** The store could not confirm a mint or a take (unreachable, no answer in time, an unexpected reply). */
    final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A fresh random identifier (for handles and enclave session ids). */
    String randomId();

    /** Mints a handle for {@code route}; empty when the store is full (the caller answers 503). */
    Future<Optional<String>> mint(Route route);

    /** Takes (removes) a live handle: a handle works once. Unknown, used and expired handles give empty. */
    Future<Optional<Route>> take(String handle);
}
