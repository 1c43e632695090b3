// Model files: llama2.c checkpoints (memory-mapped fp32) and GGUF (Llama family) into one fp32 weight view.
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

struct ModelConfig {
    int dim = 0;         // model width
    int hidden_dim = 0;  // SwiGLU width
    int layers = 0;
    int heads = 0;       // query heads
    int kv_heads = 0;    // key/value heads (grouped-query attention when fewer than heads)
    int vocab_size = 0;
    int seq_len = 0;     // longest context
    float norm_eps = 1e-5f;
    float rope_theta = 10000.0f;

    int head_size() const { return dim / heads; }
    int kv_dim() const { return kv_heads * head_size(); }
};

// Read-only fp32 weights, row-major [out][in] for every matrix (the llama2.c layout).
struct Weights {
    const float *token_embedding = nullptr;  // [vocab][dim]
    struct Layer {
        const float *rms_att = nullptr;  // [dim]
        const float *wq = nullptr;       // [dim][dim]
        const float *wk = nullptr;       // [kv_dim][dim]
        const float *wv = nullptr;       // [kv_dim][dim]
        const float *wo = nullptr;       // [dim][dim]
        const float *rms_ffn = nullptr;  // [dim]
        const float *w1 = nullptr;       // [hidden][dim] (gate)
        const float *w2 = nullptr;       // [dim][hidden] (down)
        const float *w3 = nullptr;       // [hidden][dim] (up)
    };
    std::vector<Layer> layer;
    const float *rms_final = nullptr;  // [dim]
    const float *classifier = nullptr; // [vocab][dim]
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
    // Bytes of weights mapped from the file (not copied) and bytes converted into owned buffers.
    size_t mapped_bytes() const { return mapped_bytes_; }
    size_t owned_bytes() const;

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

}  // namespace cloister
