package dev.cloister.relay;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * The gateway replicas one relay verticle forwards to, and what it last learnt of each: round robin over the replicas
 * that answered their last probe. A replica leaves the turn when its probe fails or a connection to it cannot be
 * opened, and comes back when a probe succeeds. Confined to the verticle's event loop: no locking.
 */
final class GatewayReplicas {

    /** One gateway replica: its URL and whether it is in the turn. */
    static final class Replica {
        private final URI url;
        private boolean healthy = true;

        private Replica(URI url) {
            this.url = url;
        }

        URI url() {
            return url;
        }

        boolean healthy() {
            return healthy;
        }

        @Override
        public String toString() {
            return url + (healthy ? " (healthy)" : " (down)");
        }
    }

    private final List<Replica> replicas;
    private int next;

    GatewayReplicas(List<URI> urls) {
        if (urls.isEmpty()) throw new IllegalArgumentException("no gateway replica");
        List<Replica> list = new ArrayList<>(urls.size());
        for (URI url : urls) list.add(new Replica(url));
        this.replicas = List.copyOf(list);
    }

    List<Replica> all() {
        return replicas;
    }

    /**
     * The replica to try next, other than {@code excluded}: the next healthy one in turn; if none is healthy, the next
     * one in turn all the same (a probe may be stale, and a refused connection is answered as before); {@code null}
     * when there is no other replica.
     *
     * @param excluded the replica that just failed to connect, or {@code null} for an exchange's first attempt
     */
    Replica choose(Replica excluded) {
        int size = replicas.size();
        Replica fallback = null;
        for (int i = 0; i < size; i++) {
            Replica candidate = replicas.get(Math.floorMod(next + i, size));
            if (candidate == excluded) continue;
            if (candidate.healthy) {
                next = Math.floorMod(next + i + 1, size);
                return candidate;
            }
            if (fallback == null) fallback = candidate;
        }
        if (fallback != null) next = Math.floorMod(replicas.indexOf(fallback) + 1, size);
        return fallback;
    }

    /** Records a probe or connection outcome; true if it changed the replica's state. */
    boolean mark(Replica replica, boolean healthy) {
        boolean changed = replica.healthy != healthy;
        replica.healthy = healthy;
        return changed;
    }

    int healthyCount() {
        int n = 0;
        for (Replica r : replicas) if (r.healthy) n++;
        return n;
    }
}
