// Compiled with -mavx512f -mavx512bw -mavx512vl -mavx512vnni (and the AVX2 set); called only after has_avx512_vnni()
// said yes.
//
// The tiled products (GemmFn) and the one-row kernels (DotFn) of the AVX2 kernels with 512-bit registers and VNNI, each
// output element bit for bit the AVX2 one-row kernel's value, and the q8_K activation quantizer with the scalar one's
// bytes. What makes the products possible:
// - Per 32-value block and element, the AVX2 kernels form an exact int32 sum in each of 8 lanes (lane l: the products of
//   values 4l..4l+3) before any float step. An integer sum does not depend on how it is formed, so any instruction
//   sequence that yields the same int32 per lane is free: vpdpbusd (unsigned x signed bytes, four products per lane)
//   on x + 128 (the activation byte with its sign bit flipped) against the signed weights gives sum4(x w) +
//   128 sum4(w), and starting its accumulator at -128 sum4(w) (computed once per weight block, when the tile is
//   decoded) leaves exactly the AVX2 lane; for the K-quants vpdpwssd folds the AVX2 kernel's madd and add into one.
// - Two elements share one 512-bit register: lanes 0-7 belong to weight row i, lanes 8-15 to row i + 1, against the
//   same activation row (broadcast to both halves). Each half sees its element's own float steps: the int32 -> float
//   conversion, the product d_w * d_x, one FMA into its 8-lane accumulator per block, and at the end the AVX2 kernel's
//   horizontal sum of its 8 lanes.

// GCC 12's AVX-512 headers start some conversions from _mm512_undefined_*(), which its own -Wuninitialized reports.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

#include "cpu_kernels.h"
#include "cpu_simd_steps.h"
#include "quant.h"

namespace cloister::cpu::avx512 {

namespace {

inline float hsum_low(__m512 v) { return hsum(_mm512_castps512_ps256(v)); }
inline float hsum_high(__m512 v) { return hsum(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))); }

inline float fp16(const uint8_t *p) { return _cvtsh_ss(load_u16(p)); }

// Weight bytes to ask for while a tile computes: `lines` cache lines from `p`, spread evenly over the tile's nb blocks
// (a burst of requests at decoding time overflows the miss queues; spread over the computation, the stream arrives
// while the integer units work).
struct Ahead {
    const uint8_t *p;
    size_t lines;
};
inline void prefetch_share(const Ahead &a, int k, int nb, size_t *done) {
    const size_t upto = a.lines * static_cast<size_t>(k + 1) / static_cast<size_t>(nb);
    for (; *done < upto; ++*done) _mm_prefetch(reinterpret_cast<const char *>(a.p + 64 * *done), _MM_HINT_T0);
}
// The weights of a later tile (`tile_bytes` from `next`, up to `end`, the thread's last row), shared over the `calls`
// tile calls that meet the batch: call c's part.
inline Ahead ahead_part(const uint8_t *next, size_t tile_bytes, const uint8_t *end, int calls, int c) {
    if (next >= end) return {next, 0};
    const size_t bytes = std::min(tile_bytes, static_cast<size_t>(end - next)), lines = (bytes + 63) / 64;
    const size_t from = lines * c / calls, to = lines * (c + 1) / calls;
    return {next + 64 * from, to - from};
}

// A loop over a tile's fixed shape, unrolled before GCC decides whether an array indexed by it can live in registers.
#define GCC_UNROLL _Pragma("GCC unroll 8")

// ---- 32-value blocks with q8_0 activations: Q8_0, Q4_0, Q5_0 ----

// A block's 32 weights as signed bytes, in value order.
template <uint32_t T> inline __m256i q32_weights(const uint8_t *w) {
    if constexpr (T == GGML_Q8_0) {
        return _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w + 2));
    } else {
        const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i *>(w + (T == GGML_Q4_0 ? 2 : 6)));
        const __m256i both = _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed);
        const __m256i nibbles = _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
        if constexpr (T == GGML_Q4_0) return _mm256_sub_epi8(nibbles, _mm256_set1_epi8(8));
        else return _mm256_sub_epi8(_mm256_or_si256(nibbles, fifth_bits(load_u32(w + 2))), _mm256_set1_epi8(16));
    }
}

template <uint32_t T> constexpr size_t kQ32Bytes = T == GGML_Q8_0 ? Q8_0_BYTES : T == GGML_Q4_0 ? Q4_0_BYTES : Q5_0_BYTES;

// The signed weights of two blocks (`a` in the low 256 bits, `b` in the high). Q5_0's fifth bits go in through a byte
// mask (bit j of qh adds 16 to byte j).
template <uint32_t T> inline __m512i q32_weights2(const uint8_t *a, const uint8_t *b) {
    if constexpr (T == GGML_Q8_0) {
        return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(a + 2))),
                                  _mm256_loadu_si256(reinterpret_cast<const __m256i *>(b + 2)), 1);
    } else {
        constexpr size_t at = T == GGML_Q4_0 ? 2 : 6;
        const __m256i packed = _mm256_inserti128_si256(
            _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i *>(a + at))),
            _mm_loadu_si128(reinterpret_cast<const __m128i *>(b + at)), 1);
        // [low nibbles a | b | high nibbles a | b] -> [low a | high a | low b | high b]
        const __m512i both = _mm512_inserti64x4(_mm512_castsi256_si512(packed), _mm256_srli_epi16(packed, 4), 1);
        const __m512i nibbles = _mm512_and_si512(_mm512_shuffle_i64x2(both, both, _MM_SHUFFLE(3, 1, 2, 0)), _mm512_set1_epi8(0x0F));
        if constexpr (T == GGML_Q4_0) {
            return _mm512_sub_epi8(nibbles, _mm512_set1_epi8(8));
        } else {
            const __mmask64 fifth = static_cast<__mmask64>(load_u32(a + 2)) | static_cast<__mmask64>(load_u32(b + 2)) << 32;
            return _mm512_sub_epi8(_mm512_mask_add_epi8(nibbles, fifth, nibbles, _mm512_set1_epi8(16)), _mm512_set1_epi8(16));
        }
    }
}

