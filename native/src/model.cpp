#include "model.h"

#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cloister_infer.h"

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

constexpr uint32_t GGML_F32 = 0, GGML_F16 = 1, GGML_Q8_0 = 8, GGML_BF16 = 30;

struct TensorInfo {
    std::string name;
    uint64_t dims[4] = {1, 1, 1, 1};
    uint32_t n_dims = 0;
    uint32_t type = 0;
    uint64_t offset = 0;
};

}  // namespace

float half_to_float(uint16_t h) {
    uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else {  // subnormal: normalise
            int e = -1;
            do { e++; mant <<= 1; } while ((mant & 0x400) == 0);
            bits = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | mant << 13;
    } else {
        bits = sign | (exp + 127 - 15) << 23 | mant << 13;
    }
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

float bf16_to_float(uint16_t b) {
    uint32_t bits = static_cast<uint32_t>(b) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
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
    if (c.dim % c.heads != 0) throw Error(CI_ERR_MODEL, "model dim is not a multiple of heads");
    if (c.heads % c.kv_heads != 0) throw Error(CI_ERR_MODEL, "model heads is not a multiple of kv_heads");
    if (c.head_size() % 2 != 0) throw Error(CI_ERR_MODEL, "model head size is odd (RoPE rotates pairs)");
    if (!(c.norm_eps > 0.0f && c.norm_eps < 1.0f)) throw Error(CI_ERR_MODEL, "model norm epsilon outside (0, 1)");
    if (!(c.rope_theta > 1.0f && c.rope_theta < 1e9f)) throw Error(CI_ERR_MODEL, "model RoPE theta outside (1, 1e9)");
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
    w.token_embedding = p; p += V * dim;
    for (size_t l = 0; l < L; l++) { w.layer[l].rms_att = p; p += dim; }
    for (size_t l = 0; l < L; l++) { w.layer[l].wq = p; p += dim * dim; }
    for (size_t l = 0; l < L; l++) { w.layer[l].wk = p; p += dim * kv; }
    for (size_t l = 0; l < L; l++) { w.layer[l].wv = p; p += dim * kv; }
    for (size_t l = 0; l < L; l++) { w.layer[l].wo = p; p += dim * dim; }
    for (size_t l = 0; l < L; l++) { w.layer[l].rms_ffn = p; p += dim; }
    for (size_t l = 0; l < L; l++) { w.layer[l].w1 = p; p += dim * hidden; }
    for (size_t l = 0; l < L; l++) { w.layer[l].w2 = p; p += dim * hidden; }
    for (size_t l = 0; l < L; l++) { w.layer[l].w3 = p; p += dim * hidden; }
    w.rms_final = p; p += dim;
    p += static_cast<size_t>(c.seq_len) * hs;  // freq_cis_real and freq_cis_imag (RoPE is computed, not read)
    w.classifier = shared ? w.token_embedding : p;
    mapped_bytes_ = map_size_;
}

void Model::load_gguf() {
    Reader r(static_cast<const uint8_t *>(map_), map_size_);
    r.skip(4, "magic");
    uint32_t version = r.get<uint32_t>("version");
    if (version != 2 && version != 3) throw Error(CI_ERR_MODEL, "GGUF version " + num(version) + " not supported");
    uint64_t n_tensors = r.get<uint64_t>("tensor count");
    uint64_t n_kv = r.get<uint64_t>("metadata count");
    if (n_tensors > 65536 || n_kv > 65536) throw Error(CI_ERR_MODEL, "GGUF: too many tensors or metadata entries");

    std::string arch;
    double dim = -1, hidden = -1, layers = -1, heads = -1, kv_heads = -1, ctx = -1, eps = 1e-5, theta = 10000,
           vocab = -1, alignment = 32;
    for (uint64_t i = 0; i < n_kv; i++) {
        std::string key = r.str("metadata key");
        uint32_t type = r.get<uint32_t>("metadata type");
        Meta v = read_value(r, type, 0);
        if (key == "general.architecture") arch = v.text;
        else if (key == "general.alignment") alignment = v.number;
        else if (key == "llama.embedding_length") dim = v.number;
        else if (key == "llama.feed_forward_length") hidden = v.number;
        else if (key == "llama.block_count") layers = v.number;
        else if (key == "llama.attention.head_count") heads = v.number;
        else if (key == "llama.attention.head_count_kv") kv_heads = v.number;
        else if (key == "llama.context_length") ctx = v.number;
        else if (key == "llama.attention.layer_norm_rms_epsilon") eps = v.number;
        else if (key == "llama.rope.freq_base") theta = v.number;
        else if (key == "llama.vocab_size") vocab = v.number;
    }
    if (arch != "llama") throw Error(CI_ERR_MODEL, "GGUF: architecture is not llama");
    if (alignment < 1 || alignment > 65536 || (static_cast<uint64_t>(alignment) & (static_cast<uint64_t>(alignment) - 1)))
        throw Error(CI_ERR_MODEL, "GGUF: alignment is not a power of two");
    if (kv_heads < 0) kv_heads = heads;
    auto as_int = [](double v, const char *what) {
        if (!(v >= 1 && v <= (1 << 22))) throw Error(CI_ERR_MODEL, std::string("GGUF: missing or bad ") + what);
        return static_cast<int>(v);
    };
    ModelConfig &c = config_;
    c.dim = as_int(dim, "llama.embedding_length");
    c.hidden_dim = as_int(hidden, "llama.feed_forward_length");
    c.layers = as_int(layers, "llama.block_count");
    c.heads = as_int(heads, "llama.attention.head_count");
    c.kv_heads = as_int(kv_heads, "llama.attention.head_count_kv");
    c.seq_len = as_int(ctx, "llama.context_length");
    c.norm_eps = static_cast<float>(eps);
    c.rope_theta = static_cast<float>(theta);

    std::vector<TensorInfo> tensors(n_tensors);
    for (auto &t : tensors) {
        t.name = r.str("tensor name");
        t.n_dims = r.get<uint32_t>("tensor dimensions");
        if (t.n_dims < 1 || t.n_dims > 4) throw Error(CI_ERR_MODEL, "GGUF: tensor with " + num(t.n_dims) + " dimensions");
        for (uint32_t d = 0; d < t.n_dims; d++) {
            t.dims[d] = r.get<uint64_t>("tensor dimension");
            if (t.dims[d] == 0 || t.dims[d] > (1ull << 32)) throw Error(CI_ERR_MODEL, "GGUF: bad tensor dimension");
        }
        t.type = r.get<uint32_t>("tensor type");
        t.offset = r.get<uint64_t>("tensor offset");
    }
    uint64_t align = static_cast<uint64_t>(alignment);
    uint64_t data_start = (r.pos() + align - 1) / align * align;
    if (data_start > map_size_) throw Error(CI_ERR_MODEL, "GGUF: no tensor data");

    auto find = [&](const std::string &name) -> const TensorInfo * {
        for (auto &t : tensors)
            if (t.name == name) return &t;
        return nullptr;
    };
    const TensorInfo *embd = find("token_embd.weight");
    if (embd == nullptr || embd->n_dims != 2) throw Error(CI_ERR_MODEL, "GGUF: no 2-D token_embd.weight");
    if (vocab < 0) vocab = static_cast<double>(embd->dims[1]);
    c.vocab_size = as_int(vocab, "vocab size");
    validate_config(c);

    // Resolves one tensor of the expected shape {in, out} (GGUF order: innermost first) to fp32.
    auto load = [&](const std::string &name, uint64_t in, uint64_t out) -> const float * {
        const TensorInfo *t = find(name);
        if (t == nullptr) throw Error(CI_ERR_MODEL, "GGUF: missing tensor " + name);
        uint64_t n = 1;
        for (uint64_t d : t->dims)
            if (__builtin_mul_overflow(n, d, &n)) throw Error(CI_ERR_MODEL, "GGUF: tensor " + name + " is too large");
        if (t->dims[0] != in || n != in * out)
            throw Error(CI_ERR_MODEL, "GGUF: tensor " + name + " has the wrong shape");
        uint64_t bytes;
        switch (t->type) {
            case GGML_F32: bytes = n * 4; break;
            case GGML_F16: case GGML_BF16: bytes = n * 2; break;
            case GGML_Q8_0:
                if (in % 32 != 0) throw Error(CI_ERR_MODEL, "GGUF: Q8_0 tensor " + name + " rows not a multiple of 32");
                bytes = n / 32 * 34;
                break;
            default: throw Error(CI_ERR_MODEL, "GGUF: tensor " + name + " has unsupported type " + num(t->type));
        }
        if (t->offset % align != 0 || t->offset > map_size_ - data_start || bytes > map_size_ - data_start - t->offset)
            throw Error(CI_ERR_MODEL, "GGUF: tensor " + name + " lies outside the file");
        const uint8_t *src = static_cast<const uint8_t *>(map_) + data_start + t->offset;
        if (t->type == GGML_F32) {
            mapped_bytes_ += bytes;
            return reinterpret_cast<const float *>(src);
        }
        float *dst = own(n);
        if (t->type == GGML_Q8_0) {
            for (uint64_t b = 0; b < n / 32; b++) {
                uint16_t d16;
                std::memcpy(&d16, src + b * 34, 2);
                float d = half_to_float(d16);
                const int8_t *q = reinterpret_cast<const int8_t *>(src + b * 34 + 2);
                for (int j = 0; j < 32; j++) dst[b * 32 + j] = d * static_cast<float>(q[j]);
            }
        } else {
            for (uint64_t i = 0; i < n; i++) {
                uint16_t v;
                std::memcpy(&v, src + 2 * i, 2);
                dst[i] = t->type == GGML_F16 ? half_to_float(v) : bf16_to_float(v);
            }
        }
        return dst;
    };

    const uint64_t D = c.dim, H = c.hidden_dim, KV = c.kv_dim(), V = c.vocab_size;
    Weights &w = weights_;
    w.token_embedding = load("token_embd.weight", D, V);
    w.layer.resize(c.layers);
    for (int l = 0; l < c.layers; l++) {
        std::string b = "blk." + std::to_string(l) + ".";
        Weights::Layer &ly = w.layer[l];
        ly.rms_att = load(b + "attn_norm.weight", D, 1);
        ly.wq = load(b + "attn_q.weight", D, D);
        ly.wk = load(b + "attn_k.weight", D, KV);
        ly.wv = load(b + "attn_v.weight", D, KV);
        ly.wo = load(b + "attn_output.weight", D, D);
        ly.rms_ffn = load(b + "ffn_norm.weight", D, 1);
        ly.w1 = load(b + "ffn_gate.weight", D, H);
        ly.w2 = load(b + "ffn_down.weight", H, D);
        ly.w3 = load(b + "ffn_up.weight", D, H);
    }
    w.rms_final = load("output_norm.weight", D, 1);
    w.classifier = find("output.weight") != nullptr ? load("output.weight", D, V) : w.token_embedding;
}

}  // namespace cloister
