package dev.cloister.infer.nativecore;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.MemberGetter;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Opaque;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * The JavaCPP binding of {@code native/include/cloister_infer.h}, one method per C function. The JavaCPP Maven plugin
 * generates and compiles the JNI library from this class and links it against {@code libcloister_infer_bundle.a}
 * (the native core, with the static CUDA runtime when CUDA was built): JavaCPP writes the {@code link} names in
 * reverse, so the archive is listed last to come first on the g++ line, before the libraries it needs.
 * Only {@link NativeEngine} calls it.
 */
@Platform(
        include = "cloister_infer.h",
        link = {"rt", "dl", "gomp", "cloister_infer_bundle"})
final class NativeCore {

    static {
        Loader.load();
    }

    private NativeCore() {}

    static final int CI_OK = 0;
    static final int CI_ERR_ARGUMENT = -1;
    static final int CI_ERR_MODEL = -2;
    static final int CI_ERR_MEMORY = -3;
    static final int CI_ERR_BACKEND = -4;
    static final int CI_BACKEND_AUTO = 0;
    static final int CI_BACKEND_CPU = 1;
    static final int CI_BACKEND_CUDA = 2;
    static final int CI_WEIGHTS_F32 = 0;
    static final int CI_WEIGHTS_BF16 = 1;

    /** An open engine ({@code ci_engine *}). */
    @Opaque
    @Name("ci_engine")
    static final class Engine extends Pointer {
        Engine() {
            super((Pointer) null);
        }

        Engine(Pointer p) {
            super(p);
        }
    }

    /** {@code ci_options}: zero in a field means the native default. */
    @Name("ci_options")
    static final class Options extends Pointer {
        static {
            Loader.load();
        }

        Options() {
            allocate();
        }

        private native void allocate();

        native int backend();

        native Options backend(int value);

        native int threads();

        native Options threads(int value);

        native int max_sequences();

        native Options max_sequences(int value);

        native int kv_block_tokens();

        native Options kv_block_tokens(int value);

        native int kv_blocks();

        native Options kv_blocks(int value);

        native int weight_type();

        native Options weight_type(int value);

        native int prefill_chunk();

        native Options prefill_chunk(int value);
    }

    /** {@code ci_shape}. */
    @Name("ci_shape")
    static final class Shape extends Pointer {
        static {
            Loader.load();
        }

        Shape() {
            allocate();
        }

        private native void allocate();

        @MemberGetter
        native int dim();

        @MemberGetter
        native int hidden_dim();

        @MemberGetter
        native int layers();

        @MemberGetter
        native int heads();

        @MemberGetter
        native int kv_heads();

        @MemberGetter
        native int vocab_size();

        @MemberGetter
        native int seq_len();
    }

    static native Engine ci_open(
            @Cast("const char*") BytePointer modelPath,
            Options options,
            @Cast("char*") BytePointer err,
            @Cast("size_t") long errLen);

    static native void ci_close(Engine engine);

    static native @Cast("const char*") BytePointer ci_last_error(Engine engine);

    static native void ci_get_shape(Engine engine, Shape out);

    static native int ci_backend(Engine engine);

    static native @Cast("const char*") BytePointer ci_backend_name(Engine engine);

    static native int ci_max_sequences(Engine engine);

    static native int ci_kv_block_tokens(Engine engine);

    static native int ci_kv_blocks_total(Engine engine);

    static native int ci_kv_blocks_free(Engine engine);

    static native @Cast("int64_t") long ci_kv_block_floats(Engine engine);

    static native int ci_sequence_open(Engine engine);

    static native int ci_sequence_close(Engine engine, int sequence);

    static native int ci_sequence_position(Engine engine, int sequence);

    static native int ci_prefill(
            Engine engine, int sequence, @Cast("const int32_t*") IntPointer tokens, int count, FloatPointer logits);

    static native int ci_decode(
            Engine engine,
            @Cast("const int32_t*") IntPointer sequences,
            @Cast("const int32_t*") IntPointer tokens,
            int batch,
            FloatPointer logits);

    static native int ci_debug_sequence_blocks(
            Engine engine, int sequence, @Cast("int32_t*") IntPointer blocks, int capacity);

    static native int ci_debug_read_kv_block(Engine engine, int block, FloatPointer out);

    static native int ci_cuda_built();
}
