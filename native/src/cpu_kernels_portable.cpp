#include <cstdlib>
#include <cstring>

#include "cpu_kernels.h"
#include "quant.h"

namespace cloister::cpu {

void matmul_portable(const float *W, const float *X, float *Y, int batch, int in, int o_begin, int o_end, int ldy) {
    for (int o = o_begin; o < o_end; o++) {
        const float *w = W + static_cast<size_t>(o) * in;
        for (int b = 0; b < batch; b++) {
            const float *x = X + static_cast<size_t>(b) * in;
            float acc = 0.0f;
            for (int i = 0; i < in; i++) acc += w[i] * x[i];
            Y[static_cast<size_t>(b) * ldy + o] = acc;
        }
    }
}

void matmul_dot(DotFn dot, const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch, int in,
                int o_begin, int o_end, int ldy) {
    for (int o = o_begin; o < o_end; o++) {
        const uint8_t *w = W + static_cast<size_t>(o) * w_row;
        for (int b = 0; b < batch; b++) Y[static_cast<size_t>(b) * ldy + o] = dot(w, X + static_cast<size_t>(b) * x_row, in);
    }
}

void matmul_dot4(DotFn dot, Dot4Fn dot4, const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch,
                 int in, int o_begin, int o_end, int ldy) {
    if (dot4 == nullptr || batch < 4) {
        matmul_dot(dot, W, w_row, X, x_row, Y, batch, in, o_begin, o_end, ldy);
        return;
    }
    const int full = batch & ~3;
    for (int o = o_begin; o < o_end; o += 2) {
        const int pair = o + 1 < o_end ? 2 : 1;
        const uint8_t *w = W + static_cast<size_t>(o) * w_row;
        float out[8];
        for (int b = 0; b < full; b += 4) {
            dot4(w, w_row, X + static_cast<size_t>(b) * x_row, x_row, in, pair, out);
            for (int i = 0; i < pair; i++)
                for (int r = 0; r < 4; r++) Y[static_cast<size_t>(b + r) * ldy + o + i] = out[i * 4 + r];
        }
        for (int i = 0; i < pair; i++)
            for (int b = full; b < batch; b++)
                Y[static_cast<size_t>(b) * ldy + o + i] = dot(w + i * w_row, X + static_cast<size_t>(b) * x_row, in);
    }
}

uint32_t activation_type(uint32_t weight_type) {
    switch (weight_type) {
        case GGML_Q8_0: case GGML_Q4_0: case GGML_Q5_0: return GGML_Q8_0;
        case GGML_Q5_1: return GGML_Q8_1;
        case GGML_Q4_K: case GGML_Q5_K: case GGML_Q6_K: return GGML_Q8_K;
        case GGML_F16: return GGML_F16;    // llama.cpp rounds the other operand of an F16 product to fp16
        case GGML_BF16: return GGML_BF16;  // and of a BF16 product to bf16
        default: return GGML_F32;
    }
}

size_t activation_row_bytes(uint32_t act, int n) {
    switch (act) {
        case GGML_Q8_0: return static_cast<size_t>(n) / QK8_0 * Q8_0_BYTES;
        case GGML_Q8_1: return static_cast<size_t>(n) / QK8_0 * Q8_1_BYTES;
        case GGML_Q8_K: return static_cast<size_t>(n) / QK_K * Q8_K_BYTES;
        case GGML_F16: case GGML_BF16: return static_cast<size_t>(n) * 2;
        default: return static_cast<size_t>(n) * 4;
    }
}

void quantize_activation(uint32_t act, const float *x, uint8_t *out, int n) {
    switch (act) {
        case GGML_Q8_0:
#if defined(CLOISTER_HAVE_AVX2_KERNELS)
            if (has_avx2_fma()) {  // the same bytes (test_quant)
                avx2::quantize_q8_0(x, out, n);
                break;
            }
#endif
            quantize_q8_0(x, out, n);
            break;
        case GGML_Q8_1: quantize_q8_1(x, out, n); break;
        case GGML_Q8_K:
#if defined(CLOISTER_HAVE_AVX512_KERNELS)
            if (has_avx512_vnni()) {  // the same bytes (test_quant)
                avx512::quantize_q8_K(x, out, n);
                break;
            }
#endif
            quantize_q8_K(x, out, n);
            break;
        case GGML_F16: case GGML_BF16: quantize_row(act, x, out, n); break;
        default: std::memcpy(out, x, static_cast<size_t>(n) * 4); break;
    }
}

float dot_f32_portable(const float *a, const float *b, int n) {
    float s = 0.0f;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

void axpy_f32_portable(float a, const float *x, float *y, int n) {
    for (int i = 0; i < n; i++) y[i] += a * x[i];
}

AttentionKernels select_attention(bool avx2) {
#if defined(CLOISTER_HAVE_AVX2_KERNELS)
    if (avx2 && has_avx2_fma()) return {dot_f32_avx2, axpy_f32_avx2, dots_f32_avx2, weighted_sum_f32_avx2};
#endif
    (void)avx2;
    return {dot_f32_portable, axpy_f32_portable, nullptr, nullptr};
}

namespace portable {

float dot_f16(const uint8_t *w, const uint8_t *x, int n) {
    float s = 0;
    for (int i = 0; i < n; i++) s += fp16_to_float(load_u16(w + 2 * i)) * fp16_to_float(load_u16(x + 2 * i));
    return s;
}

float dot_bf16(const uint8_t *w, const uint8_t *x, int n) {
    float s = 0;
    for (int i = 0; i < n; i++) s += bf16_bits_to_float(load_u16(w + 2 * i)) * bf16_bits_to_float(load_u16(x + 2 * i));
    return s;
}

float dot_q8_0(const uint8_t *w, const uint8_t *x, int n) {
    float s = 0;
    for (int b = 0; b < n / QK8_0; b++, w += Q8_0_BYTES, x += Q8_0_BYTES) {
        const int8_t *qw = reinterpret_cast<const int8_t *>(w + 2), *qx = reinterpret_cast<const int8_t *>(x + 2);
        int si = 0;
        for (int j = 0; j < QK8_0; j++) si += qw[j] * qx[j];
        s += fp16_to_float(load_u16(w)) * fp16_to_float(load_u16(x)) * static_cast<float>(si);
    }
    return s;
}

float dot_q4_0(const uint8_t *w, const uint8_t *x, int n) {
    float s = 0;
    for (int b = 0; b < n / QK4_0; b++, w += Q4_0_BYTES, x += Q8_0_BYTES) {
        const int8_t *qx = reinterpret_cast<const int8_t *>(x + 2);
        int si = 0;
        for (int j = 0; j < 16; j++) {
            si += ((w[2 + j] & 0xF) - 8) * qx[j];
            si += ((w[2 + j] >> 4) - 8) * qx[j + 16];
        }
        s += fp16_to_float(load_u16(w)) * fp16_to_float(load_u16(x)) * static_cast<float>(si);
    }
    return s;
}

float dot_q5_0(const uint8_t *w, const uint8_t *x, int n) {
    float s = 0;
    for (int b = 0; b < n / QK4_0; b++, w += Q5_0_BYTES, x += Q8_0_BYTES) {
        const int8_t *qx = reinterpret_cast<const int8_t *>(x + 2);
        const uint32_t qh = load_u32(w + 2);
        int si = 0;
        for (int j = 0; j < QK4_0; j++) si += (q5_value(w + 6, qh, j) - 16) * qx[j];
        s += fp16_to_float(load_u16(w)) * fp16_to_float(load_u16(x)) * static_cast<float>(si);
    }
    return s;
}

// Q5_1 against q8_1: d_w d_x (q5 . q8) + m_w s_x, s_x = d_x * sum(q8) carried in the activation block.
float dot_q5_1(const uint8_t *w, const uint8_t *x, int n) {
    float s = 0;
    for (int b = 0; b < n / QK4_0; b++, w += Q5_1_BYTES, x += Q8_1_BYTES) {
        const int8_t *qx = reinterpret_cast<const int8_t *>(x + 4);
        const uint32_t qh = load_u32(w + 4);
        int si = 0;
        for (int j = 0; j < QK4_0; j++) si += q5_value(w + 8, qh, j) * qx[j];
        s += fp16_to_float(load_u16(w)) * fp16_to_float(load_u16(x)) * static_cast<float>(si) +
             fp16_to_float(load_u16(w + 2)) * fp16_to_float(load_u16(x + 2));
    }
    return s;
}

// Q4_K and Q5_K: sum over sub-blocks of scale * (q . x) minus min * (sum of x), the latter from the q8_K bsums.
template <bool FIVE> float dot_k_affine(const uint8_t *w, const uint8_t *x, int n) {
    constexpr size_t bytes = FIVE ? Q5_K_BYTES : Q4_K_BYTES;
    float s = 0;
    for (int b = 0; b < n / QK_K; b++, w += bytes, x += Q8_K_BYTES) {
        float dx;
        std::memcpy(&dx, x, 4);
        const int8_t *qx = reinterpret_cast<const int8_t *>(x + 4);
        int16_t bsums[16];
        std::memcpy(bsums, x + 4 + QK_K, sizeof bsums);
        const uint8_t *qh = w + 16, *qs = w + (FIVE ? 48 : 16);
        int sumi = 0, summ = 0;
        for (int sub = 0; sub < 8; sub++) {
            int sc, m;
            k_scale_min(sub, w + 4, &sc, &m);
            const int chunk = sub / 2, shift = (sub & 1) ? 4 : 0;
            int si = 0;
            for (int l = 0; l < 32; l++) {
                int v = (qs[chunk * 32 + l] >> shift) & 0xF;
                if (FIVE) v |= ((qh[l] >> sub) & 1) << 4;
                si += v * qx[sub * 32 + l];
            }
            sumi += sc * si;
            summ += m * (bsums[2 * sub] + bsums[2 * sub + 1]);
        }
        s += fp16_to_float(load_u16(w)) * dx * static_cast<float>(sumi) -
             fp16_to_float(load_u16(w + 2)) * dx * static_cast<float>(summ);
    }
    return s;
}

float dot_q4_k(const uint8_t *w, const uint8_t *x, int n) { return dot_k_affine<false>(w, x, n); }
float dot_q5_k(const uint8_t *w, const uint8_t *x, int n) { return dot_k_affine<true>(w, x, n); }

float dot_q6_k(const uint8_t *w, const uint8_t *x, int n) {
    float s = 0;
    for (int b = 0; b < n / QK_K; b++, w += Q6_K_BYTES, x += Q8_K_BYTES) {
        float dx;
        std::memcpy(&dx, x, 4);
        const int8_t *qx = reinterpret_cast<const int8_t *>(x + 4);
        int sumi = 0;
        for (int g = 0; g < 16; g++) {  // value j = half * 128 + quarter * 32 + l lies in scale group j / 16
            int si = 0;
            for (int k = 0; k < 16; k++) {
                const int j = g * 16 + k, half = j / 128, r = j % 128, quarter = r / 32, l = r % 32;
                const int lo = (w[half * 64 + (quarter & 1) * 32 + l] >> (quarter < 2 ? 0 : 4)) & 0xF;
                const int hi = (w[128 + half * 32 + l] >> (2 * quarter)) & 3;
                si += ((lo | hi << 4) - 32) * qx[j];
            }
            sumi += static_cast<int8_t>(w[192 + g]) * si;
        }
        s += fp16_to_float(load_u16(w + 208)) * dx * static_cast<float>(sumi);
    }
    return s;
}

}  // namespace portable

bool has_avx2_fma() {
#if defined(__x86_64__) || defined(__i386__)
    static const bool yes =
        __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    return yes;
#else
    return false;
#endif
}

namespace {
bool kernel_forced(const char *name) {
    const char *forced = std::getenv("CLOISTER_CPU_KERNEL");
    return forced != nullptr && std::strcmp(forced, name) == 0;
}
bool portable_forced() { return kernel_forced("portable"); }
}  // namespace

bool has_avx512_vnni() {
#if defined(CLOISTER_HAVE_AVX512_KERNELS)
    static const bool yes = has_avx2_fma() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                            __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni") && !kernel_forced("avx2") &&
                            !portable_forced();
    return yes;
#else
    return false;
#endif
}

MatmulFn select_matmul(const char **name) {
#if defined(CLOISTER_HAVE_AVX2_KERNELS)
    if (!portable_forced() && has_avx2_fma()) {
        if (name != nullptr) *name = "avx2";
        return matmul_avx2;
    }
#endif
    if (name != nullptr) *name = "portable";
    return matmul_portable;
}

Dot4Fn select_dot4(uint32_t type, bool avx2) {
#if defined(CLOISTER_HAVE_AVX2_KERNELS)
    if (avx2 && has_avx2_fma()) {
        switch (type) {
            case GGML_Q8_0: return avx2::dot4_q8_0;
            case GGML_Q4_0: return avx2::dot4_q4_0;
            case GGML_Q5_0: return avx2::dot4_q5_0;
            default: return nullptr;
        }
    }
#endif
    (void)type;
    (void)avx2;
    return nullptr;
}

GemmFn select_gemm(uint32_t type, bool avx2) {
#if defined(CLOISTER_HAVE_AVX512_KERNELS)
    if (avx2 && has_avx512_vnni()) {
        switch (type) {
            case GGML_Q8_0: return avx512::gemm_q8_0;
            case GGML_Q4_0: return avx512::gemm_q4_0;
            case GGML_Q5_0: return avx512::gemm_q5_0;
            case GGML_Q4_K: return avx512::gemm_q4_k;
            case GGML_Q5_K: return avx512::gemm_q5_k;
            case GGML_Q6_K: return avx512::gemm_q6_k;
            default: return nullptr;
        }
    }
#endif
#if defined(CLOISTER_HAVE_AVX2_KERNELS)
    if (avx2 && has_avx2_fma()) {
        switch (type) {
            case GGML_Q8_0: return avx2::gemm_q8_0;
            case GGML_Q4_0: return avx2::gemm_q4_0;
            case GGML_Q5_0: return avx2::gemm_q5_0;
            case GGML_Q4_K: return avx2::gemm_q4_k;
            case GGML_Q5_K: return avx2::gemm_q5_k;
            case GGML_Q6_K: return avx2::gemm_q6_k;
            default: return nullptr;
        }
    }
#endif
    (void)type;
    (void)avx2;
    return nullptr;
}

DotFn select_dot(uint32_t type, bool avx2) {
#if defined(CLOISTER_HAVE_AVX512_KERNELS)
    if (avx2 && has_avx512_vnni()) {
        switch (type) {
            case GGML_Q4_0: return avx512::dot_q4_0;
            case GGML_Q5_0: return avx512::dot_q5_0;
            case GGML_Q4_K: return avx512::dot_q4_k;
            case GGML_Q5_K: return avx512::dot_q5_k;
            case GGML_Q6_K: return avx512::dot_q6_k;
            default: break;  // the AVX2 kernel below
        }
    }
#endif
#if defined(CLOISTER_HAVE_AVX2_KERNELS)
    if (avx2 && has_avx2_fma()) {
        switch (type) {
            case GGML_F16: return avx2::dot_f16;
            case GGML_BF16: return avx2::dot_bf16;
            case GGML_Q8_0: return avx2::dot_q8_0;
            case GGML_Q4_0: return avx2::dot_q4_0;
            case GGML_Q5_0: return avx2::dot_q5_0;
            case GGML_Q5_1: return avx2::dot_q5_1;
            case GGML_Q4_K: return avx2::dot_q4_k;
            case GGML_Q5_K: return avx2::dot_q5_k;
            case GGML_Q6_K: return avx2::dot_q6_k;
            default: return nullptr;
        }
    }
#endif
    (void)avx2;
    switch (type) {
        case GGML_F16: return portable::dot_f16;
        case GGML_BF16: return portable::dot_bf16;
        case GGML_Q8_0: return portable::dot_q8_0;
        case GGML_Q4_0: return portable::dot_q4_0;
        case GGML_Q5_0: return portable::dot_q5_0;
        case GGML_Q5_1: return portable::dot_q5_1;
        case GGML_Q4_K: return portable::dot_q4_k;
        case GGML_Q5_K: return portable::dot_q5_k;
        case GGML_Q6_K: return portable::dot_q6_k;
        default: return nullptr;
    }
}

}  // namespace cloister::cpu
