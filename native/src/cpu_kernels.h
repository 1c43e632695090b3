// CPU matrix kernels. Every output element is computed with the same sequence of operations whatever the batch
// size or tile it falls in, so a sequence's logits do not depend on which other sequences share its batch.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace cloister::cpu {

// Y[b * ldy + o] = sum_i W[o * in + i] * X[b * in + i] for b in [0, batch), o in [o_begin, o_end).
using MatmulFn = void (*)(const float *W, const float *X, float *Y, int batch, int in, int o_begin, int o_end, int ldy);

void matmul_portable(const float *W, const float *X, float *Y, int batch, int in, int o_begin, int o_end, int ldy);
void matmul_avx2(const float *W, const float *X, float *Y, int batch, int in, int o_begin, int o_end, int ldy);

// Whether this CPU runs the AVX2+FMA+F16C kernels (checked once at run time).
bool has_avx2_fma();
// Whether this CPU runs the AVX-512 kernels (F, BW, VL and VNNI, besides the AVX2 set; checked once at run time), and
// whether the build has them. CLOISTER_CPU_KERNEL=avx2 in the environment keeps the AVX2 kernels on such a CPU.
bool has_avx512_vnni();

// The fastest kernel this CPU runs; CLOISTER_CPU_KERNEL=portable in the environment forces the fallback.
MatmulFn select_matmul(const char **name);

// The dot product of one weight row of a GGML type with one activation row of `n` values, the activation in the form
// activation_type() names for that weight type (llama.cpp's vec_dot_type): fp16 for F16, bf16 for BF16, q8_0 for
// Q8_0/Q4_0/Q5_0, q8_1 for Q5_1, q8_K for the K-quants.
using DotFn = float (*)(const uint8_t *w, const uint8_t *x, int n);

// Q8_0, Q8_1, Q8_K, F16, BF16 or F32: how the activations are given to the products with weights of `type`.
uint32_t activation_type(uint32_t weight_type);

// The dot product kernel for a weight type (nullptr for F32, which the matrix kernels above handle, and for types the
// engine does not read); `avx2` picks the AVX2 kernel where one exists.
DotFn select_dot(uint32_t weight_type, bool avx2);

// Bytes of one activation row of `n` values in activation type `act`, and the conversion of a fp32 row into it.
size_t activation_row_bytes(uint32_t act, int n);
void quantize_activation(uint32_t act, const float *x, uint8_t *out, int n);

// Y[b * ldy + o] = dot(W row o, X row b) for b in [0, batch), o in [o_begin, o_end): W rows of w_row bytes, X rows of
// x_row bytes. Each output element is one dot call, whatever the batch.
void matmul_dot(DotFn dot, const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch, int in,
                int o_begin, int o_end, int ldy);

// Four activation rows (x_row bytes apart) against `weight_rows` (1 or 2) weight rows (w_row bytes apart):
// out[i * 4 + r] equals the one-row DotFn of weight row i and activation row r bit for bit. Where a type has one
// (AVX2: Q8_0, Q4_0, Q5_0), batches use it to decode each weight block once per 4 activation rows and load each
// activation block once per 2 weight rows.
using Dot4Fn = void (*)(const uint8_t *w, size_t w_row, const uint8_t *x, size_t x_row, int n, int weight_rows, float *out);
Dot4Fn select_dot4(uint32_t weight_type, bool avx2);

// matmul_dot with `dot4` (may be null) for groups of four batch rows.
void matmul_dot4(DotFn dot, Dot4Fn dot4, const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch,
                 int in, int o_begin, int o_end, int ldy);

// The tiled product for batches (prefill chunks, decode batches): Y as matmul_dot, every element bit-identical to the
// one-row DotFn, each weight block decoded once for all the batch's rows (AVX2: Q8_0, Q4_0, Q5_0, Q4_K, Q5_K, Q6_K;
// null elsewhere). Where the CPU has AVX-512 VNNI (and CLOISTER_CPU_KERNEL is not avx2), the avx512 kernels below,
// bit for bit the AVX2 ones.
using GemmFn = void (*)(const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch, int in, int o_begin,
                        int o_end, int ldy);
