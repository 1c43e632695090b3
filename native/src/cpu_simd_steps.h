// Steps the AVX2 and AVX-512 kernel files share: a product's elements are bit-identical between the two only while
// these are the same (the horizontal sums' order above all). Included by those two files alone, each compiled with its
// own instruction set; everything here has internal linkage (an anonymous namespace), so each file keeps its own copy
// and no copy is merged with another's by the linker (tests/check_simd_symbols.sh).
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace cloister::cpu {
namespace {

// The sum of 8 lanes in this order: v_i + v_(i+4) for i < 4, then (s_0 + s_2) + (s_1 + s_3).
inline float hsum(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    __m128 s = _mm_add_ps(lo, hi);
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// The 32 fifth bits of a Q5 block as bytes: 0x10 where bit j of qh is set, 0 elsewhere (llama.cpp's bytes_from_bits_32).
inline __m256i fifth_bits(uint32_t qh) {
    const __m256i shuffle = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0x0000000000000000);
    __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(qh)), shuffle);
    const __m256i bit = _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe);  // all bits but bit (j % 8) of byte j
    bytes = _mm256_or_si256(bytes, bit);
    bytes = _mm256_cmpeq_epi8(bytes, _mm256_set1_epi64x(-1));
    return _mm256_and_si256(bytes, _mm256_set1_epi8(0x10));
}

// The 16 six-bit scales and mins of a Q4_K/Q5_K block (12 bytes at `s`, k_scale_min's packing) as 16-bit values:
// scales of sub-blocks 0..7 in the low 8 lanes, their mins in the high 8 (llama.cpp's kmask unpacking).
inline __m256i k_scales_mins(const uint8_t *s) {
    uint32_t u[4];
    std::memcpy(u, s, 12);
    constexpr uint32_t kmask1 = 0x3f3f3f3f, kmask2 = 0x0f0f0f0f, kmask3 = 0x03030303;
    u[3] = ((u[2] >> 4) & kmask2) | (((u[1] >> 6) & kmask3) << 4);
    const uint32_t mins_low = u[1] & kmask1;
    u[1] = (u[2] & kmask2) | (((u[0] >> 6) & kmask3) << 4);
    u[2] = mins_low;
    u[0] &= kmask1;
    return _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(u)));
}

inline int hsum_i32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

}  // namespace
}  // namespace cloister::cpu
