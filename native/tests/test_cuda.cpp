// CUDA against CPU on stories260K: logits within 1e-3 (fp32 weights) and 2e-2 (bf16 weights) relative to the largest
// logit, the same greedy tokens in fp32, batch of 32 as well as batch of 1 (and bit-identical sequence-0 logits in
// both), and KV blocks zeroed on close. Then every architecture (llama3, qwen2, qwen3) in every tensor type, from
// make-random-gguf: CUDA decodes the weights exactly and multiplies them with fp32 activations, the CPU rounds the
// activations as llama.cpp does (q8_0/q8_K/fp16/bf16), so the two differ by that rounding: within 1e-3 of the largest
// logit for F32, 2e-2 for F16/BF16, 6e-2 for the block types; sequence 0 bit-identical at batch 1 and 8 on the GPU.
// Skipped (77) on a machine without a usable GPU.
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "check.h"
#include "cloister_infer.h"

struct Trace {
    std::vector<float> logits;  // per step, per sequence
    std::vector<int> tokens;    // sequence 0's greedy tokens
};

static Trace run(ci_engine *e, int batch, int steps) {
    ci_shape s;
    ci_get_shape(e, &s);
    Trace tr;
    std::vector<int> seqs(batch), next(batch);
    std::vector<float> logits(static_cast<size_t>(batch) * s.vocab_size);
    for (int b = 0; b < batch; b++) {
        seqs[b] = ci_sequence_open(e);
        std::vector<int> p = {1, 403, 407, 261, 378};
        if (b > 0) p = {1, 300 + b, 260 + (b * 7) % 200};
        CHECK(ci_prefill(e, seqs[b], p.data(), static_cast<int>(p.size()), &logits[static_cast<size_t>(b) * s.vocab_size]) == CI_OK);
    }
    for (int step = 0; step < steps; step++) {
        tr.logits.insert(tr.logits.end(), logits.begin(), logits.end());
        for (int b = 0; b < batch; b++) {
            const float *l = &logits[static_cast<size_t>(b) * s.vocab_size];
            int best = 0;
            for (int i = 1; i < s.vocab_size; i++)
                if (l[i] > l[best]) best = i;
            next[b] = best;
        }
        tr.tokens.push_back(next[0]);
        if (ci_decode(e, seqs.data(), next.data(), batch, logits.data()) != CI_OK) {
            std::fprintf(stderr, "decode: %s\n", ci_last_error(e));
            g_failures++;
            break;
        }
    }
    for (int b = 0; b < batch; b++) ci_sequence_close(e, seqs[b]);
    return tr;
}

static double max_relative(const std::vector<float> &a, const std::vector<float> &b, size_t vocab) {
    double worst = 0;
    for (size_t row = 0; row * vocab < a.size(); row++) {
        double scale = 1e-6;
        for (size_t i = 0; i < vocab; i++) scale = std::fmax(scale, std::fabs(a[row * vocab + i]));
        for (size_t i = 0; i < vocab; i++) worst = std::fmax(worst, std::fabs(a[row * vocab + i] - b[row * vocab + i]) / scale);
    }
    return worst;
}

