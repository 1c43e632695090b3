// Each CPU kernel against a straightforward double-precision reference, and batch independence of the products.
#include <cmath>
#include <cstring>
#include <vector>

#include "check.h"
#include "cpu_kernels.h"
#include "model.h"

using namespace cloister;

static void reference(const std::vector<float> &W, const std::vector<float> &X, std::vector<double> &Y, int batch, int in,
                      int out) {
    for (int b = 0; b < batch; b++)
        for (int o = 0; o < out; o++) {
            double s = 0;
            for (int i = 0; i < in; i++) s += static_cast<double>(W[o * in + i]) * X[b * in + i];
            Y[b * out + o] = s;
        }
}

static void check_kernel(cpu::MatmulFn mm, const char *name) {
    const int shapes[][3] = {{1, 8, 8}, {1, 64, 172}, {3, 172, 64}, {5, 13, 7}, {16, 288, 768}, {7, 33, 100}, {64, 64, 12}};
    for (auto &s : shapes) {
        int batch = s[0], in = s[1], out = s[2];
        Rng rng(batch * 1000 + in * 10 + out);
        std::vector<float> W(static_cast<size_t>(out) * in), X(static_cast<size_t>(batch) * in);
        for (auto &v : W) v = rng.uniform();
        for (auto &v : X) v = rng.uniform();
        std::vector<double> ref(static_cast<size_t>(batch) * out);
        reference(W, X, ref, batch, in, out);
        std::vector<float> Y(static_cast<size_t>(batch) * out, NAN);
        // Two row ranges, as two threads would split them.
        int mid = out / 2;
        mm(W.data(), X.data(), Y.data(), batch, in, 0, mid, out);
        mm(W.data(), X.data(), Y.data(), batch, in, mid, out, out);
        double worst = 0;
        for (size_t i = 0; i < Y.size(); i++) worst = std::fmax(worst, std::fabs(Y[i] - ref[i]) / (1.0 + std::fabs(ref[i])));
        CHECK_MSG(worst < 1e-5, "%s %dx%dx%d: relative error %g", name, batch, in, out, worst);
        // Row b of a batch equals the same input computed alone, bit for bit.
        for (int b = 0; b < batch; b++) {
            std::vector<float> alone(out);
            mm(W.data(), X.data() + static_cast<size_t>(b) * in, alone.data(), 1, in, 0, out, out);
            CHECK_MSG(std::memcmp(alone.data(), Y.data() + static_cast<size_t>(b) * out, out * sizeof(float)) == 0,
                      "%s %dx%dx%d: row %d differs when computed alone", name, batch, in, out, b);
        }
    }
}

int main() {
    check_kernel(cpu::matmul_portable, "portable");
    if (cpu::has_avx2_fma()) check_kernel(cpu::matmul_avx2, "avx2");
    else std::printf("no AVX2/FMA on this CPU: the AVX2 kernel is not checked\n");

    // Half and bfloat16 conversions against known values.
    CHECK(half_to_float(0x3c00) == 1.0f);
    CHECK(half_to_float(0xc000) == -2.0f);
    CHECK(half_to_float(0x7bff) == 65504.0f);
    CHECK(half_to_float(0x0001) == std::ldexp(1.0f, -24));  // smallest subnormal
    CHECK(half_to_float(0x0200) == std::ldexp(1.0f, -15));
    CHECK(std::isinf(half_to_float(0x7c00)));
    CHECK(std::isnan(half_to_float(0x7e00)));
    CHECK(bf16_to_float(0x3f80) == 1.0f);
    CHECK(bf16_to_float(0xc0a0) == -5.0f);
    return finish("kernels");
}
