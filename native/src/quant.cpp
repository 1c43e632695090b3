#include "quant.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace cloister {

TypeLayout type_layout(uint32_t type) {
    switch (type) {
        case GGML_F32: return {1, 4, "F32"};
        case GGML_F16: return {1, 2, "F16"};
        case GGML_BF16: return {1, 2, "BF16"};
        case GGML_Q8_0: return {QK8_0, Q8_0_BYTES, "Q8_0"};
        case GGML_Q4_0: return {QK4_0, Q4_0_BYTES, "Q4_0"};
        case GGML_Q5_0: return {QK4_0, Q5_0_BYTES, "Q5_0"};
        case GGML_Q5_1: return {QK4_0, Q5_1_BYTES, "Q5_1"};
        case GGML_Q4_K: return {QK_K, Q4_K_BYTES, "Q4_K"};
        case GGML_Q5_K: return {QK_K, Q5_K_BYTES, "Q5_K"};
        case GGML_Q6_K: return {QK_K, Q6_K_BYTES, "Q6_K"};
        default: return {0, 0, nullptr};
    }
}

uint16_t float_to_fp16(float f) {
    uint32_t x;
    std::memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000u;
    int32_t exp = static_cast<int32_t>((x >> 23) & 0xff) - 127 + 15;
    uint32_t mant = x & 0x7fffffu;
    if (((x >> 23) & 0xff) == 0xff) return static_cast<uint16_t>(sign | 0x7c00u | (mant ? 0x200u : 0));
    if (exp >= 31) return static_cast<uint16_t>(sign | 0x7c00u);
    if (exp <= 0) {
        if (exp < -10) return static_cast<uint16_t>(sign);
        mant |= 0x800000u;
        uint32_t shift = static_cast<uint32_t>(14 - exp);
        uint32_t h = mant >> shift, rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (h & 1))) h++;
        return static_cast<uint16_t>(sign | h);
    }
    uint32_t h = static_cast<uint32_t>(exp) << 10 | mant >> 13, rem = mant & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1))) h++;  // round to nearest even (may carry into the exponent)
    return static_cast<uint16_t>(sign | h);
}

uint16_t float_to_bf16(float f) {
    uint32_t x;
    std::memcpy(&x, &f, 4);
    if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40);  // quiet NaN
    x += 0x7fffu + ((x >> 16) & 1);
    return static_cast<uint16_t>(x >> 16);
}

namespace {

void store_u16(uint8_t *p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v);
    p[1] = static_cast<uint8_t>(v >> 8);
}

// fp16 round trip: the scale the decoder will see.
float as_fp16(float f) { return fp16_to_float(float_to_fp16(f)); }

int nearest(float x) { return static_cast<int>(std::lround(x)); }
// Round half to even, as llama.cpp's activation quantizers do (_mm256_round_ps for q8_0/q8_1, the 1.5 * 2^23 trick of
// nearest_int for q8_K); std::nearbyint under the default rounding mode.
// Rounded to nearest even. NaN and values outside int's range give INT_MIN — what x86's conversion gives, and so the
// SIMD quantizers — instead of the undefined behaviour of casting them (a block with an infinity, or so small that
// its scale overflows, reaches here).
int nearest_even(float x) {
    const float r = std::nearbyint(x);
    return r >= -2147483648.0f && r < 2147483648.0f ? static_cast<int>(r) : std::numeric_limits<int>::min();
}

template <uint32_t T> void dequantize(const uint8_t *row, float *out, int n) {
    for (int i = 0; i < n; i += 8) decode8<T>(row, i, out + i);
}

