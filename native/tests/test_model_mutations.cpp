// Mutated model files: random byte changes in the GGUF header, metadata and tensor table, random truncations, and
// random llama2.c headers. Every open either succeeds (and runs a token) or is refused with a reason; none crashes.
// Run under AddressSanitizer (-DCMAKE_CXX_FLAGS=-fsanitize=address) to catch out-of-bounds reads as well.
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "check.h"
#include "cloister_infer.h"

static std::vector<char> read(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

static int opened = 0, refused = 0;

static void try_open(const std::string &path, const std::vector<char> &bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    ci_options o{};
    o.backend = CI_BACKEND_CPU;
    o.threads = 1;
    o.max_sequences = 1;
    o.prefill_chunk = 1;
    o.kv_blocks = 1;
    char err[256] = "";
    ci_engine *e = ci_open(path.c_str(), &o, err, sizeof err);
    if (e == nullptr) {
        CHECK_MSG(err[0] != '\0', "a refusal without a reason");
        refused++;
        return;
    }
    opened++;
    ci_shape s;
    ci_get_shape(e, &s);
    std::vector<float> logits(s.vocab_size);
    int seq = ci_sequence_open(e);
    int token = 0;
    ci_prefill(e, seq, &token, 1, logits.data());
    ci_close(e);
}

int main(int argc, char **argv) {
    if (argc < 4) return 77;
    const std::string dir = argv[1], converter = argv[2], tmp = argv[3];
    const std::string model = dir + "/stories260K.bin", tokenizer = dir + "/tok512.bin";
    if (!std::ifstream(model).good() || !std::ifstream(tokenizer).good()) return 77;
    const std::string gguf = tmp + "/mutation-base.gguf";
    std::string cmd = "'" + converter + "' '" + model + "' '" + tokenizer + "' '" + gguf + "' f16 > /dev/null";
    CHECK(std::system(cmd.c_str()) == 0);
    const std::vector<char> base = read(gguf);
    CHECK(base.size() > 20000);
    if (base.size() <= 20000) return finish("model_mutations");
    // The end of the tensor table: the first tensor's data starts at the first 32-byte boundary after it.
    const std::string target = tmp + "/mutated.gguf";
    Rng rng(7);
    const size_t header = 12000;  // tokenizer metadata and the tensor table lie in the first ~12 kB
    for (int round = 0; round < 1500; round++) {
        std::vector<char> m = base;
        int edits = 1 + static_cast<int>(rng.next() % 4);
        for (int k = 0; k < edits; k++) {
            size_t at = rng.next() % header;
            switch (rng.next() % 3) {
                case 0: m[at] = static_cast<char>(rng.next()); break;                 // a random byte
                case 1: m[at] ^= static_cast<char>(1 << (rng.next() % 8)); break;      // a bit flip
                default: std::memset(&m[at], 0xff, std::min<size_t>(8, m.size() - at)); break;  // a huge length
            }
        }
        if (rng.next() % 8 == 0) m.resize(rng.next() % m.size());  // and sometimes a truncation
        try_open(target, m);
    }
    // llama2.c headers: random values for the seven ints, the weights as they are.
    const std::vector<char> ckpt = read(model);
    for (int round = 0; round < 300; round++) {
        std::vector<char> m = ckpt;
        int32_t v = static_cast<int32_t>(rng.next());
        if (rng.next() % 2) v = static_cast<int32_t>(rng.next() % 1024) - 512;
        std::memcpy(&m[4 * (rng.next() % 7)], &v, 4);
        try_open(target, m);
    }
    std::printf("mutations: %d opened, %d refused\n", opened, refused);
    CHECK(refused > 0);
    return finish("model_mutations");
}
