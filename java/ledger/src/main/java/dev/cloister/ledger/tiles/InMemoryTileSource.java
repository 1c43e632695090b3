package dev.cloister.ledger.tiles;

import java.nio.file.NoSuchFileException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link TileSource} backed by a map, for tests and for serving a log built in memory. */
public final class InMemoryTileSource implements TileSource {

    private final Map<String, byte[]> resources = new ConcurrentHashMap<>();

    /** Stores (or replaces) the resource at {@code path}. */
    public void put(String path, byte[] bytes) {
        resources.put(path, bytes.clone());
    }

    /** Removes the resource at {@code path}. */
    public void remove(String path) {
        resources.remove(path);
    }

    @Override
    public byte[] fetch(String path) throws NoSuchFileException {
        byte[] b = resources.get(path);
        if (b == null) {
            throw new NoSuchFileException(path);
        }
        return b.clone();
    }
}
