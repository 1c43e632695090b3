// libFuzzer target: the native model-file parsers (GGUF header, metadata and tensor table; the llama2.c header) on
// arbitrary bytes, guided by coverage of the C++ itself. Jazzer's ModelFileFuzzTest drives the same code through JNI
// but sees only the Java side's branches, so for the parsers it is a random-input test; this target is the guided one.
// Every input either opens, and then runs one token, or is refused with a reason. AddressSanitizer and UBSan (built
// with -fno-sanitize-recover) make an out-of-bounds access or undefined behaviour a finding, libFuzzer's -rss_limit_mb
// and -malloc_limit_mb an allocation the file's size does not bound. Built and run by native/fuzz.sh.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cloister_infer.h"

namespace {

int model_fd = -1;
std::string model_path;

// The engine opens a path and maps the file: the input goes into one in-memory file, rewritten for each run.
void write_model(const uint8_t *data, size_t size) {
    if (ftruncate(model_fd, 0) != 0) std::abort();
    size_t done = 0;
    while (done < size) {
        ssize_t n = pwrite(model_fd, data + done, size - done, static_cast<off_t>(done));
        if (n <= 0) std::abort();
        done += static_cast<size_t>(n);
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    model_fd = memfd_create("cloister-fuzz-model", MFD_CLOEXEC);
    if (model_fd < 0) {
        std::perror("memfd_create");
        std::abort();
    }
    model_path = "/proc/self/fd/" + std::to_string(model_fd);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    write_model(data, size);
    ci_options options{};
    options.backend = CI_BACKEND_CPU;
    options.threads = 1;
    options.max_sequences = 1;
    options.kv_block_tokens = 16;
    options.kv_blocks = 1;
    options.prefill_chunk = 1;
    char err[256];
    ci_engine *engine = ci_open(model_path.c_str(), &options, err, sizeof err);
    if (engine == nullptr) {
        if (err[0] == '\0') {
            std::fprintf(stderr, "a refusal without a reason\n");
            std::abort();
        }
        return 0;
    }
    ci_shape shape;
    ci_get_shape(engine, &shape);
    if (shape.vocab_size <= 0 || shape.dim <= 0 || shape.layers <= 0) {
        std::fprintf(stderr, "an opened model without a vocabulary, width or layers\n");
        std::abort();
    }
    std::vector<float> logits(static_cast<size_t>(shape.vocab_size));
    int sequence = ci_sequence_open(engine);
    if (sequence < 0) {
        std::fprintf(stderr, "an opened model refuses its first sequence: %s\n", ci_last_error(engine));
        std::abort();
    }
    int32_t token = shape.vocab_size > 1 ? 1 : 0;
    if (ci_prefill(engine, sequence, &token, 1, logits.data()) != 0) {
        std::fprintf(stderr, "an opened model cannot run a token: %s\n", ci_last_error(engine));
        std::abort();
    }
    ci_close(engine);
    return 0;
}
