// Writes a GGUF file with random weights of a given architecture, shape and tensor type, and a small SentencePiece-style
// vocabulary (<unk>, <s>, </s>, the 256 byte tokens, then filler pieces), so that the native tests and the llama.cpp
// parity script (native/reference) cover every architecture and type without a downloaded model.
//
//   make-random-gguf OUT.gguf --arch llama3|qwen2|qwen3 --type f32|f16|bf16|q8_0|q4_0|q4_k|q5_k|q6_k|q4_k_m
//                    [--shape tiny|smollm2-135m|llama3.2-1b|DIM,HIDDEN,LAYERS,HEADS,KV_HEADS,HEAD_DIM,VOCAB,CONTEXT]
//                    [--seed N] [--tied] [--meta KEY=STRING]...
//
// --meta adds a string metadata entry (for tests of refused files, e.g. llama.rope.scaling.type=llama3).
// llama3: rope.freq_base 500000 and the rope_freqs.weight tensor that convert_hf_to_gguf.py computes for
// rope_scaling.rope_type = llama3 (factor 32, low 1, high 4, original context 8192, as Llama 3.2); untied output
// unless --tied (and the tiny qwen2, which covers a tied output). qwen2: Q/K/V biases, freq_base 1e6. qwen3: per-head Q/K
// RMSNorm weights, head_dim independent of dim / heads. Norm weights are 1 + noise, biases and matrices uniform.
// q4_k_m mixes types as llama.cpp's Q4_K_M does (Q6_K for attn_v/ffn_down in some layers and the output, Q4_K else).
// A matrix whose rows do not fit the type's block falls back as llama.cpp's quantizer does: Q4_K to Q5_0, Q5_K to Q5_1,
// Q6_K (and anything else) to Q8_0, F16 where the rows are not a multiple of 32.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "quant.h"

using namespace cloister;

namespace {

[[noreturn]] void die(const std::string &m) {
    std::fprintf(stderr, "make-random-gguf: %s\n", m.c_str());
    std::exit(2);
}

struct Shape {
    int64_t dim, hidden, layers, heads, kv_heads, head_dim, vocab, context;
};

struct Out {
    std::vector<uint8_t> b;
    template <typename T> void put(T v) {
        const uint8_t *p = reinterpret_cast<const uint8_t *>(&v);
        b.insert(b.end(), p, p + sizeof v);
    }
    void str(const std::string &s) {
        put<uint64_t>(s.size());
        b.insert(b.end(), s.begin(), s.end());
    }
};

enum : uint32_t { T_U32 = 4, T_I32 = 5, T_F32 = 6, T_BOOL = 7, T_STRING = 8, T_ARRAY = 9 };

struct TensorPlan {
    std::string name;
    int64_t cols, rows;  // rows == 0: a vector of cols values
    uint32_t type;
    enum Fill { Matrix, Embedding, Norm, Bias, RopeFactors } fill;
    uint64_t offset = 0, bytes = 0;
};

uint64_t hash(const std::string &s, uint64_t seed) {
    uint64_t h = 1469598103934665603ull ^ (seed * 0x9e3779b97f4a7c15ull);
    for (unsigned char ch : s) h = (h ^ ch) * 1099511628211ull;
    return h | 1;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 2) die("usage: make-random-gguf OUT.gguf --arch llama3|qwen2|qwen3 --type TYPE [--shape S] [--seed N] [--tied]");
    std::string out_path = argv[1], arch = "llama3", type_name = "f32", shape_name = "tiny";
    uint64_t seed = 1;
    bool tied = false;
    std::vector<std::pair<std::string, std::string>> extra;
    for (int i = 2; i < argc; i++) {
        std::string a = argv[i];
        auto val = [&]() -> std::string {
            if (i + 1 >= argc) die(a + " needs a value");
            return argv[++i];
        };
        if (a == "--arch") arch = val();
        else if (a == "--type") type_name = val();
        else if (a == "--shape") shape_name = val();
        else if (a == "--seed") seed = std::strtoull(val().c_str(), nullptr, 10);
        else if (a == "--tied") tied = true;
        else if (a == "--meta") {
            const std::string kv = val();
            const size_t eq = kv.find('=');
            if (eq == std::string::npos) die("--meta needs KEY=STRING");
            extra.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
        }
        else die("unknown option " + a);
    }
    if (arch != "llama3" && arch != "qwen2" && arch != "qwen3") die("unknown --arch " + arch);
    Shape s{};
    if (shape_name == "tiny") s = {256, 512, 2, 4, 2, arch == "qwen3" ? 128 : 64, 512, 512};
    else if (shape_name == "smollm2-135m") s = {576, 1536, 30, 9, 3, 64, 49152, 2048};
    else if (shape_name == "llama3.2-1b") s = {2048, 8192, 16, 32, 8, 64, 128256, 2048};
    else if (std::sscanf(shape_name.c_str(), "%ld,%ld,%ld,%ld,%ld,%ld,%ld,%ld", &s.dim, &s.hidden, &s.layers, &s.heads,
                         &s.kv_heads, &s.head_dim, &s.vocab, &s.context) != 8)
        die("unknown --shape " + shape_name);
    if (s.dim < 2 || s.hidden < 1 || s.layers < 1 || s.heads < 1 || s.kv_heads < 1 || s.heads % s.kv_heads ||
        s.head_dim < 2 || s.head_dim % 2 || s.vocab < 260 || s.context < 1)
        die("bad shape (the vocabulary needs at least 260 tokens)");

