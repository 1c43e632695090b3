package dev.cloister.testing;

import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Loads, before Jazzer attaches its agent, the classes whose first loading can race with the agent's own first class
 * loads and deadlock the test JVM (seen here: Surefire's command thread loading ConcurrentLinkedQueue$Itr while the
 * main thread verified a signed BouncyCastle jar; both then needed Jazzer's Kotlin EmptyMap). Registered through
 * META-INF/services, so it runs once per test JVM before any test.
 */
public final class AgentDeadlockGuard implements LauncherSessionListener {

    private static final String[] JAZZER_CLASSES = {
        "com.code_intelligence.jazzer.third_party.kotlin.collections.MapsKt",
        "com.code_intelligence.jazzer.third_party.kotlin.collections.EmptyMap",
        "com.code_intelligence.jazzer.third_party.kotlin.collections.SetsKt",
        "com.code_intelligence.jazzer.third_party.kotlin.collections.EmptySet",
        "com.code_intelligence.jazzer.third_party.kotlin.collections.CollectionsKt",
        "com.code_intelligence.jazzer.third_party.kotlin.collections.EmptyList",
    };

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
        queue.add(this);
        queue.iterator().forEachRemaining(item -> {});
        ClassLoader loader = AgentDeadlockGuard.class.getClassLoader();
        for (String name : JAZZER_CLASSES) {
            try {
                Class.forName(name, true, loader);
            } catch (ClassNotFoundException | LinkageError notThere) {
                // another Jazzer version: nothing to preload under this name
            }
        }
    }
}
