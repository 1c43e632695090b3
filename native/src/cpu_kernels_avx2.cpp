// Compiled with -mavx2 -mfma -mf16c; called only after has_avx2_fma() said yes.
#include <immintrin.h>

#include <cmath>
#include <cstddef>
#include <cstring>
#include <vector>

#include "cpu_kernels.h"
#include "cpu_simd_steps.h"
#include "quant.h"

namespace cloister::cpu {

namespace {

// An RO x RB tile: RO weight rows against RB input rows, one 8-lane accumulator per output element, then the same
// horizontal sum and scalar tail for every element.
template <int RO, int RB, bool PREFETCH = false>
inline void tile(const float *W, const float *X, float *Y, int in, int o, int b, int ldy) {
    __m256 acc[RO][RB];
    for (int r = 0; r < RO; r++)
        for (int c = 0; c < RB; c++) acc[r][c] = _mm256_setzero_ps();
    const float *w[RO];
    const float *x[RB];
    for (int r = 0; r < RO; r++) w[r] = W + static_cast<size_t>(o + r) * in;
    for (int c = 0; c < RB; c++) x[c] = X + static_cast<size_t>(b + c) * in;
    const int vec_end = in & ~7;
    for (int i = 0; i < vec_end; i += 8) {
        if (PREFETCH && (i & 15) == 0)  // the next tile's rows, one cache line per row ahead (does not change results)
            for (int r = 0; r < RO; r++) _mm_prefetch(reinterpret_cast<const char *>(w[r] + static_cast<size_t>(RO) * in + i), _MM_HINT_T0);
        __m256 xv[RB];
        for (int c = 0; c < RB; c++) xv[c] = _mm256_loadu_ps(x[c] + i);
        for (int r = 0; r < RO; r++) {
            __m256 wv = _mm256_loadu_ps(w[r] + i);
            for (int c = 0; c < RB; c++) acc[r][c] = _mm256_fmadd_ps(wv, xv[c], acc[r][c]);
        }
    }
    for (int r = 0; r < RO; r++) {
        for (int c = 0; c < RB; c++) {
            float s = hsum(acc[r][c]);
            for (int i = vec_end; i < in; i++) s = __builtin_fmaf(w[r][i], x[c][i], s);
            Y[static_cast<size_t>(b + c) * ldy + o + r] = s;
        }
    }
}

template <int RO>
inline void rows(const float *W, const float *X, float *Y, int batch, int in, int o, int ldy) {
    int b = 0;
    for (; b + 3 <= batch; b += 3) tile<RO, 3>(W, X, Y, in, o, b, ldy);
    switch (batch - b) {
        case 2: tile<RO, 2>(W, X, Y, in, o, b, ldy); break;
        case 1: tile<RO, 1>(W, X, Y, in, o, b, ldy); break;
        default: break;
    }
}

}  // namespace

void matmul_avx2(const float *W, const float *X, float *Y, int batch, int in, int o_begin, int o_end, int ldy) {
    int o = o_begin;
    if (batch == 1) {  // a matrix-vector product: more rows per tile to keep the FMA units busy
        for (; o + 16 <= o_end; o += 8) tile<8, 1, true>(W, X, Y, in, o, 0, ldy);
        for (; o + 8 <= o_end; o += 8) tile<8, 1>(W, X, Y, in, o, 0, ldy);
    }
    for (; o + 4 <= o_end; o += 4) rows<4>(W, X, Y, batch, in, o, ldy);
    for (; o < o_end; o++) rows<1>(W, X, Y, batch, in, o, ldy);
}

float dot_f32_avx2(const float *a, const float *b, int n) {
    __m256 acc = _mm256_setzero_ps();
    int i = 0;
    for (; i + 8 <= n; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc);
    float s = hsum(acc);
    for (; i < n; i++) s = __builtin_fmaf(a[i], b[i], s);
    return s;
}

void axpy_f32_avx2(float a, const float *x, float *y, int n) {
    const __m256 av = _mm256_set1_ps(a);
    int i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] = __builtin_fmaf(a, x[i], y[i]);
}

// hsum of four vectors at once, each with hsum's additions in hsum's order: (v_i + v_i+4) for i < 4, then
// (s_0 + s_2) + (s_1 + s_3). Returns {hsum(a), hsum(b), hsum(c), hsum(d)}.
static inline __m128 hsum4(__m256 a, __m256 b, __m256 c, __m256 d) {
    // [a_lo + a_hi | b_lo + b_hi] and [c.. | d..]
    const __m256 ab = _mm256_add_ps(_mm256_permute2f128_ps(a, b, 0x20), _mm256_permute2f128_ps(a, b, 0x31));
    const __m256 cd = _mm256_add_ps(_mm256_permute2f128_ps(c, d, 0x20), _mm256_permute2f128_ps(c, d, 0x31));
    // [s0 + s2, s1 + s3] of a and c in the low half, of b and d in the high half
    const __m256 pairs = _mm256_add_ps(_mm256_shuffle_ps(ab, cd, _MM_SHUFFLE(1, 0, 1, 0)), _mm256_shuffle_ps(ab, cd, _MM_SHUFFLE(3, 2, 3, 2)));
    // (s0 + s2) + (s1 + s3): [a, c, a, c | b, d, b, d]
    const __m256 sums = _mm256_add_ps(_mm256_shuffle_ps(pairs, pairs, _MM_SHUFFLE(2, 0, 2, 0)), _mm256_shuffle_ps(pairs, pairs, _MM_SHUFFLE(3, 1, 3, 1)));
    return _mm_unpacklo_ps(_mm256_castps256_ps128(sums), _mm256_extractf128_ps(sums, 1));  // [a, b, c, d]
}