    uint32_t base = 99;
    const bool mixed = type_name == "q4_k_m";
    if (type_name == "f32") base = GGML_F32;
    else if (type_name == "f16") base = GGML_F16;
    else if (type_name == "bf16") base = GGML_BF16;
    else if (type_name == "q8_0") base = GGML_Q8_0;
    else if (type_name == "q4_0") base = GGML_Q4_0;
    else if (type_name == "q4_k" || mixed) base = GGML_Q4_K;
    else if (type_name == "q5_k") base = GGML_Q5_K;
    else if (type_name == "q6_k") base = GGML_Q6_K;
    if (base == 99) die("unknown --type " + type_name);
    // llama.cpp's fallback (llama_tensor_get_type) for rows that are not whole 256-blocks: Q4_K -> Q5_0,
    // Q5_K -> Q5_1, Q6_K -> Q8_0; F16 where even 32-blocks do not fit.
    auto fit = [](uint32_t t, int64_t cols) -> uint32_t {
        if (cols % type_layout(t).block == 0) return t;
        const uint32_t fallback = t == GGML_Q4_K ? GGML_Q5_0 : t == GGML_Q5_K ? GGML_Q5_1 : GGML_Q8_0;
        return cols % QK8_0 == 0 ? fallback : GGML_F16;
    };

    const std::string ga = arch == "llama3" ? "llama" : arch;
    const int64_t q_dim = s.heads * s.head_dim, kv_dim = s.kv_heads * s.head_dim;
    const bool untied = !tied && !(arch == "qwen2" && shape_name == "tiny");  // the tiny qwen2 covers tied output
    std::vector<TensorPlan> ts;
    auto matrix = [&](const std::string &name, int64_t cols, int64_t rows, uint32_t t) {
        ts.push_back({name, cols, rows, fit(t, cols), TensorPlan::Matrix});
    };
    auto vec = [&](const std::string &name, int64_t n, TensorPlan::Fill f) { ts.push_back({name, n, 0, GGML_F32, f}); };
    ts.push_back({"token_embd.weight", s.dim, s.vocab, fit(base, s.dim), TensorPlan::Embedding});
    for (int64_t l = 0; l < s.layers; l++) {
        const std::string b = "blk." + std::to_string(l) + ".";
        // llama.cpp's use_more_bits for Q4_K_M: the first and last eighth of the layers and every third between.
        const bool more = l < s.layers / 8 || l >= 7 * s.layers / 8 || (l - s.layers / 8) % 3 == 2;
        const uint32_t wide = mixed && more ? GGML_Q6_K : base;
        vec(b + "attn_norm.weight", s.dim, TensorPlan::Norm);
        matrix(b + "attn_q.weight", s.dim, q_dim, base);
        matrix(b + "attn_k.weight", s.dim, kv_dim, base);
        matrix(b + "attn_v.weight", s.dim, kv_dim, wide);
        if (arch == "qwen2") {
            vec(b + "attn_q.bias", q_dim, TensorPlan::Bias);
            vec(b + "attn_k.bias", kv_dim, TensorPlan::Bias);
            vec(b + "attn_v.bias", kv_dim, TensorPlan::Bias);
        }
        if (arch == "qwen3") {
            vec(b + "attn_q_norm.weight", s.head_dim, TensorPlan::Norm);
            vec(b + "attn_k_norm.weight", s.head_dim, TensorPlan::Norm);
        }
        matrix(b + "attn_output.weight", q_dim, s.dim, base);
        vec(b + "ffn_norm.weight", s.dim, TensorPlan::Norm);
        matrix(b + "ffn_gate.weight", s.dim, s.hidden, base);
        matrix(b + "ffn_down.weight", s.hidden, s.dim, wide);
        matrix(b + "ffn_up.weight", s.dim, s.hidden, base);
    }
    vec("output_norm.weight", s.dim, TensorPlan::Norm);
    if (untied) matrix("output.weight", s.dim, s.vocab, mixed ? GGML_Q6_K : base);
    if (arch == "llama3") vec("rope_freqs.weight", s.head_dim / 2, TensorPlan::RopeFactors);

