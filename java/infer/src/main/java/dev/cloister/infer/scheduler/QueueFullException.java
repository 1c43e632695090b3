package dev.cloister.infer.scheduler;

import java.util.concurrent.RejectedExecutionException;

/** The scheduler's wait queue is full (back-pressure: the caller should answer "overloaded, retry later"). */
public final class QueueFullException extends RejectedExecutionException {

    private static final long serialVersionUID = 1L;

    QueueFullException(int capacity) {
        super("inference queue full (" + capacity + " waiting)");
    }
}
