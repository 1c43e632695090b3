// CPU matrix kernels. Every output element is computed with the same sequence of operations whatever the batch
// size or tile it falls in, so a sequence's logits do not depend on which other sequences share its batch.
#pragma once

namespace cloister::cpu {

// Y[b * ldy + o] = sum_i W[o * in + i] * X[b * in + i] for b in [0, batch), o in [o_begin, o_end).
using MatmulFn = void (*)(const float *W, const float *X, float *Y, int batch, int in, int o_begin, int o_end, int ldy);

void matmul_portable(const float *W, const float *X, float *Y, int batch, int in, int o_begin, int o_end, int ldy);
void matmul_avx2(const float *W, const float *X, float *Y, int batch, int in, int o_begin, int o_end, int ldy);

// Whether this CPU runs the AVX2+FMA kernels (checked once at run time).
bool has_avx2_fma();

// The fastest kernel this CPU runs; CLOISTER_CPU_KERNEL=portable in the environment forces the fallback.
MatmulFn select_matmul(const char **name);

}  // namespace cloister::cpu
