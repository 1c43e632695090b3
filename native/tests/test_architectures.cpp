// GGUF architectures and tensor types: each architecture opens with its shape, and files that are not what their
// metadata says are refused with the name of what is wrong, before any compute: an unknown architecture, a missing
// tensor, a missing bias, a tensor the architecture does not use, a shape that contradicts the metadata, an unsupported
// tensor type, a truncated file, a RoPE scaling type llama.cpp refuses.
#include <unistd.h>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "check.h"
#include "cloister_infer.h"

static std::string maker, tmp;

static std::vector<char> make(const std::string &name, const std::string &args) {
    const std::string path = tmp + "/" + name;
    const std::string cmd = "'" + maker + "' '" + path + "' " + args + " > /dev/null";
    CHECK_MSG(std::system(cmd.c_str()) == 0, "make-random-gguf %s failed", args.c_str());
    std::ifstream in(path, std::ios::binary);
    return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

static std::string open_error(const std::vector<char> &bytes, ci_shape *shape = nullptr) {
    const std::string path = tmp + "/architecture-case.gguf";
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    char err[256] = "";
    ci_options o{};
    o.backend = CI_BACKEND_CPU;
    o.max_sequences = 1;
    ci_engine *e = ci_open(path.c_str(), &o, err, sizeof err);
    if (e == nullptr) return err;
    if (shape != nullptr) ci_get_shape(e, shape);
    std::vector<float> logits(1 << 16);
    int seq = ci_sequence_open(e), token = 1;
    CHECK(ci_prefill(e, seq, &token, 1, logits.data()) == CI_OK);
    ci_close(e);
    return "";
}

// The resident set of this process, in KiB (VmRSS in /proc/self/status).
static long rss_kib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
    return -1;
}

static size_t find(const std::vector<char> &b, const std::string &s) {
    auto it = std::search(b.begin(), b.end(), s.begin(), s.end());
    CHECK_MSG(it != b.end(), "'%s' not in the file", s.c_str());
    return it == b.end() ? 0 : static_cast<size_t>(it - b.begin());
}

static void replace(std::vector<char> &b, const std::string &from, const std::string &to) {
    size_t at = find(b, from);
    std::memcpy(&b[at], to.data(), to.size());
}

static void expect(const std::vector<char> &b, const std::string &needle, const char *what) {
    const std::string err = open_error(b);
    CHECK_MSG(err.find(needle) != std::string::npos, "%s: got '%s', want '%s'", what, err.c_str(), needle.c_str());
}