GemmFn select_gemm(uint32_t weight_type, bool avx2);

namespace portable {
float dot_f16(const uint8_t *w, const uint8_t *x, int n);
float dot_bf16(const uint8_t *w, const uint8_t *x, int n);
float dot_q8_0(const uint8_t *w, const uint8_t *x, int n);
float dot_q4_0(const uint8_t *w, const uint8_t *x, int n);
float dot_q5_0(const uint8_t *w, const uint8_t *x, int n);
float dot_q5_1(const uint8_t *w, const uint8_t *x, int n);
float dot_q4_k(const uint8_t *w, const uint8_t *x, int n);
float dot_q5_k(const uint8_t *w, const uint8_t *x, int n);
float dot_q6_k(const uint8_t *w, const uint8_t *x, int n);
}  // namespace portable

namespace avx2 {
// quantize_q8_0 (quant.h) with 8 lanes: the same bytes for every finite input.
void quantize_q8_0(const float *x, uint8_t *out, int n);
void gemm_q8_0(const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch, int in, int o_begin, int o_end,
               int ldy);
void gemm_q4_0(const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch, int in, int o_begin, int o_end,
               int ldy);
void gemm_q5_0(const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch, int in, int o_begin, int o_end,
               int ldy);
void gemm_q4_k(const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch, int in, int o_begin, int o_end,
               int ldy);
void gemm_q5_k(const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch, int in, int o_begin, int o_end,
               int ldy);
void gemm_q6_k(const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch, int in, int o_begin, int o_end,
               int ldy);
void dot4_q8_0(const uint8_t *w, size_t w_row, const uint8_t *x, size_t x_row, int n, int weight_rows, float *out);
void dot4_q4_0(const uint8_t *w, size_t w_row, const uint8_t *x, size_t x_row, int n, int weight_rows, float *out);
void dot4_q5_0(const uint8_t *w, size_t w_row, const uint8_t *x, size_t x_row, int n, int weight_rows, float *out);
float dot_f16(const uint8_t *w, const uint8_t *x, int n);
float dot_bf16(const uint8_t *w, const uint8_t *x, int n);
float dot_q8_0(const uint8_t *w, const uint8_t *x, int n);
float dot_q4_0(const uint8_t *w, const uint8_t *x, int n);
float dot_q5_0(const uint8_t *w, const uint8_t *x, int n);
float dot_q5_1(const uint8_t *w, const uint8_t *x, int n);
float dot_q4_k(const uint8_t *w, const uint8_t *x, int n);
float dot_q5_k(const uint8_t *w, const uint8_t *x, int n);
float dot_q6_k(const uint8_t *w, const uint8_t *x, int n);
}  // namespace avx2

// The AVX2 tiled products (Q8_0, Q4_0, Q5_0, Q4_K, Q5_K, Q6_K) and one-row kernels (the same but Q8_0) with 512-bit
// registers and VNNI (cpu_kernels_avx512.cpp): the same value for every element, bit for bit.
namespace avx512 {
float dot_q4_0(const uint8_t *w, const uint8_t *x, int n);
float dot_q5_0(const uint8_t *w, const uint8_t *x, int n);
float dot_q4_k(const uint8_t *w, const uint8_t *x, int n);
float dot_q5_k(const uint8_t *w, const uint8_t *x, int n);
float dot_q6_k(const uint8_t *w, const uint8_t *x, int n);
void gemm_q8_0(const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch, int in, int o_begin, int o_end,
               int ldy);
void gemm_q4_0(const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch, int in, int o_begin, int o_end,
               int ldy);
void gemm_q5_0(const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch, int in, int o_begin, int o_end,
               int ldy);
void gemm_q4_k(const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch, int in, int o_begin, int o_end,
               int ldy);
void gemm_q5_k(const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch, int in, int o_begin, int o_end,
               int ldy);
void gemm_q6_k(const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch, int in, int o_begin, int o_end,
               int ldy);
// quantize_q8_K (quant.h) with 16 lanes: the same bytes for every input.
void quantize_q8_K(const float *x, uint8_t *out, int n);
}  // namespace avx512

