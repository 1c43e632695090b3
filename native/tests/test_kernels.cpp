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

static double rel(double got, double want) { return std::fabs(got - want) / (1.0 + std::fabs(want)); }

// RMSNorm, RoPE, SwiGLU and one attention head against double-precision formulas.
static void check_elementwise() {
    Rng rng(99);
    const int dim = 288;
    std::vector<float> x(dim), w(dim), out(dim);
    for (int i = 0; i < dim; i++) { x[i] = rng.uniform() * 3; w[i] = rng.uniform(); }
    cpu::rmsnorm(out.data(), x.data(), w.data(), dim, 1e-5f);
    double ss = 0;
    for (float v : x) ss += static_cast<double>(v) * v;
    double inv = 1.0 / std::sqrt(ss / dim + 1e-5);
    double worst = 0;
    for (int i = 0; i < dim; i++) worst = std::fmax(worst, rel(out[i], w[i] * x[i] * inv));
    CHECK_MSG(worst < 1e-5, "rmsnorm relative error %g", worst);

    // RoPE: 6 heads of 48 (q), 2 kv heads (k), position 77, theta 10000, adjacent pairs (llama) and halves (neox).
    const int hs = 48, kv_dim = 96, pos = 77;
    std::vector<float> inv_freq;
    for (int i = 0; i < hs; i += 2) inv_freq.push_back(1.0f / std::pow(10000.0f, i / static_cast<float>(hs)));
    for (bool neox : {false, true}) {
        std::vector<float> q(dim), k(kv_dim), cos(hs / 2), sin(hs / 2);
        for (auto &v : q) v = rng.uniform();
        for (auto &v : k) v = rng.uniform();
        std::vector<float> q0 = q, k0 = k;
        cpu::rope_angles(pos, inv_freq.data(), hs / 2, cos.data(), sin.data());
        cpu::rope(q.data(), dim / hs, hs, cos.data(), sin.data(), neox);
        cpu::rope(k.data(), kv_dim / hs, hs, cos.data(), sin.data(), neox);
        worst = 0;
        for (int h = 0; h < dim / hs; h++) {
            for (int j = 0; j < hs / 2; j++) {
                const int a = h * hs + (neox ? j : 2 * j), b = h * hs + (neox ? j + hs / 2 : 2 * j + 1);
                double ang = pos / std::pow(10000.0, 2.0 * j / hs), c = std::cos(ang), s = std::sin(ang);
                worst = std::fmax(worst, rel(q[a], q0[a] * c - q0[b] * s));
                worst = std::fmax(worst, rel(q[b], q0[a] * s + q0[b] * c));
                if (b < kv_dim) {
                    worst = std::fmax(worst, rel(k[a], k0[a] * c - k0[b] * s));
                    worst = std::fmax(worst, rel(k[b], k0[a] * s + k0[b] * c));
                }
            }
        }
        CHECK_MSG(worst < 1e-4, "rope (neox %d) relative error %g", neox, worst);
        // Position 0 rotates nothing.
        std::vector<float> q1 = q0;
        cpu::rope_angles(0, inv_freq.data(), hs / 2, cos.data(), sin.data());
        cpu::rope(q1.data(), dim / hs, hs, cos.data(), sin.data(), neox);
        CHECK(q1 == q0);
    }

    std::vector<float> h(dim), h2(dim);
    for (int i = 0; i < dim; i++) { h[i] = rng.uniform() * 6; h2[i] = rng.uniform(); }
    std::vector<float> g = h;
    cpu::swiglu(g.data(), h2.data(), dim);
    worst = 0;
    for (int i = 0; i < dim; i++) worst = std::fmax(worst, rel(g[i], h[i] / (1.0 + std::exp(-static_cast<double>(h[i]))) * h2[i]));
    CHECK_MSG(worst < 1e-5, "swiglu relative error %g", worst);
    // The AVX2 SwiGLU gives the scalar one's values bit for bit: every length up to 2 vectors and a tail, and values
    // across expf's range (overflow to inf, underflow to 0, signed zeros, infinities, NaN, subnormals).
    if (cpu::has_avx2_fma()) {
        std::vector<float> special = {0.0f, -0.0f, 1e-40f, -1e-40f, 88.7f, -88.7f, 89.0f, -89.0f, 104.0f, -104.0f, 1e30f, -1e30f,
                                      INFINITY, -INFINITY, NAN, 0.5f, -0.5f, 20.0f, -20.0f};
        for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{17}, special.size(), size_t{1000}}) {
            std::vector<float> a(n), b(n);
            for (size_t i = 0; i < n; i++) {
                a[i] = n == special.size() ? special[i] : rng.uniform() * 40;
                b[i] = n == special.size() ? special[(i + 3) % n] : rng.uniform() * 4;
            }
            std::vector<float> scalar = a, vec = a;
            cpu::swiglu(scalar.data(), b.data(), n);
            cpu::swiglu_avx2(vec.data(), b.data(), n);
            CHECK_MSG(n == 0 || std::memcmp(scalar.data(), vec.data(), n * sizeof(float)) == 0, "swiglu_avx2 differs from swiglu (n %zu)", n);
        }
    }

    // One head over 37 positions.
    const int positions = 37;
    std::vector<float> qh(hs), keys(positions * hs), values(positions * hs), scores(positions), o(hs);
    for (auto &v : qh) v = rng.uniform() * 2;
    for (auto &v : keys) v = rng.uniform() * 2;
    for (auto &v : values) v = rng.uniform();
    for (bool avx2 : {false, true}) {  // the portable and (where the CPU has it) the AVX2 dot/axpy
        if (avx2 && !cpu::has_avx2_fma()) continue;
        const cpu::AttentionKernels kern = cpu::select_attention(avx2);
        cpu::attend(kern, qh.data(), hs, positions, [&](int t) { return &keys[t * hs]; }, [&](int t) { return &values[t * hs]; },
                    scores.data(), o.data());
        std::vector<double> p(positions);
        double max = -1e300, sum = 0;
        for (int t = 0; t < positions; t++) {
            double d = 0;
            for (int i = 0; i < hs; i++) d += static_cast<double>(qh[i]) * keys[t * hs + i];
            p[t] = d / std::sqrt(static_cast<double>(hs));
            max = std::fmax(max, p[t]);
        }
        for (auto &v : p) { v = std::exp(v - max); sum += v; }
        worst = 0;
        for (int i = 0; i < hs; i++) {
            double want = 0;
            for (int t = 0; t < positions; t++) want += p[t] / sum * values[t * hs + i];
            worst = std::fmax(worst, rel(o[i], want));
        }
        CHECK_MSG(worst < 1e-5, "attention (%s) relative error %g", avx2 ? "avx2" : "portable", worst);
        // A single position returns its value exactly (softmax of one score is 1).
        cpu::attend(kern, qh.data(), hs, 1, [&](int t) { return &keys[t * hs]; }, [&](int t) { return &values[t * hs]; },
                    scores.data(), o.data());
        CHECK(std::memcmp(o.data(), values.data(), hs * sizeof(float)) == 0);
    }
    // The grouped AVX2 pieces (four dot products at a time, the weighted sum in registers) give what the one-position
    // pieces give, bit for bit: head sizes with and without a scalar tail, counts across the group and chunk edges.
    if (cpu::has_avx2_fma()) {
        const cpu::AttentionKernels grouped = cpu::select_attention(true);
        CHECK(grouped.dots != nullptr && grouped.weighted != nullptr);
        const cpu::AttentionKernels single = {grouped.dot, grouped.axpy, nullptr, nullptr};
        for (int size : {64, 48, 32, 128, 72, 100, 12}) {
            for (int count : {1, 3, 4, 31, 32, 33, 70}) {
                std::vector<float> qs(size), ks(static_cast<size_t>(count) * size), vs(ks.size()), s1(count), s2(count), o1(size), o2(size);
                for (auto &v : qs) v = rng.uniform() * 2;
                for (auto &v : ks) v = rng.uniform() * 2;
                for (auto &v : vs) v = rng.uniform();
                auto key = [&](int t) { return &ks[static_cast<size_t>(t) * size]; };
                auto value = [&](int t) { return &vs[static_cast<size_t>(t) * size]; };
                cpu::attend(single, qs.data(), size, count, key, value, s1.data(), o1.data());
                cpu::attend(grouped, qs.data(), size, count, key, value, s2.data(), o2.data());
                CHECK_MSG(std::memcmp(o1.data(), o2.data(), size * sizeof(float)) == 0, "grouped attention differs: size %d, %d positions",
                          size, count);
                CHECK_MSG(std::memcmp(s1.data(), s2.data(), count * sizeof(float)) == 0, "grouped scores differ: size %d, %d positions",
                          size, count);
            }
        }
    }
    // Several queries over the same keys and values, each with its own number of positions (rows of a prefill chunk,
    // the query heads of a K/V head), give what each gives alone, bit for bit, with either set of kernels.
    for (bool avx2 : {false, true}) {
        if (avx2 && !cpu::has_avx2_fma()) continue;
        const cpu::AttentionKernels kern = cpu::select_attention(avx2);
        for (int size : {64, 48, 100}) {
            const int longest = 75;
            const std::vector<int> lengths = {1, 75, 32, 33, 4, 64, 65, 31, 75};
            const int nq = static_cast<int>(lengths.size());
            std::vector<float> ks(static_cast<size_t>(longest) * size), vs(ks.size()), qs(static_cast<size_t>(nq) * size);
            for (auto &v : ks) v = rng.uniform() * 2;
            for (auto &v : vs) v = rng.uniform();
            for (auto &v : qs) v = rng.uniform() * 2;
            auto key = [&](int t) { return &ks[static_cast<size_t>(t) * size]; };
            auto value = [&](int t) { return &vs[static_cast<size_t>(t) * size]; };
            std::vector<float> alone(static_cast<size_t>(nq) * size), together(alone.size()), sa(longest), st(static_cast<size_t>(nq) * longest);
            std::vector<cpu::AttentionQuery> queries;
            for (int j = 0; j < nq; j++) {
                cpu::attend(kern, &qs[static_cast<size_t>(j) * size], size, lengths[j], key, value, sa.data(), &alone[static_cast<size_t>(j) * size]);
                queries.push_back({&qs[static_cast<size_t>(j) * size], &together[static_cast<size_t>(j) * size],
                                   &st[static_cast<size_t>(j) * longest], lengths[j], 0.0f});
            }
            cpu::attend_many(kern, queries.data(), nq, size, key, value);
            CHECK_MSG(std::memcmp(alone.data(), together.data(), alone.size() * sizeof(float)) == 0,
                      "attend_many differs from attend (%s, size %d)", avx2 ? "avx2" : "portable", size);
        }
    }
}

int main() {
    check_elementwise();
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