// dots_f32_avx2 for a head of 8 * C values (no scalar tail): the query stays in C registers and each key is read once.
template <int C> static void dots_in_registers(const float *q, const float *const *keys, int count, float *out) {
    __m256 qv[C];
    _Pragma("GCC unroll 16") for (int c = 0; c < C; c++) qv[c] = _mm256_loadu_ps(q + 8 * c);
    int t = 0;
    for (; t + 4 <= count; t += 4) {
        __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
        _Pragma("GCC unroll 16") for (int c = 0; c < C; c++)
            _Pragma("GCC unroll 4") for (int k = 0; k < 4; k++) acc[k] = _mm256_fmadd_ps(qv[c], _mm256_loadu_ps(keys[t + k] + 8 * c), acc[k]);
        _mm_storeu_ps(out + t, hsum4(acc[0], acc[1], acc[2], acc[3]));
    }
    for (; t < count; t++) out[t] = dot_f32_avx2(q, keys[t], 8 * C);
}

void dots_f32_avx2(const float *q, const float *const *keys, int count, int n, float *out) {
    switch (n) {  // the common head sizes up to 64 (the query and four accumulators fit the 16 registers)
        case 64: return dots_in_registers<8>(q, keys, count, out);
        case 48: return dots_in_registers<6>(q, keys, count, out);
        case 32: return dots_in_registers<4>(q, keys, count, out);
        default: break;
    }
    const int vec_end = n & ~7;
    int t = 0;
    for (; t + 4 <= count; t += 4) {  // dot_f32_avx2's steps for four keys, interleaved
        __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
        for (int i = 0; i < vec_end; i += 8) {
            const __m256 qv = _mm256_loadu_ps(q + i);
            for (int k = 0; k < 4; k++) acc[k] = _mm256_fmadd_ps(qv, _mm256_loadu_ps(keys[t + k] + i), acc[k]);
        }
        _mm_storeu_ps(out + t, hsum4(acc[0], acc[1], acc[2], acc[3]));
        for (int k = 0; k < 4; k++) {
            float s = out[t + k];
            for (int i = vec_end; i < n; i++) s = __builtin_fmaf(q[i], keys[t + k][i], s);
            out[t + k] = s;
        }
    }
    for (; t < count; t++) out[t] = dot_f32_avx2(q, keys[t], n);
}

void weighted_sum_f32_avx2(const float *w, const float *const *values, int count, int n, float *out) {
    constexpr int kChunk = 64;  // 8 registers of running sums
    int i0 = 0;
    for (; i0 + kChunk <= n; i0 += kChunk) {
        __m256 y[8];
        for (int k = 0; k < 8; k++) y[k] = _mm256_loadu_ps(out + i0 + 8 * k);
        for (int t = 0; t < count; t++) {
            const __m256 a = _mm256_set1_ps(w[t]);
            const float *x = values[t] + i0;
            for (int k = 0; k < 8; k++) y[k] = _mm256_fmadd_ps(a, _mm256_loadu_ps(x + 8 * k), y[k]);
        }
        for (int k = 0; k < 8; k++) _mm256_storeu_ps(out + i0 + 8 * k, y[k]);
    }
    if (i0 < n)  // the rest as axpy_f32_avx2 computes it (its 8-lane part, then its scalar tail)
        for (int t = 0; t < count; t++) axpy_f32_avx2(w[t], values[t] + i0, out + i0, n - i0);
}

void swiglu_avx2(float *h, const float *h2, size_t n) {
    const __m256 one = _mm256_set1_ps(1.0f);
    alignas(32) float e[8];
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        for (int k = 0; k < 8; k++) e[k] = std::exp(-h[i + k]);
        const __m256 v = _mm256_loadu_ps(h + i);
        _mm256_storeu_ps(h + i, _mm256_mul_ps(_mm256_div_ps(v, _mm256_add_ps(one, _mm256_load_ps(e))), _mm256_loadu_ps(h2 + i)));
    }
    for (; i < n; i++) {  // the scalar steps (not cpu::swiglu: an inline function compiled here could be the copy the
        const float v = h[i];  // linker keeps for the portable code too)
        h[i] = (v / (1.0f + std::exp(-v))) * h2[i];
    }
}

namespace avx2 {

// Buffers of this file use this allocator: a std::vector of it is a type of this namespace, so its out-of-line members
// (compiled here with AVX2) are never merged by the linker with std::vector<float>'s from a file compiled for any
// x86-64 CPU (tests/check_simd_symbols.sh).
template <class T> struct FileAllocator : std::allocator<T> {
    template <class U> struct rebind {
        using other = FileAllocator<U>;
    };
    FileAllocator() = default;
    template <class U> explicit FileAllocator(const FileAllocator<U> &) {}
};

void quantize_q8_0(const float *x, uint8_t *out, int n) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (int b = 0; b < n / QK8_0; b++, x += QK8_0, out += Q8_0_BYTES) {
        __m256 v[4];
        __m256 m = _mm256_setzero_ps();
        for (int k = 0; k < 4; k++) {
            v[k] = _mm256_loadu_ps(x + 8 * k);
            m = _mm256_max_ps(_mm256_andnot_ps(sign, v[k]), m);  // a NaN value is skipped, as by std::max(amax, |x|)
        }
        __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        h = _mm_max_ps(h, _mm_movehl_ps(h, h));
        h = _mm_max_ss(h, _mm_movehdup_ps(h));
        const float amax = _mm_cvtss_f32(h);
        const float d = amax / 127, id = amax != 0 ? 127.0f / amax : 0.0f;
        const uint16_t dh = float_to_fp16(d);
        std::memcpy(out, &dh, 2);
        const __m256 idv = _mm256_set1_ps(id);
        __m256i q[4];
        for (int k = 0; k < 4; k++)
            q[k] = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v[k], idv), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        const __m256i p16 = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
        _mm256_storeu_si256(reinterpret_cast<__m256i *>(out + 2), _mm256_permutevar8x32_epi32(p16, order));
    }
}

