// GGML tensor types: their block layouts, element decoding (shared by the CPU backend, its tests and the CUDA kernels,
// so the decoding the GPU does is tested on the CPU), quantizers for weights (tools) and activations (the CPU products).
//
// Layouts (ggml-common.h's block_*; sizes in bytes, all little-endian, fp16 scales):
//   Q8_0 (32 values, 34 B):  d, int8 q[32]                               x = d * q
//   Q4_0 (32 values, 18 B):  d, uint8 q[16] (value j: low nibble of q[j], value j+16: high nibble)   x = d * (nib - 8)
//   Q5_0 (32 values, 22 B):  d, uint32 qh, uint8 q[16]: as Q4_0 plus bit j of qh as 16     x = d * (q5 - 16)
//   Q5_1 (32 values, 24 B):  d, m, uint32 qh, uint8 q[16]: the same 5-bit values            x = d * q5 + m
//   Q4_K (256 values, 144 B): d, dmin, scales[12] (eight 6-bit scales and mins), uint8 q[128]
//        64-value chunk c: values 0..31 are the low nibbles of q[32c..32c+32), 32..63 the high nibbles;
//        sub-block s = value / 32: x = d * scale[s] * nib - dmin * min[s]
//   Q5_K (256 values, 176 B): d, dmin, scales[12], qh[32], q[128]: as Q4_K, plus bit (2c or 2c+1) of qh[l] as 16
//   Q6_K (256 values, 210 B): ql[128], qh[64], int8 scales[16], d; x = d * scale[v / 16] * (q6 - 32)
//   Q8_1 (activations only, 36 B): d, s = d * sum(q) (both fp16), int8 q[32]
//   Q8_K (activations only, 292 B): float d, int8 q[256], int16 bsums[16] (sums of each 16 values)
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#define CI_HD __host__ __device__ __forceinline__
#else
#define CI_HD inline
#endif

