// Mutated model files: random byte changes in the GGUF header, metadata and tensor table, random truncations, and
// random llama2.c headers; the same for random GGUFs of the other architectures and the block types (qwen2 Q8_0/Q4_0,
// qwen3 Q4_K_M, llama3 Q5_K with rope_freqs, 288-wide llama3 Q4_K_M and qwen2 Q5_K with their Q5_0/Q5_1/Q8_0 fallbacks). Every open either succeeds (and runs a token) or is refused with a
// reason; none crashes; every truncation of the tensor data is refused before any compute.
// Run under AddressSanitizer (-DCMAKE_CXX_FLAGS=-fsanitize=address) to catch out-of-bounds reads as well.
#include <algorithm>
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
    // Random GGUFs of every architecture, in block types: mutate the header (metadata and tensor table), cut the file.
    if (argc > 4) {
        const std::string maker = argv[4];
        const char *variants[] = {"--arch qwen2 --type q8_0", "--arch qwen2 --type q4_0", "--arch qwen3 --type q4_k_m",
                                  "--arch llama3 --type q5_k",
                                  // rows of 288: Q4_K falls back to Q5_0, Q6_K to Q8_0, Q5_K to Q5_1
                                  "--arch llama3 --type q4_k_m --shape 288,768,2,6,3,48,512,512",
                                  "--arch qwen2 --type q5_k --shape 288,768,2,6,3,48,512,512"};
        int v = 0;
        for (const char *args : variants) {
            const std::string path = tmp + "/mutation-random-" + std::to_string(v++) + ".gguf";
            const std::string make = "'" + maker + "' '" + path + "' " + args + " > /dev/null";
            CHECK(std::system(make.c_str()) == 0);
            const std::vector<char> random_base = read(path);
            CHECK(random_base.size() > 20000);
            if (random_base.size() <= 20000) continue;
            // The header ends where the tensor table does: past the last tensor name, output_norm.weight or later.
            const size_t header_end = std::min<size_t>(random_base.size(), 16000);
            for (int round = 0; round < 400; round++) {
                std::vector<char> m = random_base;
                int edits = 1 + static_cast<int>(rng.next() % 4);
                for (int k = 0; k < edits; k++) {
                    size_t at = rng.next() % header_end;
                    switch (rng.next() % 3) {
                        case 0: m[at] = static_cast<char>(rng.next()); break;
                        case 1: m[at] ^= static_cast<char>(1 << (rng.next() % 8)); break;
                        default: std::memset(&m[at], 0xff, std::min<size_t>(8, m.size() - at)); break;
                    }
                }
                if (rng.next() % 8 == 0) m.resize(rng.next() % m.size());
                try_open(target, m);
            }
            // Every cut into the tensor data is refused (the last tensor, or an earlier one, lies outside the file).
            for (int round = 0; round < 40; round++) {
                std::vector<char> m = random_base;
                m.resize(header_end + rng.next() % (m.size() - header_end));
                const int before = refused;
                try_open(target, m);
                CHECK_MSG(refused == before + 1, "%s cut to %zu bytes opened", args, m.size());
            }
        }
    }
    std::printf("mutations: %d opened, %d refused\n", opened, refused);
    CHECK(refused > 0);
    return finish("model_mutations");
}