// One block of two weight rows (row i in the low 256 bits, row i + 1 in the high): the signed weights, the VNNI
// accumulator's start (-128 * sum4(w) per lane) and the fp32 scales (8 lanes each).
struct alignas(64) PairQ32 {
    __m512i q, start;
    __m512 d;
};

// The tile's `rows` weight rows (row pairs; a missing last row of a pair has a zero scale) of nb blocks each:
// out[k * pairs + p].
// Both rows of a pair are decoded together, so each 64-byte value is formed in registers and stored once (storing
// the halves and reloading the whole stalled on store forwarding). The weights were asked for while an earlier tile
// computed (Ahead).
template <uint32_t T> inline void decode_q32_tile(const uint8_t *w, size_t w_row, int rows, int nb, PairQ32 *out) {
    const int pairs = (rows + 1) / 2;
    const __m512i bias = _mm512_set1_epi8(static_cast<char>(0x80));  // 128 as an unsigned byte
    for (int p = 0; p < pairs; p++) {
        const bool two = 2 * p + 1 < rows;
        const uint8_t *wa = w + 2 * p * w_row, *wb = two ? wa + w_row : wa;
        for (int k = 0; k < nb; k++, wa += kQ32Bytes<T>, wb += kQ32Bytes<T>) {
            const __m512i q = q32_weights2<T>(wa, wb);  // a missing row: row i again, with a zero scale
            PairQ32 &pk = out[k * pairs + p];
            pk.q = q;
            pk.start = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), bias, q));
            pk.d = _mm512_mask_blend_ps(0xFF00, _mm512_set1_ps(fp16(wa)), _mm512_set1_ps(two ? fp16(wb) : 0.0f));
        }
    }
}

// Buffers of this file use this allocator: a std::vector of a type or allocator local to this file has internal
// linkage, so its out-of-line members (compiled here with AVX-512) can never be merged by the linker with the same
// instantiation in a file compiled for AVX2, which would run AVX-512 code on a CPU without it. CMake checks that the
// object defines no weak symbol (check_avx512_object).
template <class T> struct FileAllocator : std::allocator<T> {
    template <class U> struct rebind {
        using other = FileAllocator<U>;
    };
    FileAllocator() = default;
    template <class U> explicit FileAllocator(const FileAllocator<U> &) {}
};

// An activation block's 32 bytes (a struct: std::vector drops the alignment attribute of a bare __m256i).
struct alignas(32) XBlock {
    __m256i v;
};

// Lanes 0-7 all lane j of `v`, lanes 8-15 all lane 8 + j (j < 4; each 256-bit half of v holds its 4 values twice).
inline __m512 spread(__m512 v, int j) {
    switch (j & 3) {
        case 0: return _mm512_permute_ps(v, 0x00);
        case 1: return _mm512_permute_ps(v, 0x55);
        case 2: return _mm512_permute_ps(v, 0xAA);
        default: return _mm512_permute_ps(v, 0xFF);
    }
}

// P row pairs against RX activation rows: xu holds each activation block's 32 bytes with the sign bit flipped
// (x + 128 as unsigned bytes), block k of row j at [j * nb + k]; xd the fp32 scales, block-major (row j of block k at
// [k * xd_stride + j]). The scales d_w * d_x of a row pair and 4 activation rows come from one multiply (row i's
// products in the low 256 bits, row i + 1's in the high, each 4 twice) and reach each element's lanes by one
// in-lane shuffle (measured: 4-5 % faster at batch 64 than a multiply per element, the same at batch 16).
template <int P, int RX>
inline void gemm_tile_q32(const PairQ32 *wt, const XBlock *xu, const float *xd, int xd_stride, int nb, int rows, float *Y,
                          size_t ldy, Ahead ahead) {
    size_t asked = 0;
    constexpr int G = (RX + 3) / 4;
    __m512 acc[P][RX];
    GCC_UNROLL for (int p = 0; p < P; p++) GCC_UNROLL for (int j = 0; j < RX; j++) acc[p][j] = _mm512_setzero_ps();
    for (int k = 0; k < nb; k++) {
        prefetch_share(ahead, k, nb, &asked);
        const PairQ32 *wk = wt + k * P;
        __m512 scale[P][G];
        GCC_UNROLL for (int g = 0; g < G; g++) {
            const __m512 dx = _mm512_broadcast_f32x4(_mm_loadu_ps(xd + static_cast<size_t>(k) * xd_stride + 4 * g));
            GCC_UNROLL for (int p = 0; p < P; p++) scale[p][g] = _mm512_mul_ps(wk[p].d, dx);
        }
        GCC_UNROLL for (int j = 0; j < RX; j++) {
            const __m512i xv = _mm512_broadcast_i64x4((xu + static_cast<size_t>(j) * nb + k)->v);
            GCC_UNROLL for (int p = 0; p < P; p++) {
                const __m512i sum = _mm512_dpbusd_epi32(wk[p].start, xv, wk[p].q);  // the AVX2 kernel's lanes
                acc[p][j] = _mm512_fmadd_ps(spread(scale[p][j / 4], j), _mm512_cvtepi32_ps(sum), acc[p][j]);
            }
        }
    }
    GCC_UNROLL for (int p = 0; p < P; p++) GCC_UNROLL for (int j = 0; j < RX; j++) {
        Y[j * ldy + 2 * p] = hsum_low(acc[p][j]);
        if (2 * p + 1 < rows) Y[j * ldy + 2 * p + 1] = hsum_high(acc[p][j]);
    }
}