int main(int argc, char **argv) {
    if (argc < 3) return 77;
    maker = argv[1];
    tmp = argv[2];
    const std::vector<char> llama3 = make("arch-llama3.gguf", "--arch llama3 --type q4_k_m");
    const std::vector<char> qwen2 = make("arch-qwen2.gguf", "--arch qwen2 --type q8_0");
    const std::vector<char> qwen3 = make("arch-qwen3.gguf", "--arch qwen3 --type q6_k");
    ci_shape s{};
    CHECK(open_error(llama3, &s).empty());
    CHECK(s.dim == 256 && s.heads == 4 && s.kv_heads == 2 && s.vocab_size == 512);
    CHECK(open_error(qwen2).empty());
    CHECK(open_error(qwen3, &s).empty());  // head_dim 128: q is 512 wide in a 256-wide model
    CHECK(s.dim == 256 && s.heads == 4);

    std::vector<char> b = qwen3;
    replace(b, "qwen3", "qwen9");  // general.architecture comes first
    expect(b, "architecture 'qwen9' is not supported", "unknown architecture");

    b = qwen3;
    replace(b, "blk.1.attn_k_norm.weight", "blk.1.attn_k_nore.weight");
    expect(b, "missing tensor blk.1.attn_k_norm.weight", "qwen3 without a k norm");

    b = qwen2;
    replace(b, "blk.0.attn_v.bias", "blk.0.attn_v.bia_");
    expect(b, "missing tensor blk.0.attn_v.bias", "qwen2 without a v bias");

    b = llama3;
    replace(b, "rope_freqs.weight", "rope_freqz.weight");
    expect(b, "tensor rope_freqz.weight is not used by architecture llama", "an unused tensor");

    b = qwen3;  // 2 query heads where the tensors have 4
    size_t at = find(b, "qwen3.attention.head_count") + std::strlen("qwen3.attention.head_count") + 4;
    uint32_t v = 2;
    std::memcpy(&b[at], &v, 4);
    expect(b, "blk.0.attn_q.weight has the wrong shape", "head_count contradicting the tensors");

    b = llama3;  // token_embd.weight as Q4_1 (type 3), which the engine does not read
    at = find(b, "token_embd.weight") + std::strlen("token_embd.weight") + 4 + 16;
    v = 3;
    std::memcpy(&b[at], &v, 4);
    expect(b, "token_embd.weight has unsupported type 3", "an unsupported tensor type");

    b = qwen2;
    b.resize(b.size() - 100);
    expect(b, "lies outside the file", "a truncated file");

    const std::vector<char> scaled = make("arch-llama3-scaled.gguf", "--arch llama3 --type f32 --meta llama.rope.scaling.type=llama3");
    expect(scaled, "unknown RoPE scaling type 'llama3'", "rope.scaling.type llama3");
    const std::vector<char> yarn = make("arch-llama3-yarn.gguf", "--arch llama3 --type f32 --meta llama.rope.scaling.type=yarn");
    expect(yarn, "RoPE scaling type yarn is not supported", "rope.scaling.type yarn");
    const std::vector<char> linear = make("arch-llama3-linear.gguf", "--arch llama3 --type f32 --meta llama.rope.scaling.type=linear");
    CHECK(open_error(linear).empty());

    // A long context (Llama 3.2's 131072 positions) commits no memory per position at open: the KV pool is touched as
    // sequences grow, and the attention scratch is one context per thread (it was 64 rows x heads x context, 128 MB
    // here and 1 GB for Llama 3.2 1B, all written at open).
    const std::vector<char> long_context = make("arch-llama3-long.gguf", "--arch llama3 --type q8_0 --shape 256,512,2,4,2,64,512,131072");
    {
        const std::string path = tmp + "/arch-llama3-long.gguf";
        char err[256] = "";
        ci_options o{};
        o.backend = CI_BACKEND_CPU;
        o.max_sequences = 1;
        const long before = rss_kib();
        ci_engine *e = ci_open(path.c_str(), &o, err, sizeof err);
        CHECK_MSG(e != nullptr, "%s", err);
        if (e != nullptr) {
            ci_get_shape(e, &s);
            CHECK(s.seq_len == 131072);
            std::vector<float> logits(512);
            int seq = ci_sequence_open(e), token = 1;
            CHECK(ci_prefill(e, seq, &token, 1, logits.data()) == CI_OK);
            const long grown = rss_kib() - before;
            CHECK_MSG(before > 0 && grown < 48 * 1024, "a 131072-position model grew the resident set by %ld KiB", grown);
            ci_close(e);
        }
        // Many slots of such a context: the default pool is bounded by memory (half of it), not slots x context
        // (4096 x 268 MB here, which was refused as "over 512 GiB").
        o.max_sequences = 4096;
        e = ci_open(path.c_str(), &o, err, sizeof err);
        CHECK_MSG(e != nullptr, "%s", err);
        if (e != nullptr) {
            const long long pool = static_cast<long long>(ci_kv_blocks_total(e)) * ci_kv_block_floats(e) * 4;
            const long long half = static_cast<long long>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGE_SIZE) / 2;
            CHECK_MSG(pool <= half, "default KV pool of %lld bytes over half of memory (%lld)", pool, half);
            CHECK(ci_kv_blocks_total(e) >= 131072 / ci_kv_block_tokens(e));
            ci_close(e);
        }
    }
    return finish("architectures");
}