namespace {

inline float fp16(const uint8_t *p) { return _cvtsh_ss(load_u16(p)); }

// Signed bytes a . b summed in pairs into 8 int32 lanes (maddubs needs one unsigned operand: |a| and b * sign(a)).
inline __m256i dot_i8(__m256i a, __m256i b) {
    const __m256i p16 = _mm256_maddubs_epi16(_mm256_sign_epi8(a, a), _mm256_sign_epi8(b, a));
    return _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
}

}  // namespace

inline __m256 load_f16(const uint8_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i *>(p))); }

inline __m256 load_bf16(const uint8_t *p) {
    const __m256i h = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i *>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(h, 16));
}

float dot_f16(const uint8_t *w, const uint8_t *x, int n) {
    __m256 acc = _mm256_setzero_ps();
    int i = 0;
    for (; i + 8 <= n; i += 8) acc = _mm256_fmadd_ps(load_f16(w + 2 * i), load_f16(x + 2 * i), acc);
    float s = hsum(acc);
    for (; i < n; i++) s += fp16(w + 2 * i) * fp16(x + 2 * i);
    return s;
}

float dot_bf16(const uint8_t *w, const uint8_t *x, int n) {
    __m256 acc = _mm256_setzero_ps();
    int i = 0;
    for (; i + 8 <= n; i += 8) acc = _mm256_fmadd_ps(load_bf16(w + 2 * i), load_bf16(x + 2 * i), acc);
    float s = hsum(acc);
    for (; i < n; i++) s += bf16_bits_to_float(load_u16(w + 2 * i)) * bf16_bits_to_float(load_u16(x + 2 * i));
    return s;
}

float dot_q8_0(const uint8_t *w, const uint8_t *x, int n) {
    __m256 acc = _mm256_setzero_ps();
    for (int b = 0; b < n / QK8_0; b++, w += Q8_0_BYTES, x += Q8_0_BYTES) {
        const __m256i qw = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w + 2));
        const __m256i qx = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(x + 2));
        const __m256 d = _mm256_set1_ps(fp16(w) * fp16(x));
        acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(dot_i8(qw, qx)), acc);
    }
    return hsum(acc);
}

float dot_q4_0(const uint8_t *w, const uint8_t *x, int n) {
    const __m256i low = _mm256_set1_epi8(0x0F), eight = _mm256_set1_epi8(8);
    __m256 acc = _mm256_setzero_ps();
    for (int b = 0; b < n / QK4_0; b++, w += Q4_0_BYTES, x += Q8_0_BYTES) {
        const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i *>(w + 2));
        const __m256i both = _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed);
        const __m256i qw = _mm256_sub_epi8(_mm256_and_si256(both, low), eight);
        const __m256i qx = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(x + 2));
        const __m256 d = _mm256_set1_ps(fp16(w) * fp16(x));
        acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(dot_i8(qw, qx)), acc);
    }
    return hsum(acc);
}

inline __m256i q5_values(const uint8_t *qs, uint32_t qh) {
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i *>(qs));
    const __m256i both = _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed);
    return _mm256_or_si256(_mm256_and_si256(both, _mm256_set1_epi8(0x0F)), fifth_bits(qh));  // 0..31
}

float dot_q5_0(const uint8_t *w, const uint8_t *x, int n) {
    const __m256i sixteen = _mm256_set1_epi8(16);
    __m256 acc = _mm256_setzero_ps();
    for (int b = 0; b < n / QK4_0; b++, w += Q5_0_BYTES, x += Q8_0_BYTES) {
        const __m256i qw = _mm256_sub_epi8(q5_values(w + 6, load_u32(w + 2)), sixteen);
        const __m256i qx = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(x + 2));
        const __m256 d = _mm256_set1_ps(fp16(w) * fp16(x));
        acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(dot_i8(qw, qx)), acc);
    }
    return hsum(acc);
}

float dot_q5_1(const uint8_t *w, const uint8_t *x, int n) {
    __m256 acc = _mm256_setzero_ps();
    float offsets = 0;
    for (int b = 0; b < n / QK4_0; b++, w += Q5_1_BYTES, x += Q8_1_BYTES) {
        const __m256i qw = q5_values(w + 8, load_u32(w + 4));  // unsigned: maddubs takes it as is
        const __m256i qx = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(x + 4));
        const __m256i sum = _mm256_madd_epi16(_mm256_maddubs_epi16(qw, qx), _mm256_set1_epi16(1));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(fp16(w) * fp16(x)), _mm256_cvtepi32_ps(sum), acc);
        offsets += fp16(w + 2) * fp16(x + 2);
    }
    return hsum(acc) + offsets;
}

