package dev.cloister.infer.nativecore;

import dev.cloister.infer.InferenceException;
import org.bytedeco.javacpp.Loader;

/**
 * Loads the JNI library once. A failed static initializer is never retried by the JVM, so the outcome of the first
 * attempt is kept and every later caller gets the same {@link InferenceException}.
 */
final class NativeLibrary {

    private static final Throwable FAILURE = load();

    private NativeLibrary() {}

    private static Throwable load() {
        try {
            Loader.load(NativeCore.class);
            return null;
        } catch (Throwable t) { // UnsatisfiedLinkError, ExceptionInInitializerError, NoClassDefFoundError
            return t;
        }
    }

    static void requireLoaded() {
        if (FAILURE != null) {
            throw new InferenceException("the native inference library did not load: " + FAILURE, FAILURE);
        }
    }
}