constexpr int kPairsQ32 = 2, kRxQ32 = 8;  // 16 accumulators and 8 weight and scale registers: 32 zmm hold the tile
// Tiles ahead whose weights a tile's computation asks for: the next-but-one, so that they have a whole tile's time to
// arrive (measured against the next and against asking at decoding time, streaming Q8_0 products of 576 x 1536 and
// 1536 x 576 from DRAM at batch 16: 110-124 us against 114-136 and 133-160 us).
constexpr int kAheadTiles = 2;

template <int P>
inline void gemm_rows_q32(const PairQ32 *wt, const XBlock *xu, const float *xd, int batch, int nb, int rows, float *Y, size_t ldy,
                          const uint8_t *next, size_t tile_bytes, const uint8_t *end) {
    const int calls = (batch + kRxQ32 - 1) / kRxQ32;
    int b = 0;
    for (; b + kRxQ32 <= batch; b += kRxQ32)
        gemm_tile_q32<P, kRxQ32>(wt, xu + static_cast<size_t>(b) * nb, xd + b, batch, nb, rows, Y + b * ldy, ldy,
                                 ahead_part(next, tile_bytes, end, calls, b / kRxQ32));
    const XBlock *xr = xu + static_cast<size_t>(b) * nb;
    const float *dr = xd + b;
    float *yr = Y + b * ldy;
    const Ahead a = ahead_part(next, tile_bytes, end, calls, calls - 1);
    switch (batch - b) {
        case 7: gemm_tile_q32<P, 7>(wt, xr, dr, batch, nb, rows, yr, ldy, a); break;
        case 6: gemm_tile_q32<P, 6>(wt, xr, dr, batch, nb, rows, yr, ldy, a); break;
        case 5: gemm_tile_q32<P, 5>(wt, xr, dr, batch, nb, rows, yr, ldy, a); break;
        case 4: gemm_tile_q32<P, 4>(wt, xr, dr, batch, nb, rows, yr, ldy, a); break;
        case 3: gemm_tile_q32<P, 3>(wt, xr, dr, batch, nb, rows, yr, ldy, a); break;
        case 2: gemm_tile_q32<P, 2>(wt, xr, dr, batch, nb, rows, yr, ldy, a); break;
        case 1: gemm_tile_q32<P, 1>(wt, xr, dr, batch, nb, rows, yr, ldy, a); break;
        default: break;
    }
}

template <uint32_t T> void gemm_q32(const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch, int in,
                                    int o_begin, int o_end, int ldy) {
    const int nb = in / QK8_0;
    thread_local std::vector<PairQ32> tile;
    thread_local std::vector<XBlock> xu;
    thread_local std::vector<float, FileAllocator<float>> xd;
    if (tile.size() < static_cast<size_t>(nb) * kPairsQ32) tile.resize(static_cast<size_t>(nb) * kPairsQ32);
    const size_t blocks = static_cast<size_t>(nb) * batch;
    if (xu.size() < blocks) xu.resize(blocks);
    xd.assign(blocks + 4, 0.0f);  // + 4: a tile loads the scales of 4 rows from its first
    const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
    for (int b = 0; b < batch; b++)
        for (int k = 0; k < nb; k++) {
            const uint8_t *xb = X + b * x_row + static_cast<size_t>(k) * Q8_0_BYTES;
            xu[static_cast<size_t>(b) * nb + k].v = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(xb + 2)), flip);
            xd[static_cast<size_t>(k) * batch + b] = fp16(xb);
        }
    const uint8_t *end = W + o_end * w_row;
    int o = o_begin;
    constexpr int kRows = 2 * kPairsQ32;
    for (; o + kRows <= o_end; o += kRows) {
        decode_q32_tile<T>(W + o * w_row, w_row, kRows, nb, tile.data());
        const uint8_t *later = o + kAheadTiles * kRows < o_end ? W + (o + kAheadTiles * kRows) * w_row : end;
        gemm_rows_q32<kPairsQ32>(tile.data(), xu.data(), xd.data(), batch, nb, kRows, Y + o, ldy, later, kRows * w_row, end);
    }
    for (; o < o_end; o += 2) {
        const int rows = o_end - o < 2 ? 1 : 2;
        decode_q32_tile<T>(W + o * w_row, w_row, rows, nb, tile.data());
        gemm_rows_q32<1>(tile.data(), xu.data(), xd.data(), batch, nb, rows, Y + o, ldy, end, 0, end);
    }
}