// Four activation rows against one weight row of a 32-value block type with q8_0 activations (Q8_0, Q4_0, Q5_0):
// each weight block is decoded once; each of the four outputs goes through exactly the operations of the one-row dot
// above (the same products, the same order), so a row's result does not depend on the rows beside it.
template <uint32_t T> inline __m256i q32_weights(const uint8_t *w) {
    if constexpr (T == GGML_Q8_0) {
        return _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w + 2));
    } else if constexpr (T == GGML_Q4_0) {
        const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i *>(w + 2));
        const __m256i both = _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed);
        return _mm256_sub_epi8(_mm256_and_si256(both, _mm256_set1_epi8(0x0F)), _mm256_set1_epi8(8));
    } else {
        return _mm256_sub_epi8(q5_values(w + 6, load_u32(w + 2)), _mm256_set1_epi8(16));
    }
}

// R weight rows (R_ROWS bytes apart) against 4 activation rows: each activation block is loaded and its scale
// converted once for the R weight rows, each weight block once for the 4 activation rows.
template <uint32_t T, int R> void dot_rx4_q32(const uint8_t *w, size_t w_row, const uint8_t *x, size_t x_row, int n, float *out) {
    constexpr size_t bytes = T == GGML_Q8_0 ? Q8_0_BYTES : T == GGML_Q4_0 ? Q4_0_BYTES : Q5_0_BYTES;
    __m256 acc[R][4];
    for (int i = 0; i < R; i++)
        for (int r = 0; r < 4; r++) acc[i][r] = _mm256_setzero_ps();
    const __m256i ones = _mm256_set1_epi16(1);
    for (int b = 0; b < n / QK8_0; b++) {
        __m256i qw[R], aw[R];
        float dw[R];
        for (int i = 0; i < R; i++) {
            const uint8_t *wb = w + i * w_row + static_cast<size_t>(b) * bytes;
            qw[i] = q32_weights<T>(wb);
            aw[i] = _mm256_sign_epi8(qw[i], qw[i]);
            dw[i] = fp16(wb);
        }
        for (int r = 0; r < 4; r++) {
            const uint8_t *xb = x + r * x_row + static_cast<size_t>(b) * Q8_0_BYTES;
            const __m256i qx = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(xb + 2));
            const float dx = fp16(xb);
            for (int i = 0; i < R; i++) {  // dot_i8(qw, qx), and the scale d_w * d_x, as the one-row kernel
                const __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(aw[i], _mm256_sign_epi8(qx, qw[i])), ones);
                acc[i][r] = _mm256_fmadd_ps(_mm256_set1_ps(dw[i] * dx), _mm256_cvtepi32_ps(p), acc[i][r]);
            }
        }
    }
    for (int i = 0; i < R; i++)
        for (int r = 0; r < 4; r++) out[i * 4 + r] = hsum(acc[i][r]);
}

template <uint32_t T> void dot4_q32(const uint8_t *w, size_t w_row, const uint8_t *x, size_t x_row, int n, int weight_rows,
                                    float *out) {
    if (weight_rows == 2) dot_rx4_q32<T, 2>(w, w_row, x, x_row, n, out);
    else dot_rx4_q32<T, 1>(w, w_row, x, x_row, n, out);
}

void dot4_q8_0(const uint8_t *w, size_t w_row, const uint8_t *x, size_t x_row, int n, int weight_rows, float *out) {
    dot4_q32<GGML_Q8_0>(w, w_row, x, x_row, n, weight_rows, out);
}
void dot4_q4_0(const uint8_t *w, size_t w_row, const uint8_t *x, size_t x_row, int n, int weight_rows, float *out) {
    dot4_q32<GGML_Q4_0>(w, w_row, x, x_row, n, weight_rows, out);
}
void dot4_q5_0(const uint8_t *w, size_t w_row, const uint8_t *x, size_t x_row, int n, int weight_rows, float *out) {
    dot4_q32<GGML_Q5_0>(w, w_row, x, x_row, n, weight_rows, out);
}

// The tiled product of a batch against a 32-value block type (GemmFn). The thread's output rows go in tiles of RW
// weight rows: each tile's blocks are decoded once into `scratch` (signed values, their absolute values, the scale as
// fp32) and then meet every activation row, RX rows at a time, from L1; the activation scales are converted to fp32
// once per call, block-major, so one load gives the scales of RX rows and one multiply the products d_w * d_x of a
// weight row with all of them. Each element still takes, block by block, the one-row kernel's steps: the integer
// dot product of the block (maddubs on |w| and sign(x, w), pairs summed into 8 lanes), converted, times the fp32
// product d_w * d_x, added by one FMA into its own 8-lane accumulator, which the same horizontal sum ends.
constexpr int kGemmRw = 2, kGemmRx = 4;  // 8 accumulators: more spill to the stack (measured)

// A loop over a tile's fixed shape, unrolled before GCC decides whether an array indexed by it can live in registers.
#define GCC_UNROLL _Pragma("GCC unroll 8")

struct DecodedQ32 {
    __m256i q, a;  // the block's 32 weights (int8) and their absolute values
};

// Asks for the bytes one tile (`ahead` bytes) further on, up to `end` (the thread's last row): the next tile then
// arrives while this one meets the batch, instead of stalling its decoding (at batch 16, decoding the tiles was 13 %
// of a step, most of it waiting on loads).
inline void prefetch_next_tile(const uint8_t *p, size_t ahead, const uint8_t *end) {
    if (ahead < static_cast<size_t>(end - p)) _mm_prefetch(reinterpret_cast<const char *>(p + ahead), _MM_HINT_T0);
}