// out = weight * x / sqrt(mean(x^2) + eps), one row of `dim`.
// As ggml computes it: the squares (fp32) summed in double, the mean rounded to fp32, then (x * scale) * weight.
inline void rmsnorm(float *out, const float *x, const float *weight, int dim, float eps) {
    double sum = 0.0;
    for (int i = 0; i < dim; i++) sum += static_cast<double>(x[i] * x[i]);
    const float mean = static_cast<float>(sum / dim);
    const float scale = 1.0f / std::sqrt(mean + eps);
    for (int i = 0; i < dim; i++) out[i] = (x[i] * scale) * weight[i];
}

// RoPE angles at position `pos`: cos/sin of pos * inv_freq[j] for each of `pairs` rotated pairs of a head.
inline void rope_angles(int pos, const float *inv_freq, int pairs, float *cos, float *sin) {
    const float p = static_cast<float>(pos);
    for (int j = 0; j < pairs; j++) {
        float val = p * inv_freq[j];
        cos[j] = std::cos(val);
        sin[j] = std::sin(val);
    }
}

// Rotates `heads` consecutive heads of `head_size` values by the angles of rope_angles. Pair j of a head is
// (2j, 2j + 1) in the adjacent layout (llama, llama2.c) and (j, j + head_size / 2) in the NEOX layout (qwen2, qwen3).
inline void rope(float *v, int heads, int head_size, const float *cos, const float *sin, bool neox) {
    const int half = head_size / 2;
    for (int h = 0; h < heads; h++, v += head_size) {
        for (int j = 0; j < half; j++) {
            const int a = neox ? j : 2 * j, b = neox ? j + half : 2 * j + 1;
            const float x0 = v[a], x1 = v[b];
            v[a] = x0 * cos[j] - x1 * sin[j];
            v[b] = x0 * sin[j] + x1 * cos[j];
        }
    }
}

// h = silu(h) * h2, elementwise.
inline void swiglu(float *h, const float *h2, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const float v = h[i];
        h[i] = (v / (1.0f + std::exp(-v))) * h2[i];  // ggml's silu: x / (1 + e^-x)
    }
}
// The same, bit for bit: the same expf (the C library's), then the add, division and product 8 lanes at a time (each
// IEEE-rounded as the scalar ones are). The scalar loop waited on one division per value.
void swiglu_avx2(float *h, const float *h2, size_t n);
using SwigluFn = void (*)(float *h, const float *h2, size_t n);

// Vector pieces of attention: sum a[i] * b[i], and y[i] += a * x[i] (portable, and AVX2/FMA with 8 lanes).
using DotF32Fn = float (*)(const float *a, const float *b, int n);
using AxpyF32Fn = void (*)(float a, const float *x, float *y, int n);
float dot_f32_portable(const float *a, const float *b, int n);
void axpy_f32_portable(float a, const float *x, float *y, int n);
float dot_f32_avx2(const float *a, const float *b, int n);
void axpy_f32_avx2(float a, const float *x, float *y, int n);
// Many at once, with the results of the one-at-a-time pieces bit for bit: out[t] = dot(q, keys[t], n) for t < count
// (AVX2: four independent chains at a time instead of one latency-bound chain), and axpy(w[t], values[t], out, n) for
// t = 0, 1, ... in order (AVX2: the running sums stay in registers, 64 values at a time, instead of a load and a store
// of `out` per position).
using DotsF32Fn = void (*)(const float *q, const float *const *keys, int count, int n, float *out);
using WeightedSumF32Fn = void (*)(const float *w, const float *const *values, int count, int n, float *out);
void dots_f32_avx2(const float *q, const float *const *keys, int count, int n, float *out);
void weighted_sum_f32_avx2(const float *w, const float *const *values, int count, int n, float *out);

struct AttentionKernels {
    DotF32Fn dot;
    AxpyF32Fn axpy;
    DotsF32Fn dots;            // null: `dot` one key at a time
    WeightedSumF32Fn weighted;  // null: `axpy` one value at a time
};
// The AVX2 set where `avx2` and the CPU allow it.
AttentionKernels select_attention(bool avx2);

