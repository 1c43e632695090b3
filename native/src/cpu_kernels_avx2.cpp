// Compiled with -mavx2 -mfma; called only after has_avx2_fma() said yes.
#include <immintrin.h>

#include <cstddef>

#include "cpu_kernels.h"

namespace cloister::cpu {

namespace {

inline float hsum(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    __m128 s = _mm_add_ps(lo, hi);
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// An RO x RB tile: RO weight rows against RB input rows, one 8-lane accumulator per output element, then the same
// horizontal sum and scalar tail for every element.
template <int RO, int RB>
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
        for (; o + 8 <= o_end; o += 8) tile<8, 1>(W, X, Y, in, o, 0, ldy);
    }
    for (; o + 4 <= o_end; o += 4) rows<4>(W, X, Y, batch, in, o, ldy);
    for (; o < o_end; o++) rows<1>(W, X, Y, batch, in, o, ldy);
}

}  // namespace cloister::cpu
