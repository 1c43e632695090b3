// Writes a llama2.c checkpoint with random weights for a given shape (for benchmarks of large configurations that
// no test model has, e.g. a 1.1B-parameter Llama on the GPU machine).
//
//   make-random-llama OUT.bin DIM HIDDEN LAYERS HEADS KV_HEADS VOCAB SEQ_LEN [SEED]
//
// Weights are uniform in [-a, a] with a = 1/sqrt(fan-in), norms are 1; the classifier is unshared.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char **argv) {
    if (argc < 9) {
        std::fprintf(stderr, "usage: make-random-llama OUT.bin DIM HIDDEN LAYERS HEADS KV_HEADS VOCAB SEQ_LEN [SEED]\n");
        return 2;
    }
    int32_t h[7];
    for (int i = 0; i < 7; i++) h[i] = std::atoi(argv[2 + i]);
    uint64_t seed = argc > 9 ? std::strtoull(argv[9], nullptr, 10) : 1;
    const int64_t dim = h[0], hidden = h[1], L = h[2], heads = h[3], kv = h[4] * (h[0] / h[3]), vocab = h[5], seq = h[6];
    if (dim <= 0 || hidden <= 0 || L <= 0 || heads <= 0 || h[4] <= 0 || vocab <= 0 || seq <= 0 || dim % heads) {
        std::fprintf(stderr, "bad shape\n");
        return 2;
    }
    h[5] = -h[5];  // unshared classifier
    FILE *f = std::fopen(argv[1], "wb");
    if (f == nullptr) {
        std::perror(argv[1]);
        return 1;
    }
    std::fwrite(h, sizeof h, 1, f);
    uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
    std::vector<float> buf(1 << 20);
    auto random = [&](int64_t count, float scale) {
        while (count > 0) {
            int64_t n = count < static_cast<int64_t>(buf.size()) ? count : static_cast<int64_t>(buf.size());
            for (int64_t i = 0; i < n; i++) {
                s ^= s << 13; s ^= s >> 7; s ^= s << 17;
                buf[i] = (static_cast<float>((s >> 40) * (1.0 / 16777216.0)) * 2.0f - 1.0f) * scale;
            }
            std::fwrite(buf.data(), sizeof(float), n, f);
            count -= n;
        }
    };
    auto ones = [&](int64_t count) {
        std::vector<float> one(count, 1.0f);
        std::fwrite(one.data(), sizeof(float), count, f);
    };
    const float a_dim = 1.0f / std::sqrt(static_cast<float>(dim)), a_hidden = 1.0f / std::sqrt(static_cast<float>(hidden));
    random(vocab * dim, 1.0f);            // token embedding
    for (int64_t l = 0; l < L; l++) ones(dim);
    random(L * dim * dim, a_dim);         // wq
    random(L * kv * dim, a_dim);          // wk
    random(L * kv * dim, a_dim);          // wv
    random(L * dim * dim, a_dim);         // wo
    for (int64_t l = 0; l < L; l++) ones(dim);
    random(L * hidden * dim, a_dim);      // w1
    random(L * dim * hidden, a_hidden);   // w2
    random(L * hidden * dim, a_dim);      // w3
    ones(dim);                            // final norm
    random(seq * (dim / heads), 0.0f);    // freq_cis (unused)
    random(vocab * dim, a_dim);           // classifier
    if (std::fclose(f) != 0) {
        std::perror(argv[1]);
        return 1;
    }
    return 0;
}