int main(int argc, char **argv) {
    if (argc < 2) return 77;
    const std::string model = std::string(argv[1]) + "/stories260K.bin";
    if (!std::ifstream(model).good()) return 77;
    char err[256];
    ci_options o{};
    o.backend = CI_BACKEND_CUDA;
    o.max_sequences = 32;
    ci_engine *gpu = ci_open(model.c_str(), &o, err, sizeof err);
    if (gpu == nullptr) {
        std::printf("no CUDA backend here (%s): skipped\n", err);
        return 77;
    }
    std::printf("backend: %s\n", ci_backend_name(gpu));
    o.backend = CI_BACKEND_CPU;
    ci_engine *cpu = ci_open(model.c_str(), &o, err, sizeof err);
    o.backend = CI_BACKEND_CUDA;
    o.weight_type = CI_WEIGHTS_BF16;
    ci_engine *bf16 = ci_open(model.c_str(), &o, err, sizeof err);
    CHECK(cpu != nullptr && bf16 != nullptr);
    if (cpu == nullptr || bf16 == nullptr) return finish("cuda");
    const size_t vocab = 512;
    std::vector<float> alone_f32, alone_bf16;  // sequence 0's logits per step at batch 1
    for (int batch : {1, 32}) {
        Trace c = run(cpu, batch, 40), g = run(gpu, batch, 40), h = run(bf16, batch, 40);
        // Batching changes nothing on the GPU either: sequence 0's logits are bit-identical at batch 1 and 32.
        std::vector<float> g0, h0;
        for (int step = 0; step < 40; step++) {
            size_t at = static_cast<size_t>(step) * batch * vocab;
            g0.insert(g0.end(), g.logits.begin() + at, g.logits.begin() + at + vocab);
            h0.insert(h0.end(), h.logits.begin() + at, h.logits.begin() + at + vocab);
        }
        if (batch == 1) {
            alone_f32 = g0;
            alone_bf16 = h0;
        } else {
            CHECK_MSG(g0 == alone_f32, "fp32: sequence 0 differs between batch 1 and batch %d", batch);
            CHECK_MSG(h0 == alone_bf16, "bf16: sequence 0 differs between batch 1 and batch %d", batch);
        }
        double f32 = max_relative(c.logits, g.logits, vocab), b16 = max_relative(c.logits, h.logits, vocab);
        std::printf("batch %d: max relative logit difference fp32 %.3g, bf16 %.3g\n", batch, f32, b16);
        CHECK_MSG(f32 <= 1e-3, "fp32 CUDA vs CPU %g at batch %d", f32, batch);
        CHECK_MSG(b16 <= 2e-2, "bf16 CUDA vs CPU %g at batch %d", b16, batch);
        CHECK(c.tokens == g.tokens);
    }
    // KV blocks zeroed on close, on the device too.
    int seq = ci_sequence_open(gpu);
    std::vector<int> toks(20, 300);
    std::vector<float> logits(vocab), mem(static_cast<size_t>(ci_kv_block_floats(gpu)));
    CHECK(ci_prefill(gpu, seq, toks.data(), 20, logits.data()) == CI_OK);
    int32_t blocks[4];
    int n = ci_debug_sequence_blocks(gpu, seq, blocks, 4);
    CHECK(n == 2);
    CHECK(ci_debug_read_kv_block(gpu, blocks[0], mem.data()) == CI_OK);
    bool any = false;
    for (float v : mem) any |= v != 0.0f;
    CHECK(any);
    CHECK(ci_sequence_close(gpu, seq) == CI_OK);
    for (int i = 0; i < n; i++) {
        CHECK(ci_debug_read_kv_block(gpu, blocks[i], mem.data()) == CI_OK);
        for (float v : mem) {
            if (v != 0.0f) {
                CHECK_MSG(false, "block %d not zeroed", blocks[i]);
                break;
            }
        }
    }
    ci_close(gpu);
    ci_close(cpu);
    ci_close(bf16);

    if (argc > 3) {  // the architectures and tensor types of make-random-gguf
        const std::string maker = argv[2], tmp = argv[3];
        // Every architecture and type in the tiny shape, plus 288-wide rows: Q5_0/Q8_0 (q4_k_m) and Q5_1 (q5_k) fallbacks.
        std::vector<std::array<std::string, 3>> cases;
        for (const char *a : {"llama3", "qwen2", "qwen3"})
            for (const char *ty : {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_k", "q5_k", "q6_k", "q4_k_m"}) cases.push_back({a, ty, "tiny"});
        cases.push_back({"llama3", "q4_k_m", "288,768,2,6,3,48,512,512"});
        cases.push_back({"qwen2", "q5_k", "288,768,2,6,3,48,512,512"});
        int index = 0;
        for (const auto &cs : cases) {
            {
                const char *arch = cs[0].c_str(), *type = cs[1].c_str();
                const std::string path = tmp + "/cuda-" + std::to_string(index++) + ".gguf";
                const std::string cmd = "'" + maker + "' '" + path + "' --arch " + arch + " --type " + type + " --shape " + cs[2] +
                                        " > /dev/null";
                CHECK(std::system(cmd.c_str()) == 0);
                ci_options q{};
                q.max_sequences = 8;
                q.backend = CI_BACKEND_CPU;
                ci_engine *c = ci_open(path.c_str(), &q, err, sizeof err);
                q.backend = CI_BACKEND_CUDA;
                ci_engine *g = ci_open(path.c_str(), &q, err, sizeof err);
                CHECK_MSG(c != nullptr && g != nullptr, "%s %s: %s", arch, type, err);
                if (c == nullptr || g == nullptr) continue;
                ci_shape sh;
                ci_get_shape(g, &sh);
                const std::string t = type;
                const double tolerance = t == "f32" ? 1e-3 : (t == "f16" || t == "bf16") ? 2e-2 : 6e-2;
                std::vector<float> g_alone;
                for (int batch : {1, 8}) {
                    Trace ct = run(c, batch, 12), gt = run(g, batch, 12);
                    const double d = max_relative(ct.logits, gt.logits, sh.vocab_size);
                    std::printf("%s %s batch %d: max relative logit difference CUDA vs CPU %.3g\n", arch, type, batch, d);
                    CHECK_MSG(d <= tolerance, "%s %s: CUDA vs CPU %g at batch %d", arch, type, d, batch);
                    if (t == "f32") CHECK(ct.tokens == gt.tokens);
                    std::vector<float> g0;
                    for (int step = 0; step < 12; step++) {
                        const size_t at = static_cast<size_t>(step) * batch * sh.vocab_size;
                        g0.insert(g0.end(), gt.logits.begin() + at, gt.logits.begin() + at + sh.vocab_size);
                    }
                    if (batch == 1) g_alone = g0;
                    else CHECK_MSG(g0 == g_alone, "%s %s: sequence 0 differs between batch 1 and 8", arch, type);
                }
                ci_close(c);
                ci_close(g);
                std::remove(path.c_str());
            }
        }
    }
    return finish("cuda");
}
