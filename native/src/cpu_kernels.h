// CPU matrix kernels. Every output element is computed with the same sequence of operations whatever the batch
// size or tile it falls in, so a sequence's logits do not depend on which other sequences share its batch.
#pragma once

#include <cmath>
#include <cstddef>

namespace cloister::cpu {

// Y[b * ldy + o] = sum_i W[o * in + i] * X[b * in + i] for b in [0, batch), o in [o_begin, o_end).
using MatmulFn = void (*)(const float *W, const float *X, float *Y, int batch, int in, int o_begin, int o_end, int ldy);

void matmul_portable(const float *W, const float *X, float *Y, int batch, int in, int o_begin, int o_end, int ldy);
void matmul_avx2(const float *W, const float *X, float *Y, int batch, int in, int o_begin, int o_end, int ldy);

// Whether this CPU runs the AVX2+FMA kernels (checked once at run time).
bool has_avx2_fma();

// The fastest kernel this CPU runs; CLOISTER_CPU_KERNEL=portable in the environment forces the fallback.
MatmulFn select_matmul(const char **name);

// out = weight * x / sqrt(mean(x^2) + eps), one row of `dim`.
inline void rmsnorm(float *out, const float *x, const float *weight, int dim, float eps) {
    float ss = 0.0f;
    for (int i = 0; i < dim; i++) ss += x[i] * x[i];
    ss /= dim;
    ss += eps;
    ss = 1.0f / std::sqrt(ss);
    for (int i = 0; i < dim; i++) out[i] = weight[i] * (ss * x[i]);
}

// RoPE at position `pos` on adjacent pairs (2i, 2i+1) of every head: q over [0, dim), k over [0, kv_dim);
// inv_freq[j] = 1 / theta^(2j / head_size).
inline void rope(float *q, float *k, int dim, int kv_dim, int head_size, int pos, const float *inv_freq) {
    const float p = static_cast<float>(pos);
    for (int i = 0; i < dim; i += 2) {
        float val = p * inv_freq[(i % head_size) / 2];
        float fcr = std::cos(val), fci = std::sin(val);
        float q0 = q[i], q1 = q[i + 1];
        q[i] = q0 * fcr - q1 * fci;
        q[i + 1] = q0 * fci + q1 * fcr;
        if (i < kv_dim) {
            float k0 = k[i], k1 = k[i + 1];
            k[i] = k0 * fcr - k1 * fci;
            k[i + 1] = k0 * fci + k1 * fcr;
        }
    }
}

// h = silu(h) * h2, elementwise.
inline void swiglu(float *h, const float *h2, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float v = h[i];
        v *= 1.0f / (1.0f + std::exp(-v));
        h[i] = v * h2[i];
    }
}

// One query head over positions [0, positions): softmax(q.k_t / sqrt(head_size)) weighted sum of v_t into out.
// key(t) and value(t) give the head's slice of position t (the paged cache supplies them); scores has `positions`.
template <typename KeyAt, typename ValueAt>
inline void attend(const float *q, int head_size, int positions, KeyAt key, ValueAt value, float *scores, float *out) {
    const float scale = 1.0f / std::sqrt(static_cast<float>(head_size));
    float max = -INFINITY;
    for (int t = 0; t < positions; t++) {
        const float *k = key(t);
        float s = 0.0f;
        for (int i = 0; i < head_size; i++) s += q[i] * k[i];
        s *= scale;
        scores[t] = s;
        if (s > max) max = s;
    }
    float sum = 0.0f;
    for (int t = 0; t < positions; t++) {
        scores[t] = std::exp(scores[t] - max);
        sum += scores[t];
    }
    for (int i = 0; i < head_size; i++) out[i] = 0.0f;
    for (int t = 0; t < positions; t++) {
        const float *v = value(t);
        const float a = scores[t] / sum;
        for (int i = 0; i < head_size; i++) out[i] += a * v[i];
    }
}

}  // namespace cloister::cpu