namespace cloister {

// GGML type ids as written in GGUF tensor infos.
enum GgmlType : uint32_t {
    GGML_F32 = 0,
    GGML_F16 = 1,
    GGML_Q4_0 = 2,
    GGML_Q5_0 = 6,
    GGML_Q5_1 = 7,
    GGML_Q8_0 = 8,
    GGML_Q8_1 = 9,
    GGML_Q4_K = 12,
    GGML_Q5_K = 13,
    GGML_Q6_K = 14,
    GGML_Q8_K = 15,
    GGML_BF16 = 30,
};

constexpr int QK8_0 = 32, QK4_0 = 32, QK_K = 256;
constexpr size_t Q8_0_BYTES = 34, Q4_0_BYTES = 18, Q5_0_BYTES = 22, Q5_1_BYTES = 24, Q8_1_BYTES = 36, Q4_K_BYTES = 144, Q5_K_BYTES = 176, Q6_K_BYTES = 210,
                 Q8_K_BYTES = 292;

// Values per block and bytes per block of a weight type (0, 0 for a type the engine does not read).
struct TypeLayout {
    int block;
    size_t bytes;
    const char *name;
};
TypeLayout type_layout(uint32_t type);

CI_HD float fp16_to_float(uint16_t h) {
    uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else {  // subnormal: normalise
            int e = -1;
            do {
                e++;
                mant <<= 1;
            } while ((mant & 0x400) == 0);
            bits = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | mant << 13;
    } else {
        bits = sign | (exp + 127 - 15) << 23 | mant << 13;
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

CI_HD float bf16_bits_to_float(uint16_t b) {
    uint32_t bits = static_cast<uint32_t>(b) << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

CI_HD uint16_t load_u16(const uint8_t *p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
CI_HD uint32_t load_u32(const uint8_t *p) {
    return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
           static_cast<uint32_t>(p[3]) << 24;
}

// The 5-bit value j (0..31) of a Q5_0/Q5_1 block: its nibble in qs (low for j < 16, high above) and bit j of qh.
CI_HD int q5_value(const uint8_t *qs, uint32_t qh, int j) {
    return ((qs[j & 15] >> (j < 16 ? 0 : 4)) & 0xF) | static_cast<int>((qh >> j) & 1) << 4;
}

// The 6-bit scale and min of sub-block j (0..7) of a Q4_K/Q5_K block (the 12-byte packing of ggml's get_scale_min_k4).
CI_HD void k_scale_min(int j, const uint8_t *s, int *scale, int *min) {
    if (j < 4) {
        *scale = s[j] & 63;
        *min = s[j + 4] & 63;
    } else {
        *scale = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
        *min = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

// Decodes the 8 values [i, i + 8) of a row of `type` (i a multiple of 8): 8 consecutive values always share one
// block and one scale. The row starts at `row` (a whole number of blocks).
template <uint32_t T> CI_HD void decode8(const uint8_t *row, int i, float *out);

template <> CI_HD void decode8<GGML_F32>(const uint8_t *row, int i, float *out) {
    memcpy(out, row + static_cast<size_t>(i) * 4, 32);
}
template <> CI_HD void decode8<GGML_F16>(const uint8_t *row, int i, float *out) {
    for (int k = 0; k < 8; k++) out[k] = fp16_to_float(load_u16(row + static_cast<size_t>(i + k) * 2));
}
template <> CI_HD void decode8<GGML_BF16>(const uint8_t *row, int i, float *out) {
    for (int k = 0; k < 8; k++) out[k] = bf16_bits_to_float(load_u16(row + static_cast<size_t>(i + k) * 2));
}
template <> CI_HD void decode8<GGML_Q8_0>(const uint8_t *row, int i, float *out) {
    const uint8_t *b = row + static_cast<size_t>(i / QK8_0) * Q8_0_BYTES;
    const float d = fp16_to_float(load_u16(b));
    const int8_t *q = reinterpret_cast<const int8_t *>(b + 2) + i % QK8_0;
    for (int k = 0; k < 8; k++) out[k] = d * static_cast<float>(q[k]);
}
template <> CI_HD void decode8<GGML_Q4_0>(const uint8_t *row, int i, float *out) {
    const uint8_t *b = row + static_cast<size_t>(i / QK4_0) * Q4_0_BYTES;
    const float d = fp16_to_float(load_u16(b));
    const int j = i % QK4_0;
    const uint8_t *q = b + 2 + (j & 15);
    const int shift = j < 16 ? 0 : 4;
    for (int k = 0; k < 8; k++) out[k] = d * static_cast<float>(((q[k] >> shift) & 0xF) - 8);
}
template <> CI_HD void decode8<GGML_Q5_0>(const uint8_t *row, int i, float *out) {
    const uint8_t *b = row + static_cast<size_t>(i / QK4_0) * Q5_0_BYTES;
    const float d = fp16_to_float(load_u16(b));
    const uint32_t qh = load_u32(b + 2);
    const int j = i % QK4_0;
    for (int k = 0; k < 8; k++) out[k] = d * static_cast<float>(q5_value(b + 6, qh, j + k) - 16);
}
template <> CI_HD void decode8<GGML_Q5_1>(const uint8_t *row, int i, float *out) {
    const uint8_t *b = row + static_cast<size_t>(i / QK4_0) * Q5_1_BYTES;
    const float d = fp16_to_float(load_u16(b)), m = fp16_to_float(load_u16(b + 2));
    const uint32_t qh = load_u32(b + 4);
    const int j = i % QK4_0;
    for (int k = 0; k < 8; k++) out[k] = d * static_cast<float>(q5_value(b + 8, qh, j + k)) + m;
}
template <> CI_HD void decode8<GGML_Q4_K>(const uint8_t *row, int i, float *out) {
    const uint8_t *b = row + static_cast<size_t>(i / QK_K) * Q4_K_BYTES;
    const int j = i % QK_K, sub = j / 32, l = j % 32, chunk = j / 64;
    int sc, m;
    k_scale_min(sub, b + 4, &sc, &m);
    const float d = fp16_to_float(load_u16(b)) * sc, dm = fp16_to_float(load_u16(b + 2)) * m;
    const uint8_t *q = b + 16 + chunk * 32 + l;
    const int shift = (sub & 1) ? 4 : 0;
    for (int k = 0; k < 8; k++) out[k] = d * static_cast<float>((q[k] >> shift) & 0xF) - dm;
}
template <> CI_HD void decode8<GGML_Q5_K>(const uint8_t *row, int i, float *out) {
    const uint8_t *b = row + static_cast<size_t>(i / QK_K) * Q5_K_BYTES;
    const int j = i % QK_K, sub = j / 32, l = j % 32, chunk = j / 64;
    int sc, m;
    k_scale_min(sub, b + 4, &sc, &m);
    const float d = fp16_to_float(load_u16(b)) * sc, dm = fp16_to_float(load_u16(b + 2)) * m;
    const uint8_t *qh = b + 16 + l, *q = b + 48 + chunk * 32 + l;
    const int shift = (sub & 1) ? 4 : 0;
    for (int k = 0; k < 8; k++) {
        const int v = ((q[k] >> shift) & 0xF) | (((qh[k] >> sub) & 1) << 4);
        out[k] = d * static_cast<float>(v) - dm;
    }
}
template <> CI_HD void decode8<GGML_Q6_K>(const uint8_t *row, int i, float *out) {
    const uint8_t *b = row + static_cast<size_t>(i / QK_K) * Q6_K_BYTES;
    const int j = i % QK_K, half = j / 128, r = j % 128, quarter = r / 32, l = r % 32;
    const uint8_t *ql = b + half * 64 + (quarter & 1) * 32 + l, *qh = b + 128 + half * 32 + l;
    const int8_t scale = static_cast<int8_t>(b[192 + half * 8 + l / 16 + 2 * quarter]);
    const float d = fp16_to_float(load_u16(b + 208)) * scale;
    const int nshift = quarter < 2 ? 0 : 4, hshift = 2 * quarter;
    for (int k = 0; k < 8; k++) {
        const int v = ((ql[k] >> nshift) & 0xF) | (((qh[k] >> hshift) & 3) << 4);
        out[k] = d * static_cast<float>(v - 32);
    }
}

// Row [0, n) of any readable type to fp32 (n a multiple of the type's block). Returns false for an unknown type.
bool dequantize_row(uint32_t type, const uint8_t *row, float *out, int n);

// Weight quantizers (for the tools that write test models; any valid quantization is enough for them, these
// minimise the error of each block's scale in a simple way). n is a multiple of the block; out has the type's bytes.
void quantize_row(uint32_t type, const float *x, uint8_t *out, int n);

// Activation quantizers, as llama.cpp quantizes the other operand of a product:
// q8_0: per 32 values d = max|x| / 127 (stored as fp16), q = round(x / d);
// q8_1: q8_0 plus s = d * sum(q) (fp16), for the products with Q5_1 (whose offset m multiplies the sum of x);
// q8_K: per 256 values, the value of largest magnitude maps to -127 or 127 (d = max / -127 as float), bsums of 16.
void quantize_q8_0(const float *x, uint8_t *out, int n);
void quantize_q8_1(const float *x, uint8_t *out, int n);
void quantize_q8_K(const float *x, uint8_t *out, int n);

uint16_t float_to_fp16(float f);
uint16_t float_to_bf16(float f);

}  // namespace cloister