// The one-row kernels (DotFn) of Q4_0 and Q5_0 (Q8_0's, which has no unpacking, measured the same as the AVX2 one and
// is left to it): the integer steps of two consecutive blocks in one register
// (block k in the low 256 bits, k + 1 in the high), then each block's float steps in the AVX2 kernel's order: its
// int32 lanes converted, one FMA of d_w * d_x into the 8-lane accumulator, block after block, and the same final sum.

template <uint32_t T> float dot_q32(const uint8_t *w, const uint8_t *x, int n) {
    constexpr size_t B = kQ32Bytes<T>;
    const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
    __m256 acc = _mm256_setzero_ps();
    const int nb = n / QK8_0;
    int b = 0;
    for (; b + 2 <= nb; b += 2, w += 2 * B, x += 2 * Q8_0_BYTES) {
        const __m512i qw = q32_weights2<T>(w, w + B);
        const __m512i qx = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(x + 2))),
                                              _mm256_loadu_si256(reinterpret_cast<const __m256i *>(x + Q8_0_BYTES + 2)), 1);
        // sum4((x + 128) w) - 128 sum4(w): the AVX2 kernel's lanes
        const __m512i sum = _mm512_sub_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_xor_si512(qx, flip), qw),
                                             _mm512_dpbusd_epi32(_mm512_setzero_si512(), flip, qw));
        const __m512 f = _mm512_cvtepi32_ps(sum);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(fp16(w) * fp16(x)), _mm512_castps512_ps256(f), acc);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(fp16(w + B) * fp16(x + Q8_0_BYTES)),
                              _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(f), 1)), acc);
    }
    if (b < nb) {  // an odd last block
        const __m256i flip8 = _mm256_set1_epi8(static_cast<char>(0x80));
        const __m256i qw = q32_weights<T>(w);
        const __m256i qx = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(x + 2));
        const __m256i sum = _mm256_sub_epi32(_mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_xor_si256(qx, flip8), qw),
                                             _mm256_dpbusd_epi32(_mm256_setzero_si256(), flip8, qw));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(fp16(w) * fp16(x)), _mm256_cvtepi32_ps(sum), acc);
    }
    return hsum(acc);
}

// ---- K-quants (256-value blocks with q8_K activations): Q4_K, Q5_K, Q6_K ----

template <uint32_t T> constexpr size_t kKBytes = T == GGML_Q4_K ? Q4_K_BYTES : T == GGML_Q5_K ? Q5_K_BYTES : Q6_K_BYTES;

// The one-row kernels of the K-quants: two 32-value chunks per register (the AVX2 kernel's p0 and p1, or two quarters
// of Q6_K), vpmaddubsw then vpdpwssd with each chunk's scales, the two halves added at the end of the block (integer
// lanes: their value does not depend on the order). The float steps per block are the AVX2 kernel's.

// Byte shuffles giving 16-bit lane a of each 128-bit lane to the low 256 bits and lane b to the high 256.
inline __m512i spread_pair(int a, int b) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi16(static_cast<short>((2 * a) | ((2 * a + 1) << 8)))),
                              _mm256_set1_epi16(static_cast<short>((2 * b) | ((2 * b + 1) << 8))), 1);
}
// The same for four 128-bit lanes: lane i gets 16-bit lane a + i.
inline __m512i spread_four(int a) {
    auto lane = [a](int i) { return static_cast<long long>((2 * (a + i)) | ((2 * (a + i) + 1) << 8)) * 0x0001000100010001LL; };
    return _mm512_set_epi64(lane(3), lane(3), lane(2), lane(2), lane(1), lane(1), lane(0), lane(0));
}

inline __m256i add_halves(__m512i v) { return _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1)); }

template <bool FIVE> float dot_k_affine(const uint8_t *w, const uint8_t *x, int n) {
    constexpr size_t bytes = FIVE ? Q5_K_BYTES : Q4_K_BYTES;
    const __m512i low = _mm512_set1_epi8(0x0F), one = _mm512_set1_epi8(1);
    __m256 acc = _mm256_setzero_ps();
    float mins = 0;
    for (int b = 0; b < n / QK_K; b++, w += bytes, x += Q8_K_BYTES) {
        float dx;
        std::memcpy(&dx, x, 4);
        const int8_t *qx = reinterpret_cast<const int8_t *>(x + 4);
        const __m256i sm = k_scales_mins(w + 4);
        const __m256i mins16 = _mm256_permute2x128_si256(sm, sm, 0x11);
        const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(x + 4 + QK_K));
        const __m128i pair_sums = _mm_hadd_epi16(_mm256_castsi256_si128(bsums), _mm256_extracti128_si256(bsums, 1));
        const __m128i m_terms = _mm_madd_epi16(_mm256_castsi256_si128(mins16), pair_sums);
        __m128i ms = _mm_add_epi32(m_terms, _mm_shuffle_epi32(m_terms, 0x4E));
        ms = _mm_add_epi32(ms, _mm_shuffle_epi32(ms, 0xB1));
        const int summ = _mm_cvtsi128_si32(ms);
        const __m512i scales = _mm512_broadcast_i32x4(_mm256_castsi256_si128(sm));  // scales 0..7 in every 128-bit lane
        const uint8_t *qs = w + (FIVE ? 48 : 16);
        __m256i qh = FIVE ? _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w + 16)) : _mm256_setzero_si256();
        __m512i sum = _mm512_setzero_si512();
        GCC_UNROLL for (int c = 0; c < 4; c++) {
            const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(qs + 32 * c));
            // [low nibbles | high nibbles]: the AVX2 kernel's lo (values 64c..64c+31) and hi (64c+32..64c+63)
            __m512i v = _mm512_and_si512(_mm512_inserti64x4(_mm512_castsi256_si512(q), _mm256_srli_epi16(q, 4), 1), low);
            if (FIVE) {  // bit 2c of qh[l] for the low half, bit 2c + 1 for the high half
                const __m512i h = _mm512_inserti64x4(_mm512_castsi256_si512(qh), _mm256_srli_epi16(qh, 1), 1);
                v = _mm512_or_si512(v, _mm512_slli_epi16(_mm512_and_si512(h, one), 4));
                qh = _mm256_srli_epi16(qh, 2);
            }
            const __m512i xv = _mm512_loadu_si512(qx + 64 * c);
            sum = _mm512_dpwssd_epi32(sum, _mm512_maddubs_epi16(v, xv), _mm512_shuffle_epi8(scales, spread_pair(2 * c, 2 * c + 1)));
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(fp16(w) * dx), _mm256_cvtepi32_ps(add_halves(sum)), acc);
        mins = __builtin_fmaf(fp16(w + 2) * dx, static_cast<float>(summ), mins);  // as the AVX2 kernel
    }
    return hsum(acc) - mins;
}

