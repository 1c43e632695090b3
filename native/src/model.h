// Model files: llama2.c checkpoints (memory-mapped fp32) and GGUF (llama, qwen2, qwen3; F32, F16, BF16, Q8_0, Q4_0,
// Q4_K, Q5_K, Q6_K tensors, memory-mapped as they are) into one weight view.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace cloister {

// A refused model file or argument; the message names the check and numbers only.
struct Error : std::runtime_error {
    int code;
    Error(int c, const std::string &m) : std::runtime_error(m), code(c) {}
};

// The architectures the engine runs (GGUF general.architecture); llama2.c checkpoints are Llama.
enum class Architecture { Llama, Qwen2, Qwen3 };
const char *architecture_name(Architecture a);

struct ModelConfig {
    Architecture arch = Architecture::Llama;
    int dim = 0;         // model width
    int hidden_dim = 0;  // SwiGLU width
    int layers = 0;
    int heads = 0;       // query heads
    int kv_heads = 0;    // key/value heads (grouped-query attention when fewer than heads)
    int head_dim = 0;    // values per head (GGUF <arch>.attention.key_length; dim / heads when absent)
    int vocab_size = 0;
    int seq_len = 0;     // longest context
    float norm_eps = 1e-5f;
    float rope_theta = 10000.0f;
    float rope_freq_scale = 1.0f;  // linear RoPE scaling: 1 / rope.scaling.factor
    bool rope_neox = false;        // rotate (j, j + head_dim / 2) instead of adjacent pairs (2j, 2j + 1)

    int head_size() const { return head_dim; }
    int q_dim() const { return heads * head_dim; }
    int kv_dim() const { return kv_heads * head_dim; }
};

// A weight matrix [rows][cols] in a GGML type, row-major, each row a whole number of blocks; mapped from the file.
struct Tensor {
    const uint8_t *data = nullptr;
    uint32_t type = 0;  // GgmlType
    int64_t rows = 0, cols = 0;
    size_t row_bytes = 0;

    const uint8_t *row(int64_t r) const { return data + static_cast<size_t>(r) * row_bytes; }
    size_t bytes() const { return static_cast<size_t>(rows) * row_bytes; }
};

// Read-only weights: matrices as mapped tensors (quantized ones stay quantized), vectors in fp32.
struct Weights {
    Tensor token_embedding;  // [vocab][dim], rows decoded on lookup
    struct Layer {
        const float *rms_att = nullptr;  // [dim]
        Tensor wq;                       // [q_dim][dim]
        Tensor wk;                       // [kv_dim][dim]
        Tensor wv;                       // [kv_dim][dim]
        Tensor wo;                       // [dim][q_dim]
        const float *bq = nullptr;       // [q_dim] (qwen2; optional for llama), else nullptr
        const float *bk = nullptr;       // [kv_dim]
        const float *bv = nullptr;       // [kv_dim]
        const float *q_norm = nullptr;   // [head_dim] per-head RMSNorm of q (qwen3), else nullptr
        const float *k_norm = nullptr;   // [head_dim] per-head RMSNorm of k (qwen3)
        const float *rms_ffn = nullptr;  // [dim]
        Tensor w1;                       // [hidden][dim] (gate)
        Tensor w2;                       // [dim][hidden] (down)
        Tensor w3;                       // [hidden][dim] (up)
    };
    std::vector<Layer> layer;
    const float *rms_final = nullptr;  // [dim]
    Tensor classifier;                 // [vocab][dim] (the embedding when tied)
    const float *rope_freq_factors = nullptr;  // [head_dim / 2] (llama rope_freqs.weight: Llama 3.1+), else nullptr
};

// A loaded model: its configuration, its weights and the memory that holds them (a mapping, owned buffers or both).
class Model {
public:
    static std::unique_ptr<Model> open(const std::string &path);
    ~Model();
    Model(const Model &) = delete;
    Model &operator=(const Model &) = delete;

    const ModelConfig &config() const { return config_; }
    const Weights &weights() const { return weights_; }
    // Bytes of weights mapped from the file (not copied) and bytes converted into owned buffers (small vectors only).
    size_t mapped_bytes() const { return mapped_bytes_; }
    size_t owned_bytes() const;
    // The RoPE inverse frequency of each rotated pair of a head: freq_scale * theta^(-2j / head_dim) / factor[j].
    std::vector<float> rope_inv_freq() const;

private:
    Model() = default;
    void load_llama2c();
    void load_gguf();
    float *own(size_t count);

    ModelConfig config_;
    Weights weights_;
    void *map_ = nullptr;
    size_t map_size_ = 0;
    size_t mapped_bytes_ = 0;
    std::vector<std::unique_ptr<float[]>> owned_;
    std::vector<size_t> owned_sizes_;
};

// Checks a configuration for sane, bounded values (the limits keep every size computation within 64-bit range).
void validate_config(const ModelConfig &c);

// IEEE half and bfloat16 to float.
float half_to_float(uint16_t h);
float bf16_to_float(uint16_t b);

// A tensor view over fp32 values [rows][cols] (llama2.c checkpoints, tests).
Tensor f32_tensor(const float *data, int64_t rows, int64_t cols);

}  // namespace cloister