    // Metadata.
    Out o;
    uint64_t n_kv = 0;
    Out m;
    auto key = [&](const std::string &k, uint32_t t) {
        m.str(k);
        m.put<uint32_t>(t);
        n_kv++;
    };
    auto kv_str = [&](const std::string &k, const std::string &v) { key(k, T_STRING); m.str(v); };
    auto kv_u32 = [&](const std::string &k, uint32_t v) { key(k, T_U32); m.put<uint32_t>(v); };
    auto kv_f32 = [&](const std::string &k, float v) { key(k, T_F32); m.put<float>(v); };
    kv_str("general.architecture", ga);
    kv_str("general.name", "random " + arch + " " + shape_name + " " + type_name + " seed " + std::to_string(seed));
    kv_u32("general.alignment", 32);
    kv_u32(ga + ".context_length", static_cast<uint32_t>(s.context));
    kv_u32(ga + ".embedding_length", static_cast<uint32_t>(s.dim));
    kv_u32(ga + ".block_count", static_cast<uint32_t>(s.layers));
    kv_u32(ga + ".feed_forward_length", static_cast<uint32_t>(s.hidden));
    kv_u32(ga + ".attention.head_count", static_cast<uint32_t>(s.heads));
    kv_u32(ga + ".attention.head_count_kv", static_cast<uint32_t>(s.kv_heads));
    kv_u32(ga + ".attention.key_length", static_cast<uint32_t>(s.head_dim));
    kv_u32(ga + ".attention.value_length", static_cast<uint32_t>(s.head_dim));
    kv_u32(ga + ".rope.dimension_count", static_cast<uint32_t>(s.head_dim));
    kv_f32(ga + ".attention.layer_norm_rms_epsilon", arch == "llama3" ? 1e-5f : 1e-6f);
    kv_f32(ga + ".rope.freq_base", arch == "llama3" ? 500000.0f : 1000000.0f);
    if (arch == "llama3") kv_u32(ga + ".vocab_size", static_cast<uint32_t>(s.vocab));
    // The vocabulary: <unk>, <s>, </s>, <0x00>..<0xFF>, then "▁t<i>" pieces with falling scores.
    std::vector<std::string> pieces = {"<unk>", "<s>", "</s>"};
    char buf[16];
    for (int b = 0; b < 256; b++) {
        std::snprintf(buf, sizeof buf, "<0x%02X>", b);
        pieces.push_back(buf);
    }
    while (static_cast<int64_t>(pieces.size()) < s.vocab) pieces.push_back("\xe2\x96\x81t" + std::to_string(pieces.size()));
    kv_str("tokenizer.ggml.model", "llama");
    key("tokenizer.ggml.tokens", T_ARRAY);
    m.put<uint32_t>(T_STRING);
    m.put<uint64_t>(pieces.size());
    for (auto &p : pieces) m.str(p);
    key("tokenizer.ggml.scores", T_ARRAY);
    m.put<uint32_t>(T_F32);
    m.put<uint64_t>(pieces.size());
    for (size_t i = 0; i < pieces.size(); i++) m.put<float>(i < 259 ? 0.0f : -static_cast<float>(i));
    key("tokenizer.ggml.token_type", T_ARRAY);
    m.put<uint32_t>(T_I32);
    m.put<uint64_t>(pieces.size());
    for (size_t i = 0; i < pieces.size(); i++) m.put<int32_t>(i == 0 ? 2 : i < 3 ? 3 : i < 259 ? 6 : 1);
    kv_u32("tokenizer.ggml.bos_token_id", 1);
    kv_u32("tokenizer.ggml.eos_token_id", 2);
    kv_u32("tokenizer.ggml.unknown_token_id", 0);
    for (const auto &e : extra) kv_str(e.first, e.second);