float dot_q6_k_row(const uint8_t *w, const uint8_t *x, int n) {
    const __m512i low = _mm512_set1_epi8(0x0F), three = _mm512_set1_epi8(3);
    __m256 acc = _mm256_setzero_ps();
    for (int b = 0; b < n / QK_K; b++, w += Q6_K_BYTES, x += Q8_K_BYTES) {
        float dx;
        std::memcpy(&dx, x, 4);
        const int8_t *qx = reinterpret_cast<const int8_t *>(x + 4);
        const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(w + 192)));
        const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(x + 4 + QK_K));
        const int offset = hsum_i32(_mm256_madd_epi16(sc16, bsums));
        __m512i sum = _mm512_setzero_si512();
        GCC_UNROLL for (int half = 0; half < 2; half++) {
            const __m512i ql = _mm512_loadu_si512(w + 64 * half);  // [ql0 | ql1]: quarters 0 and 1 (low nibbles), 2 and 3 (high)
            const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w + 128 + 32 * half));
            const __m512i hraw = _mm512_inserti64x4(_mm512_castsi256_si512(qh), _mm256_srli_epi16(qh, 2), 1);  // [qh | qh >> 2]
            // the scales of this half's 8 groups (16 values each) in every 128-bit lane
            const __m512i sc = _mm512_broadcast_i32x4(half == 0 ? _mm256_castsi256_si128(sc16) : _mm256_extracti128_si256(sc16, 1));
            GCC_UNROLL for (int pair = 0; pair < 2; pair++) {  // quarters 2 * pair and 2 * pair + 1
                const __m512i lo = pair == 0 ? _mm512_and_si512(ql, low) : _mm512_and_si512(_mm512_srli_epi16(ql, 4), low);
                const __m512i hi = _mm512_and_si512(pair == 0 ? hraw : _mm512_srli_epi16(hraw, 4), three);
                const __m512i q = _mm512_or_si512(lo, _mm512_slli_epi16(hi, 4));  // 0..63; the -32 comes from bsums
                const __m512i xv = _mm512_loadu_si512(qx + 128 * half + 64 * pair);
                sum = _mm512_dpwssd_epi32(sum, _mm512_maddubs_epi16(q, xv), _mm512_shuffle_epi8(sc, spread_four(4 * pair)));
            }
        }
        const __m256i total = _mm256_sub_epi32(add_halves(sum), _mm256_setr_epi32(32 * offset, 0, 0, 0, 0, 0, 0, 0));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(fp16(w + 208) * dx), _mm256_cvtepi32_ps(total), acc);
    }
    return hsum(acc);
}

// One 256-value block of two weight rows (row i in the low 256 bits of each register, row i + 1 in the high), as the
// AVX2 kernel decodes it: eight 32-value chunks of unsigned values (chunk c meets activation bytes [32c, 32c + 32)),
// each with its 16-bit scale vector, the 16 coefficients of the offset term (Q4_K/Q5_K: the mins m[g / 2], which meet
// the activation's bsums; Q6_K: the scales, for its -32), and the fp16 scales as fp32.
struct alignas(64) PairK {
    __m512i q[8], s[8], coef;
    __m512 d;
    float dmin[2];
};

