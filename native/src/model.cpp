#include "model.h"

#include <cmath>
#include <cstring>
#include <map>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cloister_infer.h"
#include "quant.h"

namespace cloister {

namespace {

std::string num(long long v) { return std::to_string(v); }

// A bounded little-endian reader over the mapped file: every read checks the remaining length first.
class Reader {
public:
    Reader(const uint8_t *base, size_t size) : base_(base), size_(size) {}
    size_t pos() const { return pos_; }
    size_t size() const { return size_; }
    void need(size_t n, const char *what) const {
        if (n > size_ - pos_) throw Error(CI_ERR_MODEL, std::string("GGUF: truncated while reading ") + what);
    }
    template <typename T> T get(const char *what) {
        need(sizeof(T), what);
        T v;
        std::memcpy(&v, base_ + pos_, sizeof(T));
        pos_ += sizeof(T);
        return v;
    }
    std::string str(const char *what) {
        uint64_t n = get<uint64_t>(what);
        if (n > 65536) throw Error(CI_ERR_MODEL, std::string("GGUF: string too long in ") + what);
        need(n, what);
        std::string s(reinterpret_cast<const char *>(base_ + pos_), n);
        pos_ += n;
        return s;
    }
    void skip(uint64_t n, const char *what) {
        if (n > size_ - pos_) throw Error(CI_ERR_MODEL, std::string("GGUF: truncated while skipping ") + what);
        pos_ += n;
    }

private:
    const uint8_t *base_;
    size_t size_;
    size_t pos_ = 0;
};

enum GgufType : uint32_t {
    U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32V = 6, BOOL = 7, STRING = 8, ARRAY = 9, U64 = 10, I64 = 11,
    F64 = 12
};

size_t scalar_size(uint32_t t) {
    switch (t) {
        case U8: case I8: case BOOL: return 1;
        case U16: case I16: return 2;
        case U32: case I32: case F32V: return 4;
        case U64: case I64: case F64: return 8;
        default: return 0;
    }
}

// A metadata value reduced to what the loader needs: a number or a string (arrays are skipped, bounded).
struct Meta {
    uint32_t type = 0;
    double number = 0;
    std::string text;
};

Meta read_value(Reader &r, uint32_t type, int depth) {
    Meta m;
    m.type = type;
    switch (type) {
        case U8: m.number = r.get<uint8_t>("u8"); break;
        case I8: m.number = r.get<int8_t>("i8"); break;
        case BOOL: m.number = r.get<uint8_t>("bool"); break;
        case U16: m.number = r.get<uint16_t>("u16"); break;
        case I16: m.number = r.get<int16_t>("i16"); break;
        case U32: m.number = r.get<uint32_t>("u32"); break;
        case I32: m.number = r.get<int32_t>("i32"); break;
        case F32V: m.number = r.get<float>("f32"); break;
        case U64: m.number = static_cast<double>(r.get<uint64_t>("u64")); break;
        case I64: m.number = static_cast<double>(r.get<int64_t>("i64")); break;
        case F64: m.number = r.get<double>("f64"); break;
        case STRING: m.text = r.str("string value"); break;
        case ARRAY: {
            if (depth > 0) throw Error(CI_ERR_MODEL, "GGUF: nested metadata arrays are not supported");
            uint32_t et = r.get<uint32_t>("array type");
            uint64_t n = r.get<uint64_t>("array length");
            if (n > r.size()) throw Error(CI_ERR_MODEL, "GGUF: array longer than the file");
            size_t es = scalar_size(et);
            if (es != 0) {
                if (n > (r.size() - r.pos()) / es) throw Error(CI_ERR_MODEL, "GGUF: truncated array");
                r.skip(n * es, "array");
            } else if (et == STRING) {
                for (uint64_t i = 0; i < n; i++) r.skip(r.get<uint64_t>("string length"), "array string");
            } else {
                throw Error(CI_ERR_MODEL, "GGUF: unsupported array element type " + num(et));
            }
            m.number = static_cast<double>(n);
            break;
        }
        default: throw Error(CI_ERR_MODEL, "GGUF: unknown metadata type " + num(type));
    }
    return m;
}

struct TensorInfo {
    std::string name;
    uint64_t dims[4] = {1, 1, 1, 1};
    uint32_t n_dims = 0;
    uint32_t type = 0;
    uint64_t offset = 0;
};

}  // namespace

float half_to_float(uint16_t h) { return fp16_to_float(h); }

float bf16_to_float(uint16_t b) { return bf16_bits_to_float(b); }

Tensor f32_tensor(const float *data, int64_t rows, int64_t cols) {
    Tensor t;
    t.data = reinterpret_cast<const uint8_t *>(data);
    t.type = GGML_F32;
    t.rows = rows;
    t.cols = cols;
    t.row_bytes = static_cast<size_t>(cols) * sizeof(float);
    return t;
}

const char *architecture_name(Architecture a) {
    switch (a) {
        case Architecture::Llama: return "llama";
        case Architecture::Qwen2: return "qwen2";
        case Architecture::Qwen3: return "qwen3";
    }
    return "?";
}

void validate_config(const ModelConfig &c) {
    auto in = [](long long v, long long lo, long long hi, const char *what) {
        if (v < lo || v > hi)
            throw Error(CI_ERR_MODEL, std::string("model ") + what + " " + num(v) + " outside [" + num(lo) + ", " +
                                          num(hi) + "]");
    };
    in(c.dim, 2, 65536, "dim");
    in(c.hidden_dim, 1, 1 << 18, "hidden_dim");
    in(c.layers, 1, 1024, "layers");
    in(c.heads, 1, 1024, "heads");
    in(c.kv_heads, 1, 1024, "kv_heads");
    in(c.vocab_size, 1, 1 << 22, "vocab_size");
    in(c.seq_len, 1, 1 << 20, "seq_len");
    in(c.head_dim, 2, 1024, "head_dim");
    in(static_cast<long long>(c.heads) * c.head_dim, 2, 65536, "heads * head_dim");
    if (c.heads % c.kv_heads != 0) throw Error(CI_ERR_MODEL, "model heads is not a multiple of kv_heads");
    if (c.head_size() % 2 != 0) throw Error(CI_ERR_MODEL, "model head size is odd (RoPE rotates pairs)");
    if (!(c.norm_eps > 0.0f && c.norm_eps < 1.0f)) throw Error(CI_ERR_MODEL, "model norm epsilon outside (0, 1)");
    if (!(c.rope_theta > 1.0f && c.rope_theta < 1e9f)) throw Error(CI_ERR_MODEL, "model RoPE theta outside (1, 1e9)");
    if (!(c.rope_freq_scale > 1e-4f && c.rope_freq_scale <= 1e4f))
        throw Error(CI_ERR_MODEL, "model RoPE frequency scale outside (1e-4, 1e4]");
}

std::unique_ptr<Model> Model::open(const std::string &path) {
    std::unique_ptr<Model> m(new Model());
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(CI_ERR_MODEL, "cannot open the model file (errno " + num(errno) + ")");
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error(CI_ERR_MODEL, "the model path is not a regular file");
    }
    if (st.st_size < 28) {
        ::close(fd);
        throw Error(CI_ERR_MODEL, "model file too short (" + num(st.st_size) + " bytes)");
    }
    m->map_size_ = static_cast<size_t>(st.st_size);
    m->map_ = mmap(nullptr, m->map_size_, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (m->map_ == MAP_FAILED) {
        m->map_ = nullptr;
        throw Error(CI_ERR_MODEL, "cannot map the model file (errno " + num(errno) + ")");
    }
    if (std::memcmp(m->map_, "GGUF", 4) == 0) {
        m->load_gguf();
    } else {
        m->load_llama2c();
    }
    validate_config(m->config_);
    return m;
}

Model::~Model() {
    if (map_ != nullptr) munmap(map_, map_size_);
}

std::vector<float> Model::rope_inv_freq() const {
    // ggml's rope: angle_j = pos * freq_scale * base^(-2j / n_dims) / factor_j (the factors: rope_freqs.weight).
    // base^(-2j / n_dims) as llama2.c computes it, so that its checkpoints give the logits they always did.
    const int pairs = config_.head_dim / 2;
    std::vector<float> f(pairs);
    for (int j = 0; j < pairs; j++) {
        float inv = 1.0f / std::pow(config_.rope_theta, static_cast<float>(2 * j) / static_cast<float>(config_.head_dim));
        if (config_.rope_freq_scale != 1.0f) inv *= config_.rope_freq_scale;
        if (weights_.rope_freq_factors != nullptr) inv /= weights_.rope_freq_factors[j];
        f[j] = inv;
    }
    return f;
}

size_t Model::owned_bytes() const {
    size_t total = 0;
    for (size_t s : owned_sizes_) total += s * sizeof(float);
    return total;
}

float *Model::own(size_t count) {
    owned_.emplace_back(new float[count]);
    owned_sizes_.push_back(count);
    return owned_.back().get();
}

void Model::load_llama2c() {
    int32_t h[7];
    std::memcpy(h, map_, sizeof h);
    ModelConfig &c = config_;
    c.dim = h[0];
    c.hidden_dim = h[1];
    c.layers = h[2];
    c.heads = h[3];
    c.kv_heads = h[4];
    bool shared = h[5] > 0;
    long long vocab = h[5] < 0 ? -static_cast<long long>(h[5]) : h[5];  // negative: an unshared classifier
    c.vocab_size = vocab > (1 << 22) ? 0 : static_cast<int>(vocab);
    c.seq_len = h[6];
    c.head_dim = c.heads > 0 && c.dim % c.heads == 0 ? c.dim / c.heads : 0;
    validate_config(c);

    const size_t dim = c.dim, hidden = c.hidden_dim, L = c.layers, kv = c.kv_dim(), V = c.vocab_size;
    const size_t hs = c.head_size();
    size_t floats = V * dim + L * dim + L * dim * dim + 2 * L * dim * kv + L * dim * dim + L * dim +
                    3 * L * dim * hidden + dim + static_cast<size_t>(c.seq_len) * hs;
    if (!shared) floats += V * dim;
    size_t expected = 28 + floats * sizeof(float);
    if (map_size_ != expected)
        throw Error(CI_ERR_MODEL, "llama2.c checkpoint has " + num(static_cast<long long>(map_size_)) +
                                      " bytes, its header implies " + num(static_cast<long long>(expected)));

    const float *p = reinterpret_cast<const float *>(static_cast<const uint8_t *>(map_) + 28);
    Weights &w = weights_;
    w.layer.resize(L);
    auto matrix = [&](int64_t rows, int64_t cols) {
        Tensor t = f32_tensor(p, rows, cols);
        p += static_cast<size_t>(rows) * cols;
        return t;
    };
    w.token_embedding = matrix(V, dim);
    for (size_t l = 0; l < L; l++) { w.layer[l].rms_att = p; p += dim; }
    for (size_t l = 0; l < L; l++) w.layer[l].wq = matrix(dim, dim);
    for (size_t l = 0; l < L; l++) w.layer[l].wk = matrix(kv, dim);
    for (size_t l = 0; l < L; l++) w.layer[l].wv = matrix(kv, dim);
    for (size_t l = 0; l < L; l++) w.layer[l].wo = matrix(dim, dim);
    for (size_t l = 0; l < L; l++) { w.layer[l].rms_ffn = p; p += dim; }
    for (size_t l = 0; l < L; l++) w.layer[l].w1 = matrix(hidden, dim);
    for (size_t l = 0; l < L; l++) w.layer[l].w2 = matrix(dim, hidden);
    for (size_t l = 0; l < L; l++) w.layer[l].w3 = matrix(hidden, dim);
    w.rms_final = p; p += dim;
    p += static_cast<size_t>(c.seq_len) * hs;  // freq_cis_real and freq_cis_imag (RoPE is computed, not read)
    w.classifier = shared ? w.token_embedding : matrix(V, dim);
    mapped_bytes_ = map_size_;
}

namespace {

// A name from the file, for a message: printable ASCII only, at most 64 characters.
std::string printable(const std::string &s) {
    std::string out;
    for (char ch : s.substr(0, 64)) out += (ch >= 0x20 && ch < 0x7f) ? ch : '?';
    return out;
}

}  // namespace

void Model::load_gguf() {
    Reader r(static_cast<const uint8_t *>(map_), map_size_);
    r.skip(4, "magic");
    uint32_t version = r.get<uint32_t>("version");
    if (version != 2 && version != 3) throw Error(CI_ERR_MODEL, "GGUF version " + num(version) + " not supported");
    uint64_t n_tensors = r.get<uint64_t>("tensor count");
    uint64_t n_kv = r.get<uint64_t>("metadata count");
    if (n_tensors > 65536 || n_kv > 65536) throw Error(CI_ERR_MODEL, "GGUF: too many tensors or metadata entries");

    std::map<std::string, Meta> meta;
    for (uint64_t i = 0; i < n_kv; i++) {
        std::string key = r.str("metadata key");
        uint32_t type = r.get<uint32_t>("metadata type");
        Meta v = read_value(r, type, 0);
        if (!meta.emplace(key, v).second) throw Error(CI_ERR_MODEL, "GGUF: duplicate metadata key " + printable(key));
    }
    auto text = [&](const std::string &key) -> const std::string * {
        auto it = meta.find(key);
        if (it == meta.end()) return nullptr;
        if (it->second.type != STRING) throw Error(CI_ERR_MODEL, "GGUF: " + key + " is not a string");
        return &it->second.text;
    };
    auto number = [&](const std::string &key, double fallback) {
        auto it = meta.find(key);
        if (it == meta.end()) return fallback;
        if (it->second.type == STRING || it->second.type == ARRAY)
            throw Error(CI_ERR_MODEL, "GGUF: " + key + " is not a number");
        return it->second.number;
    };

    ModelConfig &c = config_;
    const std::string *arch_name = text("general.architecture");
    if (arch_name == nullptr) throw Error(CI_ERR_MODEL, "GGUF: no general.architecture");
    const std::string arch = *arch_name;
    if (arch == "llama") c.arch = Architecture::Llama;
    else if (arch == "qwen2") c.arch = Architecture::Qwen2;
    else if (arch == "qwen3") c.arch = Architecture::Qwen3;
    else
        throw Error(CI_ERR_MODEL, "GGUF: architecture '" + printable(arch) + "' is not supported (llama, qwen2, qwen3)");
    // llama.cpp's rope types: LLAMA_ROPE_TYPE_NORM (adjacent pairs) for llama, NEOX (halves) for qwen2 and qwen3.
    c.rope_neox = c.arch != Architecture::Llama;

    const double alignment = number("general.alignment", 32);
    if (alignment < 1 || alignment > 65536 || (static_cast<uint64_t>(alignment) & (static_cast<uint64_t>(alignment) - 1)))
        throw Error(CI_ERR_MODEL, "GGUF: alignment is not a power of two");
    auto as_int = [](double v, const std::string &what) {
        if (!(v >= 1 && v <= (1 << 22))) throw Error(CI_ERR_MODEL, "GGUF: missing or bad " + what);
        return static_cast<int>(v);
    };
    const std::string a = arch + ".";
    c.dim = as_int(number(a + "embedding_length", -1), a + "embedding_length");
    c.hidden_dim = as_int(number(a + "feed_forward_length", -1), a + "feed_forward_length");
    c.layers = as_int(number(a + "block_count", -1), a + "block_count");
    c.heads = as_int(number(a + "attention.head_count", -1), a + "attention.head_count");
    c.kv_heads = as_int(number(a + "attention.head_count_kv", c.heads), a + "attention.head_count_kv");
    c.seq_len = as_int(number(a + "context_length", -1), a + "context_length");
    const double head_default = c.dim % c.heads == 0 ? c.dim / c.heads : -1;
    c.head_dim = as_int(number(a + "attention.key_length", head_default), a + "attention.key_length");
    if (number(a + "attention.value_length", c.head_dim) != c.head_dim)
        throw Error(CI_ERR_MODEL, "GGUF: " + a + "attention.value_length differs from the key length");
    if (number(a + "rope.dimension_count", c.head_dim) != c.head_dim)
        throw Error(CI_ERR_MODEL, "GGUF: " + a + "rope.dimension_count differs from the head size (partial RoPE)");
    c.norm_eps = static_cast<float>(number(a + "attention.layer_norm_rms_epsilon", 1e-5));
    c.rope_theta = static_cast<float>(number(a + "rope.freq_base", 10000));
    // RoPE scaling as llama.cpp reads it: rope.scaling.type is none, linear (the default) or yarn/longrope (not run
    // here); any other value, "llama3" included, makes llama.cpp refuse the file. Llama 3.1+ files carry their
    // frequency factors as the rope_freqs.weight tensor instead. rope.scaling.factor scales linearly (1 / factor).
    std::string scaling = "linear";
    if (const std::string *t = text(a + "rope.scaling.type")) scaling = *t;
    if (scaling == "yarn" || scaling == "longrope")
        throw Error(CI_ERR_MODEL, "GGUF: RoPE scaling type " + scaling + " is not supported");
    if (scaling != "none" && scaling != "linear")
        throw Error(CI_ERR_MODEL, "GGUF: unknown RoPE scaling type '" + printable(scaling) + "' (none, linear)");
    double factor = number(a + "rope.scaling.factor", number(a + "rope.scale_linear", 0));
    c.rope_freq_scale = scaling == "none" || factor == 0 ? 1.0f : static_cast<float>(1.0 / factor);

    std::vector<TensorInfo> tensors(n_tensors);
    std::map<std::string, size_t> by_name;
    for (size_t i = 0; i < tensors.size(); i++) {
        TensorInfo &t = tensors[i];
        t.name = r.str("tensor name");
        t.n_dims = r.get<uint32_t>("tensor dimensions");
        if (t.n_dims < 1 || t.n_dims > 4) throw Error(CI_ERR_MODEL, "GGUF: tensor with " + num(t.n_dims) + " dimensions");
        for (uint32_t d = 0; d < t.n_dims; d++) {
            t.dims[d] = r.get<uint64_t>("tensor dimension");
            if (t.dims[d] == 0 || t.dims[d] > (1ull << 32)) throw Error(CI_ERR_MODEL, "GGUF: bad tensor dimension");
        }
        t.type = r.get<uint32_t>("tensor type");
        t.offset = r.get<uint64_t>("tensor offset");
        if (!by_name.emplace(t.name, i).second) throw Error(CI_ERR_MODEL, "GGUF: duplicate tensor " + printable(t.name));
    }
    uint64_t align = static_cast<uint64_t>(alignment);
    uint64_t data_start = (r.pos() + align - 1) / align * align;
    if (data_start > map_size_) throw Error(CI_ERR_MODEL, "GGUF: no tensor data");
    std::vector<bool> used(tensors.size(), false);
    auto find = [&](const std::string &name) -> const TensorInfo * {
        auto it = by_name.find(name);
        return it == by_name.end() ? nullptr : &tensors[it->second];
    };

    const TensorInfo *embd = find("token_embd.weight");
    if (embd == nullptr || embd->n_dims != 2) throw Error(CI_ERR_MODEL, "GGUF: no 2-D token_embd.weight");
    double vocab = number(a + "vocab_size", -1);
    if (vocab < 0) {
        auto tokens = meta.find("tokenizer.ggml.tokens");
        vocab = tokens != meta.end() && tokens->second.type == ARRAY ? tokens->second.number
                                                                    : static_cast<double>(embd->dims[1]);
    }
    c.vocab_size = as_int(vocab, "vocabulary size");
    validate_config(c);

    // Resolves one tensor of shape {cols, rows} (GGUF order: innermost first) to a view of its bytes in the file.
    auto matrix = [&](const std::string &name, uint64_t cols, uint64_t rows, bool required) -> Tensor {
        const TensorInfo *t = find(name);
        if (t == nullptr) {
            if (required) throw Error(CI_ERR_MODEL, "GGUF: missing tensor " + name);
            return Tensor{};
        }
        used[t - tensors.data()] = true;
        uint64_t n = 1;
        for (uint64_t d : t->dims)
            if (__builtin_mul_overflow(n, d, &n)) throw Error(CI_ERR_MODEL, "GGUF: tensor " + name + " is too large");
        if (t->dims[0] != cols || n != cols * rows)
            throw Error(CI_ERR_MODEL, "GGUF: tensor " + name + " has the wrong shape");
        const TypeLayout layout = type_layout(t->type);
        if (layout.block == 0)
            throw Error(CI_ERR_MODEL, "GGUF: tensor " + name + " has unsupported type " + num(t->type));
        if (cols % layout.block != 0)
            throw Error(CI_ERR_MODEL, "GGUF: " + std::string(layout.name) + " tensor " + name + " rows are not a multiple of " +
                                          num(layout.block));
        const uint64_t row_bytes = cols / layout.block * layout.bytes, bytes = row_bytes * rows;
        if (t->offset % align != 0 || t->offset > map_size_ - data_start || bytes > map_size_ - data_start - t->offset)
            throw Error(CI_ERR_MODEL, "GGUF: tensor " + name + " lies outside the file");
        Tensor view;
        view.data = static_cast<const uint8_t *>(map_) + data_start + t->offset;
        view.type = t->type;
        view.rows = static_cast<int64_t>(rows);
        view.cols = static_cast<int64_t>(cols);
        view.row_bytes = row_bytes;
        mapped_bytes_ += bytes;
        return view;
    };
    // A vector (norm weights, biases, RoPE factors) as fp32: mapped when F32, else decoded into a small owned buffer.
    auto vector = [&](const std::string &name, uint64_t n, bool required) -> const float * {
        Tensor t = matrix(name, n, 1, required);
        if (t.data == nullptr) return nullptr;
        if (t.type == GGML_F32) return reinterpret_cast<const float *>(t.data);
        float *dst = own(n);
        dequantize_row(t.type, t.data, dst, static_cast<int>(n));
        return dst;
    };

    const uint64_t D = c.dim, H = c.hidden_dim, Q = c.q_dim(), KV = c.kv_dim(), V = c.vocab_size;
    const bool qwen2 = c.arch == Architecture::Qwen2, qwen3 = c.arch == Architecture::Qwen3;
    Weights &w = weights_;
    w.token_embedding = matrix("token_embd.weight", D, V, true);
    w.layer.resize(c.layers);
    for (int l = 0; l < c.layers; l++) {
        std::string b = "blk." + std::to_string(l) + ".";
        Weights::Layer &ly = w.layer[l];
        ly.rms_att = vector(b + "attn_norm.weight", D, true);
        ly.wq = matrix(b + "attn_q.weight", D, Q, true);
        ly.wk = matrix(b + "attn_k.weight", D, KV, true);
        ly.wv = matrix(b + "attn_v.weight", D, KV, true);
        ly.wo = matrix(b + "attn_output.weight", Q, D, true);
        if (!qwen3) {  // llama.cpp: required for qwen2, optional for llama, absent in qwen3
            ly.bq = vector(b + "attn_q.bias", Q, qwen2);
            ly.bk = vector(b + "attn_k.bias", KV, qwen2);
            ly.bv = vector(b + "attn_v.bias", KV, qwen2);
        }
        if (qwen3) {
            ly.q_norm = vector(b + "attn_q_norm.weight", c.head_dim, true);
            ly.k_norm = vector(b + "attn_k_norm.weight", c.head_dim, true);
        }
        ly.rms_ffn = vector(b + "ffn_norm.weight", D, true);
        ly.w1 = matrix(b + "ffn_gate.weight", D, H, true);
        ly.w2 = matrix(b + "ffn_down.weight", H, D, true);
        ly.w3 = matrix(b + "ffn_up.weight", D, H, true);
    }
    w.rms_final = vector("output_norm.weight", D, true);
    w.classifier = matrix("output.weight", D, V, false);
    if (w.classifier.data == nullptr) w.classifier = w.token_embedding;  // tied
    if (c.arch == Architecture::Llama) w.rope_freq_factors = vector("rope_freqs.weight", c.head_dim / 2, false);
    if (w.rope_freq_factors != nullptr)
        for (int j = 0; j < c.head_dim / 2; j++)
            if (!(w.rope_freq_factors[j] > 1e-6f && w.rope_freq_factors[j] < 1e6f))
                throw Error(CI_ERR_MODEL, "GGUF: rope_freqs.weight holds a factor outside (1e-6, 1e6)");
    // As llama.cpp, a tensor the architecture does not use means the file is not what its metadata says.
    for (size_t i = 0; i < tensors.size(); i++)
        if (!used[i])
            throw Error(CI_ERR_MODEL, "GGUF: tensor " + printable(tensors[i].name) + " is not used by architecture " + arch);
}

}  // namespace cloister