    o.b.insert(o.b.end(), {'G', 'G', 'U', 'F'});
    o.put<uint32_t>(3);
    o.put<uint64_t>(ts.size());
    o.put<uint64_t>(n_kv);
    o.b.insert(o.b.end(), m.b.begin(), m.b.end());
    uint64_t offset = 0;
    for (auto &t : ts) {
        const int64_t rows = t.rows == 0 ? 1 : t.rows;
        const TypeLayout layout = type_layout(t.type);
        t.bytes = static_cast<uint64_t>(t.cols / layout.block * layout.bytes) * rows;
        t.offset = offset;
        offset += (t.bytes + 31) / 32 * 32;
        o.str(t.name);
        o.put<uint32_t>(t.rows == 0 ? 1 : 2);
        o.put<uint64_t>(t.cols);
        if (t.rows != 0) o.put<uint64_t>(t.rows);
        o.put<uint32_t>(t.type);
        o.put<uint64_t>(t.offset);
    }
    while (o.b.size() % 32) o.b.push_back(0);

    FILE *f = std::fopen(out_path.c_str(), "wb");
    if (f == nullptr) die("cannot write " + out_path);
    std::fwrite(o.b.data(), 1, o.b.size(), f);
    std::vector<float> row;
    std::vector<uint8_t> packed;
    for (auto &t : ts) {
        uint64_t st = hash(t.name, seed);
        auto uniform = [&]() {
            st ^= st << 13;
            st ^= st >> 7;
            st ^= st << 17;
            return static_cast<float>((st >> 40) * (1.0 / 16777216.0)) * 2.0f - 1.0f;
        };
        const int64_t rows = t.rows == 0 ? 1 : t.rows;
        const TypeLayout layout = type_layout(t.type);
        row.resize(t.cols);
        packed.resize(t.cols / layout.block * layout.bytes);
        const float a = 1.0f / std::sqrt(static_cast<float>(t.cols));
        for (int64_t r = 0; r < rows; r++) {
            for (int64_t i = 0; i < t.cols; i++) {
                switch (t.fill) {
                    case TensorPlan::Matrix: row[i] = uniform() * a; break;
                    case TensorPlan::Embedding: row[i] = uniform() * (untied ? 1.0f : 0.1f); break;  // tied: no self-echo
                    case TensorPlan::Norm: row[i] = 1.0f + 0.25f * uniform(); break;
                    case TensorPlan::Bias: row[i] = 0.2f * uniform(); break;
                    case TensorPlan::RopeFactors: {
                        // convert_hf_to_gguf.py for rope_type llama3: 1 for short wavelengths, `factor` for long ones,
                        // a smooth blend between.
                        const double factor = 32, low = 1, high = 4, original = 8192, pi = 3.14159265358979323846;
                        const double freq = 1.0 / std::pow(500000.0, 2.0 * i / static_cast<double>(s.head_dim));
                        const double wavelen = 2 * pi / freq, low_wavelen = original / low, high_wavelen = original / high;
                        double ff;
                        if (wavelen < high_wavelen) ff = 1;
                        else if (wavelen > low_wavelen) ff = factor;
                        else {
                            const double smooth = (original / wavelen - low) / (high - low);
                            ff = 1 / ((1 - smooth) / factor + smooth);
                        }
                        row[i] = static_cast<float>(ff);
                        break;
                    }
                }
            }
            quantize_row(t.type, row.data(), packed.data(), static_cast<int>(t.cols));
            std::fwrite(packed.data(), 1, packed.size(), f);
        }
        static const uint8_t zeros[32] = {};
        std::fwrite(zeros, 1, (32 - t.bytes % 32) % 32, f);
    }
    if (std::fclose(f) != 0) die("cannot write " + out_path);
    std::printf("wrote %s: %s %s %s, %zu tensors, %zu tokens\n", out_path.c_str(), arch.c_str(), shape_name.c_str(),
                type_name.c_str(), ts.size(), pieces.size());
    return 0;
}