// Row `half` of a pair (0: low 256 bits, 1: high) from one weight block; null: zeros.
template <uint32_t T> inline void decode_k_half(const uint8_t *w, PairK *out, int half) {
    auto q = [&](int c) { return reinterpret_cast<__m256i *>(&out->q[c]) + half; };
    auto s = [&](int c) { return reinterpret_cast<__m256i *>(&out->s[c]) + half; };
    __m256i *coef_out = reinterpret_cast<__m256i *>(&out->coef) + half;
    float *d_out = reinterpret_cast<float *>(&out->d) + 8 * half;
    if (w == nullptr) {
        for (int c = 0; c < 8; c++) _mm256_store_si256(q(c), _mm256_setzero_si256()), _mm256_store_si256(s(c), _mm256_setzero_si256());
        _mm256_store_si256(coef_out, _mm256_setzero_si256());
        _mm256_store_ps(d_out, _mm256_setzero_ps());
        out->dmin[half] = 0;
        return;
    }
    const __m256i low = _mm256_set1_epi8(0x0F);
    alignas(32) int16_t coef[16];
    if constexpr (T == GGML_Q6_K) {
        const int8_t *sc = reinterpret_cast<const int8_t *>(w + 192);
        for (int h = 0; h < 2; h++) {
            const __m256i ql0 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w + 64 * h));
            const __m256i ql1 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w + 64 * h + 32));
            const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w + 128 + 32 * h));
            for (int quarter = 0; quarter < 4; quarter++) {
                const int c = h * 4 + quarter;
                const __m256i ql = (quarter & 1) ? ql1 : ql0;
                const __m256i lo = quarter < 2 ? _mm256_and_si256(ql, low) : _mm256_and_si256(_mm256_srli_epi16(ql, 4), low);
                const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * quarter), _mm256_set1_epi8(3));
                _mm256_store_si256(q(c), _mm256_or_si256(lo, _mm256_slli_epi16(hi, 4)));
                _mm256_store_si256(s(c), _mm256_set_m128i(_mm_set1_epi16(sc[2 * c + 1]), _mm_set1_epi16(sc[2 * c])));
            }
        }
        for (int g = 0; g < 16; g++) coef[g] = sc[g];
        _mm256_store_ps(d_out, _mm256_set1_ps(fp16(w + 208)));
        out->dmin[half] = 0;
    } else {
        constexpr bool five = T == GGML_Q5_K;
        int sc[8], m[8];
        for (int sb = 0; sb < 8; sb++) k_scale_min(sb, w + 4, &sc[sb], &m[sb]);
        const uint8_t *qs = w + (five ? 48 : 16);
        __m256i qh = five ? _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w + 16)) : _mm256_setzero_si256();
        const __m256i one = _mm256_set1_epi8(1);
        for (int c = 0; c < 4; c++) {
            const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(qs + 32 * c));
            __m256i lo = _mm256_and_si256(v, low), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low);
            if (five) {
                lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(qh, one), 4));
                hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 1), one), 4));
                qh = _mm256_srli_epi16(qh, 2);
            }
            _mm256_store_si256(q(2 * c), lo);
            _mm256_store_si256(q(2 * c + 1), hi);
            _mm256_store_si256(s(2 * c), _mm256_set1_epi16(static_cast<short>(sc[2 * c])));
            _mm256_store_si256(s(2 * c + 1), _mm256_set1_epi16(static_cast<short>(sc[2 * c + 1])));
        }
        for (int g = 0; g < 16; g++) coef[g] = static_cast<int16_t>(m[g / 2]);
        _mm256_store_ps(d_out, _mm256_set1_ps(fp16(w)));
        out->dmin[half] = fp16(w + 2);
    }
    _mm256_store_si256(coef_out, _mm256_load_si256(reinterpret_cast<const __m256i *>(coef)));
}