template <uint32_t T>
inline void decode_q32_tile(const uint8_t *w, size_t w_row, int rw, int nb, DecodedQ32 *out, float *d, const uint8_t *end) {
    constexpr size_t bytes = T == GGML_Q8_0 ? Q8_0_BYTES : T == GGML_Q4_0 ? Q4_0_BYTES : Q5_0_BYTES;
    // Row by row: the tile's rows are adjacent in memory, so this reads one ascending stream.
    for (int i = 0; i < rw; i++)
        for (int k = 0; k < nb; k++) {
            const uint8_t *wb = w + i * w_row + static_cast<size_t>(k) * bytes;
            prefetch_next_tile(wb, rw * w_row, end);
            const __m256i q = q32_weights<T>(wb);
            out[k * rw + i] = {q, _mm256_sign_epi8(q, q)};
            d[k * rw + i] = fp16(wb);
        }
}

// RW decoded weight rows against RX activation rows (x_row bytes apart; their fp32 scales at xd[k * xd_stride + j]).
template <int RW, int RX>
inline void gemm_tile_q32(const DecodedQ32 *wt, const float *wd, const uint8_t *x, size_t x_row, const float *xd, int xd_stride,
                          int nb, float *Y, size_t ldy) {
    // Every loop over the tile's shape is unrolled in the source (GCC_UNROLL): then every access to `acc` has a
    // constant index and the accumulators live in registers (left to the compiler, the array stayed in memory and
    // each FMA was followed by a store of its accumulator).
    __m256 acc[RW][RX];
    GCC_UNROLL for (int i = 0; i < RW; i++) GCC_UNROLL for (int j = 0; j < RX; j++) acc[i][j] = _mm256_setzero_ps();
    const __m256i ones = _mm256_set1_epi16(1);
    for (int k = 0; k < nb; k++) {
        alignas(32) float scale[RW][8];  // d_w * d_x for each pair (lanes past RX unused)
        const __m256 dx = _mm256_loadu_ps(xd + static_cast<size_t>(k) * xd_stride);
        GCC_UNROLL for (int i = 0; i < RW; i++) _mm256_store_ps(scale[i], _mm256_mul_ps(_mm256_broadcast_ss(wd + k * RW + i), dx));
        const DecodedQ32 *wk = wt + k * RW;
        GCC_UNROLL for (int j = 0; j < RX; j++) {
            const __m256i qx = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(x + j * x_row + static_cast<size_t>(k) * Q8_0_BYTES + 2));
            GCC_UNROLL for (int i = 0; i < RW; i++) {
                const __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(wk[i].a, _mm256_sign_epi8(qx, wk[i].q)), ones);
                acc[i][j] = _mm256_fmadd_ps(_mm256_broadcast_ss(&scale[i][j]), _mm256_cvtepi32_ps(p), acc[i][j]);
            }
        }
    }
    GCC_UNROLL for (int i = 0; i < RW; i++) GCC_UNROLL for (int j = 0; j < RX; j++) Y[j * ldy + i] = hsum(acc[i][j]);
}

template <int RW> inline void gemm_rows_q32(const DecodedQ32 *wt, const float *wd, const uint8_t *X, size_t x_row, const float *xd,
                                            int batch, int nb, float *Y, size_t ldy) {
    int b = 0;
    for (; b + kGemmRx <= batch; b += kGemmRx)
        gemm_tile_q32<RW, kGemmRx>(wt, wd, X + b * x_row, x_row, xd + b, batch, nb, Y + b * ldy, ldy);
    for (; b < batch; b++) gemm_tile_q32<RW, 1>(wt, wd, X + b * x_row, x_row, xd + b, batch, nb, Y + b * ldy, ldy);
}

template <uint32_t T> void gemm_q32(const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch, int in,
                                    int o_begin, int o_end, int ldy) {
    const int nb = in / QK8_0;
    thread_local std::vector<DecodedQ32> tile;
    thread_local std::vector<float, FileAllocator<float>> scales;  // the tile's weight scales, then the activation scales, block-major
    if (tile.size() < static_cast<size_t>(nb) * kGemmRw) tile.resize(static_cast<size_t>(nb) * kGemmRw);
    const size_t need = static_cast<size_t>(nb) * (kGemmRw + batch) + 8;  // 8: a tile loads 8 scales from its first row
    if (scales.size() < need) scales.resize(need);
    float *wd = scales.data(), *xd = wd + static_cast<size_t>(nb) * kGemmRw;
    for (int b = 0; b < batch; b++)
        for (int k = 0; k < nb; k++) xd[static_cast<size_t>(k) * batch + b] = fp16(X + b * x_row + static_cast<size_t>(k) * Q8_0_BYTES);
    int o = o_begin;
    for (; o + kGemmRw <= o_end; o += kGemmRw) {
        decode_q32_tile<T>(W + o * w_row, w_row, kGemmRw, nb, tile.data(), wd, W + o_end * w_row);
        gemm_rows_q32<kGemmRw>(tile.data(), wd, X, x_row, xd, batch, nb, Y + o, ldy);
    }
    for (; o < o_end; o++) {
        decode_q32_tile<T>(W + o * w_row, w_row, 1, nb, tile.data(), wd, W + o_end * w_row);
        gemm_rows_q32<1>(tile.data(), wd, X, x_row, xd, batch, nb, Y + o, ldy);
    }
}