// One query head of attend_many: its query, its output, `positions` floats of scores, and (set there) its largest score.
struct AttentionQuery {
    const float *q;
    float *out;
    float *scores;
    int positions;
    float max;
};

// Query heads over [0, positions) of the same keys and values (the query heads of one K/V head, for one or more rows of
// a sequence, each with its own number of positions): softmax(q.k_t / sqrt(head_size)) weighted sum of v_t into out.
// key(t) and value(t) give the head's slice of position t (the paged cache supplies them). The positions go in groups
// (their cache pointers gathered once), and each group of keys, then of values, meets every query while it is in the
// L1 cache (one query at a time read them from L2, once per query head and row). Each query gets the same calls on the
// same groups in the same order as alone, so its values are the same bit for bit whatever the other queries.
template <typename KeyAt, typename ValueAt>
inline void attend_many(const AttentionKernels &kern, AttentionQuery *qs, int nq, int head_size, KeyAt key, ValueAt value) {
    constexpr int kGroup = 32;
    const float *at[kGroup];
    const float scale = 1.0f / std::sqrt(static_cast<float>(head_size));
    int longest = 0;
    for (int j = 0; j < nq; j++) {
        qs[j].max = -INFINITY;
        if (qs[j].positions > longest) longest = qs[j].positions;
    }
    for (int t0 = 0; t0 < longest; t0 += kGroup) {
        const int group = longest - t0 < kGroup ? longest - t0 : kGroup;
        for (int t = 0; t < group; t++) at[t] = key(t0 + t);
        for (int j = 0; j < nq; j++) {
            AttentionQuery &a = qs[j];
            if (a.positions <= t0) continue;
            const int count = a.positions - t0 < group ? a.positions - t0 : group;
            float *scores = a.scores;  // locals: a store through `scores` cannot change them (it could change a.max)
            if (kern.dots != nullptr) kern.dots(a.q, at, count, head_size, scores + t0);
            else
                for (int t = 0; t < count; t++) scores[t0 + t] = kern.dot(a.q, at[t], head_size);
            float max = a.max;
            for (int t = t0; t < t0 + count; t++) {
                const float s = scores[t] * scale;
                scores[t] = s;
                if (s > max) max = s;
            }
            a.max = max;
        }
    }
    for (int j = 0; j < nq; j++) {
        float *scores = qs[j].scores;
        const float max = qs[j].max;
        const int positions = qs[j].positions;
        // The exponentials first (independent calls), then their sum in order: the values of one loop doing both.
        for (int t = 0; t < positions; t++) scores[t] = std::exp(scores[t] - max);
        float sum = 0.0f;
        for (int t = 0; t < positions; t++) sum += scores[t];
        for (int i = 0; i < head_size; i++) qs[j].out[i] = 0.0f;
        for (int t = 0; t < positions; t++) scores[t] = scores[t] / sum;
    }
    for (int t0 = 0; t0 < longest; t0 += kGroup) {
        const int group = longest - t0 < kGroup ? longest - t0 : kGroup;
        for (int t = 0; t < group; t++) at[t] = value(t0 + t);
        for (int j = 0; j < nq; j++) {
            AttentionQuery &a = qs[j];
            if (a.positions <= t0) continue;
            const int count = a.positions - t0 < group ? a.positions - t0 : group;
            if (kern.weighted != nullptr) kern.weighted(a.scores + t0, at, count, head_size, a.out);
            else
                for (int t = 0; t < count; t++) kern.axpy(a.scores[t0 + t], at[t], a.out, head_size);
        }
    }
}

// One query head over positions [0, positions) (attend_many with one query); scores has `positions` floats.
template <typename KeyAt, typename ValueAt>
inline void attend(const AttentionKernels &kern, const float *q, int head_size, int positions, KeyAt key, ValueAt value,
                   float *scores, float *out) {
    AttentionQuery a = {q, out, scores, positions, 0.0f};
    attend_many(kern, &a, 1, head_size, key, value);
}

}  // namespace cloister::cpu
