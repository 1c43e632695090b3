package dev.cloister.server;

/** Marks that a server command started and the JVM should keep running after {@code main} returns. */
public final class ServerCommand {
    private static volatile boolean running;

    private ServerCommand() {}

    public static void started() {
        running = true;
    }

    public static boolean keepsRunning() {
        return running;
    }
}
