// A compute backend: runs rows (token, sequence, position) through the model, keeping K/V in paged blocks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kv_cache.h"
#include "model.h"

namespace cloister {

// One token of one sequence at one position.
struct Row {
    int seq;
    int token;
    int pos;
};

struct BackendOptions {
    int threads = 0;         // CPU threads (0: OpenMP's default)
    int max_rows = 0;        // most rows one forward call gets
    int weight_type = 0;     // CI_WEIGHTS_* (CUDA)
};

class Backend {
public:
    virtual ~Backend() = default;
    virtual int kind() const = 0;  // CI_BACKEND_CPU or CI_BACKEND_CUDA
    virtual const std::string &name() const = 0;
    // Runs rows[0..n) (the caller reserved their KV blocks; rows of one sequence come in position order) and writes
    // logits for rows logit_rows[0..n_logits) to logits[j * vocab ..). Throws Error on a backend failure.
    virtual void forward(const Row *rows, int n, const int *logit_rows, int n_logits, float *logits) = 0;
    // Overwrites the given KV blocks with zeros.
    virtual void zero_blocks(const std::vector<int32_t> &blocks) = 0;
    // Zeroes every activation and staging buffer (they hold the last batch's rows, derived from user data).
    virtual void wipe_scratch() = 0;
    // Copies one KV block (layers * 2 * block_tokens * kv_dim floats) to host memory.
    virtual void read_block(int block, float *out) = 0;
};

std::unique_ptr<Backend> make_cpu_backend(const Model &model, const BlockTable &table, const BackendOptions &options);

// The CUDA backend, or nullptr with the reason in *why_not when it is not built or no device is usable.
std::unique_ptr<Backend> make_cuda_backend(const Model &model, const BlockTable &table, const BackendOptions &options,
                                           std::string *why_not);
bool cuda_backend_built();

}  // namespace cloister
