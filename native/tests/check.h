// A minimal test harness for the ctest executables: CHECK records a failure and goes on; main returns the count.
#pragma once

#include <cstdio>
#include <cstdlib>

static int g_failures = 0;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            g_failures++;                                                             \
        }                                                                             \
    } while (0)

#define CHECK_MSG(cond, ...)                                                          \
    do {                                                                              \
        if (!(cond)) {                                                                \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
            std::fprintf(stderr, __VA_ARGS__);                                        \
            std::fprintf(stderr, "\n");                                               \
            g_failures++;                                                             \
        }                                                                             \
    } while (0)

static int finish(const char *name) {
    if (g_failures == 0) std::printf("%s: all checks passed\n", name);
    else std::fprintf(stderr, "%s: %d checks failed\n", name, g_failures);
    return g_failures == 0 ? 0 : 1;
}

// Deterministic pseudo-random floats in [-1, 1) (xorshift), so failures reproduce.
struct Rng {
    unsigned long long s;
    explicit Rng(unsigned long long seed) : s(seed * 2654435761ull + 1) {}
    unsigned long long next() { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s; }
    float uniform() { return static_cast<float>((next() >> 40) * (1.0 / 16777216.0)) * 2.0f - 1.0f; }
};