void gemm_q8_0(const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch, int in, int o_begin, int o_end,
               int ldy) {
    gemm_q32<GGML_Q8_0>(W, w_row, X, x_row, Y, batch, in, o_begin, o_end, ldy);
}
void gemm_q4_0(const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch, int in, int o_begin, int o_end,
               int ldy) {
    gemm_q32<GGML_Q4_0>(W, w_row, X, x_row, Y, batch, in, o_begin, o_end, ldy);
}
void gemm_q5_0(const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch, int in, int o_begin, int o_end,
               int ldy) {
    gemm_q32<GGML_Q5_0>(W, w_row, X, x_row, Y, batch, in, o_begin, o_end, ldy);
}

// Byte shuffles that spread 16-bit lane `s` of each 128-bit half over the whole half.
inline __m256i spread_i16(__m256i v, int s) {
    const __m256i ctrl = _mm256_set1_epi16(static_cast<short>((2 * s) | ((2 * s + 1) << 8)));
    return _mm256_shuffle_epi8(v, ctrl);
}

template <bool FIVE> float dot_k_affine(const uint8_t *w, const uint8_t *x, int n) {
    constexpr size_t bytes = FIVE ? Q5_K_BYTES : Q4_K_BYTES;
    const __m256i low = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(1);
    __m256 acc = _mm256_setzero_ps();
    float mins = 0;
    for (int b = 0; b < n / QK_K; b++, w += bytes, x += Q8_K_BYTES) {
        float dx;
        std::memcpy(&dx, x, 4);
        const int8_t *qx = reinterpret_cast<const int8_t *>(x + 4);
        // Integer steps in vectors (their sums are exact, so only the float steps below fix the result): the scales
        // broadcast from one register, the offset term sum_s m[s] * (bsums[2s] + bsums[2s + 1]) by one madd.
        const __m256i sm = k_scales_mins(w + 4);
        const __m256i scales = _mm256_permute2x128_si256(sm, sm, 0x00), mins16 = _mm256_permute2x128_si256(sm, sm, 0x11);
        const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(x + 4 + QK_K));
        const __m128i pair_sums = _mm_hadd_epi16(_mm256_castsi256_si128(bsums), _mm256_extracti128_si256(bsums, 1));
        const __m128i m_terms = _mm_madd_epi16(_mm256_castsi256_si128(mins16), pair_sums);
        __m128i ms = _mm_add_epi32(m_terms, _mm_shuffle_epi32(m_terms, 0x4E));
        ms = _mm_add_epi32(ms, _mm_shuffle_epi32(ms, 0xB1));
        const int summ = _mm_cvtsi128_si32(ms);
        const uint8_t *qs = w + (FIVE ? 48 : 16);
        __m256i qh = FIVE ? _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w + 16)) : _mm256_setzero_si256();
        __m256i sum = _mm256_setzero_si256();
        GCC_UNROLL for (int c = 0; c < 4; c++) {
            const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(qs + 32 * c));
            __m256i lo = _mm256_and_si256(q, low), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low);
            if (FIVE) {  // bit 2c of qh[l] for the low half, bit 2c + 1 for the high half
                lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(qh, one), 4));
                hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 1), one), 4));
                qh = _mm256_srli_epi16(qh, 2);
            }
            const __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(qx + 64 * c));
            const __m256i x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(qx + 64 * c + 32));
            const __m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(lo, x0), spread_i16(scales, 2 * c));
            const __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(hi, x1), spread_i16(scales, 2 * c + 1));
            sum = _mm256_add_epi32(sum, _mm256_add_epi32(p0, p1));
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(fp16(w) * dx), _mm256_cvtepi32_ps(sum), acc);
        mins = __builtin_fmaf(fp16(w + 2) * dx, static_cast<float>(summ), mins);  // one FMA of the rounded product, written out
    }
    return hsum(acc) - mins;
}

// The tiled product for the K-quants (GemmFn), on the same plan as gemm_q32: a 256-value block of one weight row is
// decoded once per tile into eight 32-value chunks of unsigned values (chunk c meets activation bytes [32c, 32c + 32)),
// each with its 16-bit scale vector, and the 16 coefficients of the block's offset term (Q4_K/Q5_K: the mins m[g / 2],
// which meet the activation's bsums; Q6_K: the scales, for its -32). Per block and element the integer sum has the
// one-row kernel's lanes and value (integer sums do not depend on their order), and the float steps are the same:
// one FMA of d_w * d_x into the element's accumulator, and for Q4_K/Q5_K the scalar mins term (d_min * d_x * summ).
template <uint32_t T> constexpr size_t T_BYTES_K = T == GGML_Q4_K ? Q4_K_BYTES : T == GGML_Q5_K ? Q5_K_BYTES : Q6_K_BYTES;

struct alignas(32) DecodedK {
    __m256i q[8], s[8], coef;
    float d, dmin;
};