void quantize_q4_0(const float *x, uint8_t *out, int n) {
    for (int b = 0; b < n / QK4_0; b++, x += QK4_0, out += Q4_0_BYTES) {
        float max = 0, amax = 0;  // the value of largest magnitude, with its sign, maps to -8
        for (int j = 0; j < QK4_0; j++)
            if (std::fabs(x[j]) > amax) {
                amax = std::fabs(x[j]);
                max = x[j];
            }
        const float d = as_fp16(max / -8.0f), id = d != 0 ? 1.0f / d : 0.0f;
        store_u16(out, float_to_fp16(d));
        for (int j = 0; j < 16; j++) {
            int lo = std::clamp(nearest(x[j] * id) + 8, 0, 15), hi = std::clamp(nearest(x[j + 16] * id) + 8, 0, 15);
            out[2 + j] = static_cast<uint8_t>(lo | hi << 4);
        }
    }
}

// Q5_0 (symmetric: the value of largest magnitude maps to -16) and Q5_1 (affine: min .. max over 0..31), as
// llama.cpp's reference quantizers do.
void quantize_q5(const float *x, uint8_t *out, int n, bool affine) {
    const size_t bytes = affine ? Q5_1_BYTES : Q5_0_BYTES;
    for (int b = 0; b < n / QK4_0; b++, x += QK4_0, out += bytes) {
        float d, m = 0;
        if (affine) {
            float lo = x[0], hi = x[0];
            for (int j = 1; j < QK4_0; j++) {
                lo = std::min(lo, x[j]);
                hi = std::max(hi, x[j]);
            }
            d = as_fp16((hi - lo) / 31);
            m = as_fp16(lo);
        } else {
            float max = 0, amax = 0;
            for (int j = 0; j < QK4_0; j++)
                if (std::fabs(x[j]) > amax) {
                    amax = std::fabs(x[j]);
                    max = x[j];
                }
            d = as_fp16(max / -16.0f);
        }
        const float id = d != 0 ? 1.0f / d : 0.0f;
        std::memset(out, 0, bytes);
        store_u16(out, float_to_fp16(d));
        if (affine) store_u16(out + 2, float_to_fp16(m));
        uint8_t *qs = out + (affine ? 8 : 6);
        uint32_t qh = 0;
        for (int j = 0; j < QK4_0; j++) {
            const int q = affine ? std::clamp(nearest((x[j] - m) * id), 0, 31) : std::clamp(nearest(x[j] * id) + 16, 0, 31);
            qs[j & 15] |= static_cast<uint8_t>((q & 0xF) << (j < 16 ? 0 : 4));
            qh |= static_cast<uint32_t>(q >> 4) << j;
        }
        for (int k = 0; k < 4; k++) out[(affine ? 4 : 2) + k] = static_cast<uint8_t>(qh >> (8 * k));
    }
}

// Q4_K and Q5_K: per sub-block of 32 an affine map x = d * sc * q - dmin * m with q in [0, levels].
void quantize_k_affine(const float *x, uint8_t *out, int n, int levels, bool five) {
    const size_t bytes = five ? Q5_K_BYTES : Q4_K_BYTES;
    for (int b = 0; b < n / QK_K; b++, x += QK_K, out += bytes) {
        float scale[8], min[8], max_scale = 0, max_min = 0;
        for (int s = 0; s < 8; s++) {
            float lo = 0, hi = 0;
            for (int j = 0; j < 32; j++) {
                lo = std::min(lo, x[s * 32 + j]);
                hi = std::max(hi, x[s * 32 + j]);
            }
            scale[s] = (hi - lo) / levels;
            min[s] = -lo;
            max_scale = std::max(max_scale, scale[s]);
            max_min = std::max(max_min, min[s]);
        }
        const float d = as_fp16(max_scale / 63), dmin = as_fp16(max_min / 63);
        int sc[8], m[8];
        for (int s = 0; s < 8; s++) {
            sc[s] = d > 0 ? std::clamp(nearest(scale[s] / d), 0, 63) : 0;
            m[s] = dmin > 0 ? std::clamp(nearest(min[s] / dmin), 0, 63) : 0;
        }
        std::memset(out, 0, bytes);
        store_u16(out, float_to_fp16(d));
        store_u16(out + 2, float_to_fp16(dmin));
        uint8_t *s12 = out + 4;
        for (int j = 0; j < 8; j++) {
            if (j < 4) {
                s12[j] |= static_cast<uint8_t>(sc[j]);
                s12[j + 4] |= static_cast<uint8_t>(m[j]);
            } else {
                s12[j + 4] = static_cast<uint8_t>((sc[j] & 0xF) | (m[j] & 0xF) << 4);
                s12[j - 4] |= static_cast<uint8_t>((sc[j] >> 4) << 6);
                s12[j] |= static_cast<uint8_t>((m[j] >> 4) << 6);
            }
        }
        uint8_t *qh = out + 16, *qs = out + (five ? 48 : 16);
        for (int j = 0; j < QK_K; j++) {
            const int s = j / 32, l = j % 32, chunk = j / 64;
            const float step = d * sc[s];
            const int q = step > 0 ? std::clamp(nearest((x[j] + dmin * m[s]) / step), 0, levels) : 0;
            qs[chunk * 32 + l] |= static_cast<uint8_t>((q & 0xF) << ((s & 1) ? 4 : 0));
            if (five) qh[l] |= static_cast<uint8_t>(((q >> 4) & 1) << s);
        }
    }
}