// The sum of each 8-lane half, in every lane of that half (integer: any order).
inline __m512i half_sums(__m512i v) {
    v = _mm512_add_epi32(v, _mm512_shuffle_epi32(v, _MM_PERM_BADC));
    v = _mm512_add_epi32(v, _mm512_shuffle_epi32(v, _MM_PERM_CDAB));
    return _mm512_add_epi32(v, _mm512_shuffle_i32x4(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
}

// The offset terms of a tile's elements (P <= 2 row pairs x RX <= 4 activation rows): v[p][j] holds the 16 products of
// row pair p (8 lanes per row) with activation row j's bsums; each row's 8 lanes summed (integers: any order), element
// (p, j, row h of the pair) in lane 8p + 4h + j of one register: 21 instructions for the 16 elements, where summing
// each register's halves (half_sums) took 6 per register and reading the two sums out of it 3 more.
template <int P, int RX> inline __m512i offsets_lanes(const __m512i (&v)[P][RX]) {
    auto at = [&](int n) { return n / 4 < P && n % 4 < RX ? v[n / 4][n % 4] : _mm512_setzero_si512(); };
    __m512i t[4];  // per 128-bit lane: [v2m (0+2), v2m+1 (0+2), v2m (1+3), v2m+1 (1+3)]
    GCC_UNROLL for (int m = 0; m < 4; m++) {
        const __m512i a = at(2 * m), b = at(2 * m + 1);
        t[m] = _mm512_add_epi32(_mm512_unpacklo_epi32(a, b), _mm512_unpackhi_epi32(a, b));
    }
    __m512i u[2];  // per 128-bit lane: the lane's sums of v4r .. v4r+3
    GCC_UNROLL for (int r = 0; r < 2; r++)
        u[r] = _mm512_add_epi32(_mm512_unpacklo_epi64(t[2 * r], t[2 * r + 1]), _mm512_unpackhi_epi64(t[2 * r], t[2 * r + 1]));
    // each row's two 128-bit lanes: [v0..3 row 0 | v0..3 row 1 | v4..7 row 0 | v4..7 row 1]
    return _mm512_add_epi32(_mm512_shuffle_i32x4(u[0], u[1], _MM_SHUFFLE(2, 0, 2, 0)),
                            _mm512_shuffle_i32x4(u[0], u[1], _MM_SHUFFLE(3, 1, 3, 1)));
}

template <bool SIX, int P, int RX>
inline void gemm_tile_k(const PairK *wt, const uint8_t *x, size_t x_row, int nb, int rows, float *Y, size_t ldy, Ahead ahead) {
    static_assert(P <= 2 && RX <= 4, "offsets_lanes holds 16 elements");
    size_t asked = 0;
    __m512 acc[P][RX];
    __m512 mins = _mm512_setzero_ps();  // Q4_K/Q5_K: element (p, j, h)'s mins term in lane 8p + 4h + j
    GCC_UNROLL for (int p = 0; p < P; p++) GCC_UNROLL for (int j = 0; j < RX; j++) acc[p][j] = _mm512_setzero_ps();
    for (int k = 0; k < nb; k++) {
        prefetch_share(ahead, k, nb, &asked);
        const PairK *wk = wt + k * P;
        __m512i sum[P][RX], terms[P][RX];
        float dx[4] = {0, 0, 0, 0};
        GCC_UNROLL for (int j = 0; j < RX; j++) {
            const uint8_t *xb = x + j * x_row + static_cast<size_t>(k) * Q8_K_BYTES;
            std::memcpy(&dx[j], xb, 4);
            const __m512i bsums = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(xb + 4 + QK_K)));
            GCC_UNROLL for (int p = 0; p < P; p++) {
                sum[p][j] = _mm512_setzero_si512();
                terms[p][j] = _mm512_madd_epi16(wk[p].coef, bsums);  // Q6_K: the scales, for its -32
            }
            GCC_UNROLL for (int c = 0; c < 8; c++) {
                const __m512i xv = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(xb + 4 + 32 * c)));
                GCC_UNROLL for (int p = 0; p < P; p++)  // the AVX2 kernel's madd(maddubs(q, x), s) + sum, in one step
                    sum[p][j] = _mm512_dpwssd_epi32(sum[p][j], _mm512_maddubs_epi16(wk[p].q[c], xv), wk[p].s[c]);
            }
        }
        GCC_UNROLL for (int j = 0; j < RX; j++) {
            const __m512 dxv = _mm512_set1_ps(dx[j]);
            GCC_UNROLL for (int p = 0; p < P; p++) {
                if constexpr (SIX) {  // the AVX2 kernel's -32 * offset in lane 0 of each element (lanes 0 and 8)
                    // (per register: offsets_lanes and a permute back to lanes 0 and 8 measured no faster)
                    const __m512i offset = half_sums(terms[p][j]);
                    const __m512i total = _mm512_mask_sub_epi32(sum[p][j], 0x0101, sum[p][j], _mm512_slli_epi32(offset, 5));
                    acc[p][j] = _mm512_fmadd_ps(_mm512_mul_ps(wk[p].d, dxv), _mm512_cvtepi32_ps(total), acc[p][j]);
                } else {
                    acc[p][j] = _mm512_fmadd_ps(_mm512_mul_ps(wk[p].d, dxv), _mm512_cvtepi32_ps(sum[p][j]), acc[p][j]);
                }
            }
        }
        if constexpr (!SIX) {
            // The AVX2 kernel's scalar mins term, mins += d_min * d_x * summ (compiled as one FMA of the rounded
            // product), lane by lane in the same steps: 16 elements at once.
            __m512 dmin = _mm512_mask_blend_ps(0x00F0, _mm512_set1_ps(wk[0].dmin[0]), _mm512_set1_ps(wk[0].dmin[1]));
            if constexpr (P > 1)
                dmin = _mm512_mask_blend_ps(0xF000, _mm512_mask_blend_ps(0x0F00, dmin, _mm512_set1_ps(wk[1].dmin[0])),
                                            _mm512_set1_ps(wk[1].dmin[1]));
            const __m512 dxs = _mm512_broadcast_f32x4(_mm_loadu_ps(dx));
            mins = _mm512_fmadd_ps(_mm512_mul_ps(dmin, dxs), _mm512_cvtepi32_ps(offsets_lanes<P, RX>(terms)), mins);
        }
    }
    alignas(64) float m[16];
    _mm512_store_ps(m, mins);
    GCC_UNROLL for (int p = 0; p < P; p++) GCC_UNROLL for (int j = 0; j < RX; j++) {
        Y[j * ldy + 2 * p] = SIX ? hsum_low(acc[p][j]) : hsum_low(acc[p][j]) - m[8 * p + j];
        if (2 * p + 1 < rows) Y[j * ldy + 2 * p + 1] = SIX ? hsum_high(acc[p][j]) : hsum_high(acc[p][j]) - m[8 * p + 4 + j];
    }
}

constexpr int kPairsK = 2, kRxK = 4;