template <uint32_t T> inline void decode_k_block(const uint8_t *w, DecodedK *out) {
    const __m256i low = _mm256_set1_epi8(0x0F);
    alignas(32) int16_t coef[16];
    if constexpr (T == GGML_Q6_K) {
        const int8_t *sc = reinterpret_cast<const int8_t *>(w + 192);
        for (int half = 0; half < 2; half++) {
            const __m256i ql0 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w + 64 * half));
            const __m256i ql1 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w + 64 * half + 32));
            const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w + 128 + 32 * half));
            for (int quarter = 0; quarter < 4; quarter++) {
                const int c = half * 4 + quarter;
                const __m256i ql = (quarter & 1) ? ql1 : ql0;
                const __m256i lo = quarter < 2 ? _mm256_and_si256(ql, low) : _mm256_and_si256(_mm256_srli_epi16(ql, 4), low);
                const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * quarter), _mm256_set1_epi8(3));
                out->q[c] = _mm256_or_si256(lo, _mm256_slli_epi16(hi, 4));
                out->s[c] = _mm256_set_m128i(_mm_set1_epi16(sc[2 * c + 1]), _mm_set1_epi16(sc[2 * c]));
            }
        }
        for (int g = 0; g < 16; g++) coef[g] = sc[g];
        out->d = fp16(w + 208);
        out->dmin = 0;
    } else {
        constexpr bool five = T == GGML_Q5_K;
        int sc[8], m[8];
        for (int sb = 0; sb < 8; sb++) k_scale_min(sb, w + 4, &sc[sb], &m[sb]);
        const uint8_t *qs = w + (five ? 48 : 16);
        __m256i qh = five ? _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w + 16)) : _mm256_setzero_si256();
        const __m256i one = _mm256_set1_epi8(1);
        for (int c = 0; c < 4; c++) {
            const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(qs + 32 * c));
            __m256i lo = _mm256_and_si256(q, low), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low);
            if (five) {
                lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(qh, one), 4));
                hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 1), one), 4));
                qh = _mm256_srli_epi16(qh, 2);
            }
            out->q[2 * c] = lo;
            out->q[2 * c + 1] = hi;
            out->s[2 * c] = _mm256_set1_epi16(static_cast<short>(sc[2 * c]));
            out->s[2 * c + 1] = _mm256_set1_epi16(static_cast<short>(sc[2 * c + 1]));
        }
        for (int g = 0; g < 16; g++) coef[g] = static_cast<int16_t>(m[g / 2]);
        out->d = fp16(w);
        out->dmin = fp16(w + 2);
    }
    out->coef = _mm256_load_si256(reinterpret_cast<const __m256i *>(coef));
}

template <bool SIX, int RW, int RX>
inline void gemm_tile_k(const DecodedK *wt, const uint8_t *x, size_t x_row, int nb, float *Y, size_t ldy) {
    __m256 acc[RW][RX];  // in registers: every loop over the tile's shape is unrolled (gemm_tile_q32)
    float mins[RW][RX];
    GCC_UNROLL for (int i = 0; i < RW; i++) GCC_UNROLL for (int j = 0; j < RX; j++) acc[i][j] = _mm256_setzero_ps(), mins[i][j] = 0;
    for (int k = 0; k < nb; k++) {
        GCC_UNROLL for (int j = 0; j < RX; j++) {
            const uint8_t *xb = x + j * x_row + static_cast<size_t>(k) * Q8_K_BYTES;
            float dx;
            std::memcpy(&dx, xb, 4);
            const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(xb + 4 + QK_K));
            // Each activation chunk is loaded once for the tile's weight rows (the integer sums are exact, so
            // interleaving the rows does not change them).
            __m256i sum[RW];
            GCC_UNROLL for (int i = 0; i < RW; i++) sum[i] = _mm256_setzero_si256();
            GCC_UNROLL for (int c = 0; c < 8; c++) {
                const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(xb + 4 + 32 * c));
                GCC_UNROLL for (int i = 0; i < RW; i++) {
                    const DecodedK &dw = wt[k * RW + i];
                    sum[i] = _mm256_add_epi32(sum[i], _mm256_madd_epi16(_mm256_maddubs_epi16(dw.q[c], xv), dw.s[c]));
                }
            }
            GCC_UNROLL for (int i = 0; i < RW; i++) {
                const DecodedK &dw = wt[k * RW + i];
                const int offset = hsum_i32(_mm256_madd_epi16(dw.coef, bsums));
                if constexpr (SIX) {
                    sum[i] = _mm256_sub_epi32(sum[i], _mm256_setr_epi32(32 * offset, 0, 0, 0, 0, 0, 0, 0));
                    acc[i][j] = _mm256_fmadd_ps(_mm256_set1_ps(dw.d * dx), _mm256_cvtepi32_ps(sum[i]), acc[i][j]);
                } else {
                    acc[i][j] = _mm256_fmadd_ps(_mm256_set1_ps(dw.d * dx), _mm256_cvtepi32_ps(sum[i]), acc[i][j]);
                    mins[i][j] += dw.dmin * dx * static_cast<float>(offset);
                }
            }
        }
    }
    GCC_UNROLL for (int i = 0; i < RW; i++) GCC_UNROLL for (int j = 0; j < RX; j++)
        Y[j * ldy + i] = SIX ? hsum(acc[i][j]) : hsum(acc[i][j]) - mins[i][j];
}

template <uint32_t T, int RW> inline void gemm_rows_k(const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, int batch,
                                                      int nb, DecodedK *tile, float *Y, size_t ldy, const uint8_t *end) {
    for (int i = 0; i < RW; i++)  // row by row: one ascending stream (decode_q32_tile)
        for (int k = 0; k < nb; k++) {
            const uint8_t *wb = W + i * w_row + static_cast<size_t>(k) * T_BYTES_K<T>;
            for (size_t line = 0; line < T_BYTES_K<T>; line += 64) prefetch_next_tile(wb + line, RW * w_row, end);
            decode_k_block<T>(wb, &tile[k * RW + i]);
        }
    constexpr bool six = T == GGML_Q6_K;
    int b = 0;
    for (; b + kGemmRx <= batch; b += kGemmRx) gemm_tile_k<six, RW, kGemmRx>(tile, X + b * x_row, x_row, nb, Y + b * ldy, ldy);
    for (; b < batch; b++) gemm_tile_k<six, RW, 1>(tile, X + b * x_row, x_row, nb, Y + b * ldy, ldy);
}