void quantize_q6_k(const float *x, uint8_t *out, int n) {
    for (int b = 0; b < n / QK_K; b++, x += QK_K, out += Q6_K_BYTES) {
        float scale[16], max_abs_scale = 0;
        for (int g = 0; g < 16; g++) {
            float max = 0, amax = 0;
            for (int j = 0; j < 16; j++)
                if (std::fabs(x[g * 16 + j]) > amax) {
                    amax = std::fabs(x[g * 16 + j]);
                    max = x[g * 16 + j];
                }
            scale[g] = max / -32.0f;
            max_abs_scale = std::max(max_abs_scale, std::fabs(scale[g]));
        }
        const float d = as_fp16(max_abs_scale / 127);
        std::memset(out, 0, Q6_K_BYTES);
        int8_t sc[16];
        for (int g = 0; g < 16; g++) {
            sc[g] = static_cast<int8_t>(d > 0 ? std::clamp(nearest(scale[g] / d), -127, 127) : 0);
            out[192 + g] = static_cast<uint8_t>(sc[g]);
        }
        store_u16(out + 208, float_to_fp16(d));
        for (int j = 0; j < QK_K; j++) {
            const int half = j / 128, r = j % 128, quarter = r / 32, l = r % 32;
            const int group = half * 8 + l / 16 + 2 * quarter;  // the scale decode8 reads for value j
            const float step = d * sc[group];
            const int q = (step != 0 ? std::clamp(nearest(x[j] / step), -32, 31) : 0) + 32;
            out[half * 64 + (quarter & 1) * 32 + l] |= static_cast<uint8_t>((q & 0xF) << (quarter < 2 ? 0 : 4));
            out[128 + half * 32 + l] |= static_cast<uint8_t>((q >> 4) << (2 * quarter));
        }
    }
}

}  // namespace

bool dequantize_row(uint32_t type, const uint8_t *row, float *out, int n) {
    switch (type) {
        case GGML_F32: std::memcpy(out, row, static_cast<size_t>(n) * 4); return true;
        case GGML_F16: for (int i = 0; i < n; i++) out[i] = fp16_to_float(load_u16(row + 2 * i)); return true;
        case GGML_BF16: for (int i = 0; i < n; i++) out[i] = bf16_bits_to_float(load_u16(row + 2 * i)); return true;
        case GGML_Q8_0: dequantize<GGML_Q8_0>(row, out, n); return true;
        case GGML_Q4_0: dequantize<GGML_Q4_0>(row, out, n); return true;
        case GGML_Q5_0: dequantize<GGML_Q5_0>(row, out, n); return true;
        case GGML_Q5_1: dequantize<GGML_Q5_1>(row, out, n); return true;
        case GGML_Q4_K: dequantize<GGML_Q4_K>(row, out, n); return true;
        case GGML_Q5_K: dequantize<GGML_Q5_K>(row, out, n); return true;
        case GGML_Q6_K: dequantize<GGML_Q6_K>(row, out, n); return true;
        default: return false;
    }
}