template <uint32_t T, int P>
inline void gemm_rows_k(const uint8_t *W, size_t w_row, int rows, const uint8_t *X, size_t x_row, int batch, int nb, PairK *tile,
                        float *Y, size_t ldy, const uint8_t *next, const uint8_t *end) {
    for (int i = 0; i < 2 * P; i++)  // row by row: one ascending stream
        for (int k = 0; k < nb; k++)
            decode_k_half<T>(i < rows ? W + i * w_row + static_cast<size_t>(k) * kKBytes<T> : nullptr, &tile[k * P + i / 2], i & 1);
    constexpr bool six = T == GGML_Q6_K;
    const int calls = (batch + kRxK - 1) / kRxK;
    const size_t tile_bytes = static_cast<size_t>(rows) * w_row;
    int b = 0;
    for (; b + kRxK <= batch; b += kRxK)
        gemm_tile_k<six, P, kRxK>(tile, X + b * x_row, x_row, nb, rows, Y + b * ldy, ldy, ahead_part(next, tile_bytes, end, calls, b / kRxK));
    const uint8_t *xr = X + b * x_row;
    float *yr = Y + b * ldy;
    const Ahead a = ahead_part(next, tile_bytes, end, calls, calls - 1);
    switch (batch - b) {
        case 3: gemm_tile_k<six, P, 3>(tile, xr, x_row, nb, rows, yr, ldy, a); break;
        case 2: gemm_tile_k<six, P, 2>(tile, xr, x_row, nb, rows, yr, ldy, a); break;
        case 1: gemm_tile_k<six, P, 1>(tile, xr, x_row, nb, rows, yr, ldy, a); break;
        default: break;
    }
}

template <uint32_t T> void gemm_k(const uint8_t *W, size_t w_row, const uint8_t *X, size_t x_row, float *Y, int batch, int in,
                                  int o_begin, int o_end, int ldy) {
    const int nb = in / QK_K;
    thread_local std::vector<PairK> tile;
    if (tile.size() < static_cast<size_t>(nb) * kPairsK) tile.resize(static_cast<size_t>(nb) * kPairsK);
    const uint8_t *end = W + o_end * w_row;
    int o = o_begin;
    constexpr int kRows = 2 * kPairsK;
    for (; o + kRows <= o_end; o += kRows) {
        const uint8_t *later = o + kAheadTiles * kRows < o_end ? W + (o + kAheadTiles * kRows) * w_row : end;
        gemm_rows_k<T, kPairsK>(W + o * w_row, w_row, kRows, X, x_row, batch, nb, tile.data(), Y + o, ldy, later, end);
    }
    for (; o < o_end; o += 2)
        gemm_rows_k<T, 1>(W + o * w_row, w_row, o_end - o < 2 ? 1 : 2, X, x_row, batch, nb, tile.data(), Y + o, ldy, end, end);
}

}  // namespace

// quantize_q8_K (quant.h) 16 lanes at a time: the same bytes. The value of largest magnitude is the first one with the
// largest |x| (as the scalar loop's strict comparison keeps it); a block with a NaN or an infinity goes to the scalar
// quantizer.
void quantize_q8_K(const float *x, uint8_t *out, int n) {
    for (int b = 0; b < n / QK_K; b++, x += QK_K, out += Q8_K_BYTES) {
        __m512 v[16], amax16 = _mm512_setzero_ps();
        __mmask16 unordered = 0;
        for (int i = 0; i < 16; i++) {
            v[i] = _mm512_loadu_ps(x + 16 * i);
            unordered |= _mm512_cmp_ps_mask(v[i], v[i], _CMP_UNORD_Q);
            amax16 = _mm512_max_ps(_mm512_abs_ps(v[i]), amax16);
        }
        const float amax = _mm512_reduce_max_ps(amax16);
        if (unordered != 0 || !(amax <= 3.402823466e38f)) {
            cloister::quantize_q8_K(x, out, QK_K);
            continue;
        }
        if (amax == 0) {
            std::memset(out, 0, Q8_K_BYTES);
            continue;
        }
        float max = 0;
        const __m512 target = _mm512_set1_ps(amax);
        for (int i = 0; i < 16; i++) {
            const __mmask16 at = _mm512_cmp_ps_mask(_mm512_abs_ps(v[i]), target, _CMP_EQ_OQ);
            if (at != 0) {
                max = x[16 * i + __builtin_ctz(at)];
                break;
            }
        }
        const float iscale = -127.0f / max, d = 1.0f / iscale;
        const __m512 is = _mm512_set1_ps(iscale);
        int16_t bsums[16];
        for (int i = 0; i < 16; i++) {  // rounded to nearest even (the default rounding mode, as std::nearbyint)
            const __m512i q = _mm512_min_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(is, v[i])), _mm512_set1_epi32(127));
            const __m128i bytes = _mm512_cvtepi32_epi8(q);  // INT_MIN (a NaN's lane) becomes 0, as the scalar cast
            _mm_storeu_si128(reinterpret_cast<__m128i *>(out + 4 + 16 * i), bytes);
            // Summed from the stored bytes, as the scalar quantizer sums them (no int overflow from INT_MIN lanes).
            bsums[i] = static_cast<int16_t>(_mm512_reduce_add_epi32(_mm512_cvtepi8_epi32(bytes)));
        }
        std::memcpy(out, &d, 4);
        std::memcpy(out + 4 + QK_K, bsums, sizeof bsums);
    }
}

float dot_q4_0(const uint8_t *w, const uint8_t *x, int n) { return dot_q32<GGML_Q4_0>(w, x, n); }
float dot_q5_0(const uint8_t *w, const uint8_t *x, int n) { return dot_q32<GGML_Q5_0>(w, x, n); }
float dot_q4_k(const uint8_t *w, const uint8_t *x, int n) { return dot_k_affine<false>(w, x, n); }
float dot_q5_k(const uint8_t *w, const uint8_t *x, int n) { return dot_k_affine<true>(w, x, n); }
float dot_q6_k(const uint8_t *w, const uint8_t *x, int n) { return dot_q6_k_row(w, x, n); }

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

}  // namespace cloister::cpu::avx512