template <uint32_t T> void gemm_k(const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch, int in,
                                  int o_begin, int o_end, int ldy) {
    const int nb = in / QK_K;
    thread_local std::vector<DecodedK> tile;
    if (tile.size() < static_cast<size_t>(nb) * kGemmRw) tile.resize(static_cast<size_t>(nb) * kGemmRw);
    int o = o_begin;
    const uint8_t *end = W + o_end * w_row;
    for (; o + kGemmRw <= o_end; o += kGemmRw)
        gemm_rows_k<T, kGemmRw>(W + o * w_row, w_row, X, x_row, batch, nb, tile.data(), Y + o, ldy, end);
    for (; o < o_end; o++) gemm_rows_k<T, 1>(W + o * w_row, w_row, X, x_row, batch, nb, tile.data(), Y + o, ldy, end);
}

void gemm_q4_k(const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch, int in, int o_begin, int o_end,
               int ldy) {
    gemm_k<GGML_Q4_K>(W, w_row, X, x_row, Y, batch, in, o_begin, o_end, ldy);
}
void gemm_q5_k(const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch, int in, int o_begin, int o_end,
               int ldy) {
    gemm_k<GGML_Q5_K>(W, w_row, X, x_row, Y, batch, in, o_begin, o_end, ldy);
}
void gemm_q6_k(const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch, int in, int o_begin, int o_end,
               int ldy) {
    gemm_k<GGML_Q6_K>(W, w_row, X, x_row, Y, batch, in, o_begin, o_end, ldy);
}

float dot_q4_k(const uint8_t *w, const uint8_t *x, int n) { return dot_k_affine<false>(w, x, n); }
float dot_q5_k(const uint8_t *w, const uint8_t *x, int n) { return dot_k_affine<true>(w, x, n); }

float dot_q6_k(const uint8_t *w, const uint8_t *x, int n) {
    const __m256i low = _mm256_set1_epi8(0x0F), three = _mm256_set1_epi8(3);
    __m256 acc = _mm256_setzero_ps();
    for (int b = 0; b < n / QK_K; b++, w += Q6_K_BYTES, x += Q8_K_BYTES) {
        float dx;
        std::memcpy(&dx, x, 4);
        const int8_t *qx = reinterpret_cast<const int8_t *>(x + 4);
        // The 16 scales as 16-bit values (groups 0..7 in the low half, 8..15 in the high half); the offset term
        // sum_g sc[g] * bsums[g] by one madd (integer steps: exact in any order).
        const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(w + 192)));
        const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(x + 4 + QK_K));
        const int offset = hsum_i32(_mm256_madd_epi16(sc16, bsums));
        __m256i sum = _mm256_setzero_si256();
        GCC_UNROLL for (int half = 0; half < 2; half++) {
            const __m256i ql0 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w + 64 * half));
            const __m256i ql1 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w + 64 * half + 32));
            const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w + 128 + 32 * half));
            const __m256i sc_half = half == 0 ? _mm256_permute2x128_si256(sc16, sc16, 0x00) : _mm256_permute2x128_si256(sc16, sc16, 0x11);
            GCC_UNROLL for (int quarter = 0; quarter < 4; quarter++) {
                const __m256i ql = (quarter & 1) ? ql1 : ql0;
                const __m256i lo = quarter < 2 ? _mm256_and_si256(ql, low) : _mm256_and_si256(_mm256_srli_epi16(ql, 4), low);
                const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * quarter), three);
                const __m256i q = _mm256_or_si256(lo, _mm256_slli_epi16(hi, 4));  // 0..63; the -32 comes from bsums
                const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(qx + 128 * half + 32 * quarter));
                // sc[g] in the low 128 bits, sc[g + 1] in the high (g = half * 8 + 2 * quarter)
                const __m256i ctrl = _mm256_setr_epi8(4 * quarter, 4 * quarter + 1, 4 * quarter, 4 * quarter + 1, 4 * quarter,
                                                      4 * quarter + 1, 4 * quarter, 4 * quarter + 1, 4 * quarter, 4 * quarter + 1,
                                                      4 * quarter, 4 * quarter + 1, 4 * quarter, 4 * quarter + 1, 4 * quarter,
                                                      4 * quarter + 1, 4 * quarter + 2, 4 * quarter + 3, 4 * quarter + 2,
                                                      4 * quarter + 3, 4 * quarter + 2, 4 * quarter + 3, 4 * quarter + 2,
                                                      4 * quarter + 3, 4 * quarter + 2, 4 * quarter + 3, 4 * quarter + 2,
                                                      4 * quarter + 3, 4 * quarter + 2, 4 * quarter + 3, 4 * quarter + 2,
                                                      4 * quarter + 3);
                const __m256i scales = _mm256_shuffle_epi8(sc_half, ctrl);
                sum = _mm256_add_epi32(sum, _mm256_madd_epi16(_mm256_maddubs_epi16(q, xv), scales));
            }
        }
        const __m256i total = _mm256_sub_epi32(sum, _mm256_setr_epi32(32 * offset, 0, 0, 0, 0, 0, 0, 0));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(fp16(w + 208) * dx), _mm256_cvtepi32_ps(total), acc);
    }
    return hsum(acc);
}

}  // namespace avx2

}  // namespace cloister::cpu