void quantize_row(uint32_t type, const float *x, uint8_t *out, int n) {
    switch (type) {
        case GGML_F32: std::memcpy(out, x, static_cast<size_t>(n) * 4); break;
        case GGML_F16: for (int i = 0; i < n; i++) store_u16(out + 2 * i, float_to_fp16(x[i])); break;
        case GGML_BF16: for (int i = 0; i < n; i++) store_u16(out + 2 * i, float_to_bf16(x[i])); break;
        case GGML_Q8_0: quantize_q8_0(x, out, n); break;
        case GGML_Q4_0: quantize_q4_0(x, out, n); break;
        case GGML_Q5_0: quantize_q5(x, out, n, false); break;
        case GGML_Q5_1: quantize_q5(x, out, n, true); break;
        case GGML_Q4_K: quantize_k_affine(x, out, n, 15, false); break;
        case GGML_Q5_K: quantize_k_affine(x, out, n, 31, true); break;
        case GGML_Q6_K: quantize_q6_k(x, out, n); break;
        default: break;
    }
}

void quantize_q8_0(const float *x, uint8_t *out, int n) {
    for (int b = 0; b < n / QK8_0; b++, x += QK8_0, out += Q8_0_BYTES) {
        float amax = 0;
        for (int j = 0; j < QK8_0; j++) amax = std::max(amax, std::fabs(x[j]));
        const float d = amax / 127, id = amax != 0 ? 127.0f / amax : 0.0f;
        store_u16(out, float_to_fp16(d));
        for (int j = 0; j < QK8_0; j++) out[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(nearest_even(x[j] * id)));
    }
}

void quantize_q8_1(const float *x, uint8_t *out, int n) {
    for (int b = 0; b < n / QK8_0; b++, x += QK8_0, out += Q8_1_BYTES) {
        float amax = 0;
        for (int j = 0; j < QK8_0; j++) amax = std::max(amax, std::fabs(x[j]));
        const float d = amax / 127, id = amax != 0 ? 127.0f / amax : 0.0f;
        int sum = 0;
        for (int j = 0; j < QK8_0; j++) {
            const int q = nearest_even(x[j] * id);
            out[4 + j] = static_cast<uint8_t>(static_cast<int8_t>(q));
            sum += q;
        }
        store_u16(out, float_to_fp16(d));
        store_u16(out + 2, float_to_fp16(static_cast<float>(sum) * d));
    }
}

void quantize_q8_K(const float *x, uint8_t *out, int n) {
    for (int b = 0; b < n / QK_K; b++, x += QK_K, out += Q8_K_BYTES) {
        float max = 0, amax = 0;
        for (int j = 0; j < QK_K; j++)
            if (std::fabs(x[j]) > amax) {
                amax = std::fabs(x[j]);
                max = x[j];
            }
        int8_t *q = reinterpret_cast<int8_t *>(out + 4);
        int16_t bsums[16];
        if (amax == 0) {
            std::memset(out, 0, Q8_K_BYTES);
            continue;
        }
        const float iscale = -127.0f / max, d = 1.0f / iscale;
        for (int j = 0; j < QK_K; j++) q[j] = static_cast<int8_t>(std::min(127, nearest_even(iscale * x[j])));
        for (int g = 0; g < 16; g++) {
            int s = 0;
            for (int j = 0; j < 16; j++) s += q[g * 16 + j];
            bsums[g] = static_cast<int16_t>(s);
        }
        std::memcpy(out, &d, 4);
        std::memcpy(out + 4 + QK_K, bsums, sizeof bsums);
    }
}

}  // namespace cloister
