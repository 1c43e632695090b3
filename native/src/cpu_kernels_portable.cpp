#include <cstdlib>
#include <cstring>

#include "cpu_kernels.h"

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

bool has_avx2_fma() {
#if defined(__x86_64__) || defined(__i386__)
    static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return yes;
#else
    return false;
#endif
}

MatmulFn select_matmul(const char **name) {
    const char *forced = std::getenv("CLOISTER_CPU_KERNEL");
    bool portable = forced != nullptr && std::strcmp(forced, "portable") == 0;
#if defined(CLOISTER_HAVE_AVX2_KERNELS)
    if (!portable && has_avx2_fma()) {
        if (name != nullptr) *name = "avx2";
        return matmul_avx2;
    }
#endif
    (void)portable;
    if (name != nullptr) *name = "portable";
    return matmul_portable;
}

}  // namespace cloister::cpu
