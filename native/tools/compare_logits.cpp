// Compares two logit dumps (raw float32, rows of VOCAB): prints the largest difference relative to each row's
// largest |logit|, and whether every row's argmax agrees.
//
//   compare-logits A.f32 B.f32 VOCAB
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

static std::vector<float> load(const char *path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<float> v(b.size() / sizeof(float));
    if (!v.empty()) std::memcpy(v.data(), b.data(), v.size() * sizeof(float));
    return v;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: compare-logits A.f32 B.f32 VOCAB\n");
        return 2;
    }
    std::vector<float> a = load(argv[1]), b = load(argv[2]);
    const size_t vocab = std::strtoul(argv[3], nullptr, 10);
    if (vocab == 0 || a.empty() || a.size() != b.size() || a.size() % vocab != 0) {
        std::fprintf(stderr, "compare-logits: dumps differ in size or are empty\n");
        return 1;
    }
    double worst = 0;
    size_t argmax_mismatch = 0, rows = a.size() / vocab;
    for (size_t r = 0; r < rows; r++) {
        const float *x = &a[r * vocab], *y = &b[r * vocab];
        double scale = 1e-6;
        size_t ax = 0, ay = 0;
        for (size_t i = 0; i < vocab; i++) {
            scale = std::fmax(scale, std::fabs(x[i]));
            if (x[i] > x[ax]) ax = i;
            if (y[i] > y[ay]) ay = i;
        }
        for (size_t i = 0; i < vocab; i++) worst = std::fmax(worst, std::fabs(x[i] - y[i]) / scale);
        argmax_mismatch += ax != ay;
    }
    std::printf("rows=%zu max_rel_diff=%.3g argmax_mismatch=%zu\n", rows, worst, argmax_mismatch);
    return 0;
}
