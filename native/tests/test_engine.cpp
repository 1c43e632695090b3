// The engine through its C ABI on stories260K: the reference greedy output, batch independence, KV zeroing,
// refused arguments and refused files.
#include <cmath>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "check.h"
#include "cloister_infer.h"

static const int kReference[] = {403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338,
                                 401, 396, 267, 337, 410, 408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385,
                                 328, 432, 358, 394, 261, 370, 432, 352, 266, 268, 388, 426, 338, 391, 266, 267,
                                 337, 335, 312, 432, 398, 312, 286, 267, 414, 270, 333, 415, 426, 13,  438, 310};

static int argmax(const float *v, int n) {
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return best;
}

static ci_engine *open_model(const std::string &path, ci_options o) {
    char err[256];
    ci_engine *e = ci_open(path.c_str(), &o, err, sizeof err);
    if (e == nullptr) std::fprintf(stderr, "open failed: %s\n", err);
    return e;
}

static std::string open_error(const std::string &path, ci_options o) {
    char err[256] = "unset";
    ci_engine *e = ci_open(path.c_str(), &o, err, sizeof err);
    if (e != nullptr) {
        ci_close(e);
        return "";
    }
    return err;
}

// Greedy continuation of `prompt` for `steps` tokens, alone in the engine.
static std::vector<int> greedy(ci_engine *e, const std::vector<int> &prompt, int steps) {
    ci_shape s;
    ci_get_shape(e, &s);
    std::vector<float> logits(s.vocab_size);
    int seq = ci_sequence_open(e);
    std::vector<int> out;
    if (seq < 0 || ci_prefill(e, seq, prompt.data(), static_cast<int>(prompt.size()), logits.data()) != CI_OK) return out;
    for (int i = 0; i < steps; i++) {
        int next = argmax(logits.data(), s.vocab_size);
        out.push_back(next);
        if (i + 1 < steps && ci_decode(e, &seq, &next, 1, logits.data()) != CI_OK) break;
    }
    ci_sequence_close(e, seq);
    return out;
}

int main(int argc, char **argv) {
    if (argc < 2) return 77;
    const std::string dir = argv[1];
    const std::string model = dir + "/stories260K.bin";
    if (!std::ifstream(model).good()) {
        std::printf("no %s: skipped\n", model.c_str());
        return 77;
    }
    const std::string tmp = argc > 3 ? argv[3] : "/tmp";
    ci_options o{};
    o.backend = CI_BACKEND_CPU;
    o.threads = 2;
    o.max_sequences = 32;
    o.kv_block_tokens = 16;
    ci_engine *e = open_model(model, o);
    CHECK(e != nullptr);
    if (e == nullptr) return finish("engine");
    ci_shape s;
    ci_get_shape(e, &s);
    CHECK(s.dim == 64 && s.hidden_dim == 172 && s.layers == 5 && s.heads == 8 && s.kv_heads == 4 && s.vocab_size == 512 &&
          s.seq_len == 512);
    CHECK(ci_backend(e) == CI_BACKEND_CPU);

    // 1. llama2.c run.c, greedy, 64 steps from BOS + "Once upon a time": the prompt ids then 60 generated ids.
    std::vector<int> prompt = {1, 403, 407, 261, 378};
    std::vector<int> got = greedy(e, prompt, 60);
    CHECK(got.size() == 60);
    for (size_t i = 0; i < got.size(); i++)
        CHECK_MSG(got[i] == kReference[4 + i], "step %zu: got %d, want %d", i, got[i], kReference[4 + i]);

    // The same with the prefill split into chunks of 2 (a fresh engine: chunking must not change the result).
    {
        ci_options small = o;
        small.prefill_chunk = 2;
        ci_engine *c = open_model(model, small);
        std::vector<int> chunked = greedy(c, prompt, 60);
        CHECK(chunked == got);
        ci_close(c);
    }

    // 2. Batching changes nothing: sequence 0 alone vs among 31 others with different prompts and lengths.
    {
        const int steps = 40, batch = 32;
        std::vector<int> alone = greedy(e, prompt, steps);
        std::vector<int> seqs(batch), next(batch);
        std::vector<float> logits(static_cast<size_t>(batch) * s.vocab_size);
        std::vector<std::vector<int>> outs(batch);
        for (int b = 0; b < batch; b++) {
            seqs[b] = ci_sequence_open(e);
            std::vector<int> p = b == 0 ? prompt : std::vector<int>{1, 300 + b, 260 + (b * 7) % 200};
            for (int extra = 0; extra < b % 5; extra++) p.push_back(400 + extra);
            CHECK(ci_prefill(e, seqs[b], p.data(), static_cast<int>(p.size()), &logits[static_cast<size_t>(b) * s.vocab_size]) == CI_OK);
        }
        for (int step = 0; step < steps; step++) {
            for (int b = 0; b < batch; b++) {
                next[b] = argmax(&logits[static_cast<size_t>(b) * s.vocab_size], s.vocab_size);
                outs[b].push_back(next[b]);
            }
            if (step + 1 < steps) CHECK(ci_decode(e, seqs.data(), next.data(), batch, logits.data()) == CI_OK);
        }
        CHECK(outs[0] == alone);
        for (int b = 0; b < batch; b++) CHECK(ci_sequence_close(e, seqs[b]) == CI_OK);
        CHECK(ci_kv_blocks_free(e) == ci_kv_blocks_total(e));
    }

    // 3. Closing a sequence zeroes its KV blocks.
    {
        int seq = ci_sequence_open(e);
        std::vector<int> toks(40, 300);
        toks[0] = 1;
        std::vector<float> logits(s.vocab_size);
        CHECK(ci_prefill(e, seq, toks.data(), 40, logits.data()) == CI_OK);
        CHECK(ci_sequence_position(e, seq) == 40);
        int32_t blocks[8];
        int n = ci_debug_sequence_blocks(e, seq, blocks, 8);
        CHECK(n == 3);  // 40 tokens in blocks of 16
        std::vector<float> mem(static_cast<size_t>(ci_kv_block_floats(e)));
        auto nonzero = [&](int block) {
            CHECK(ci_debug_read_kv_block(e, block, mem.data()) == CI_OK);
            size_t count = 0;
            for (float v : mem) count += v != 0.0f;
            return count;
        };
        for (int i = 0; i < n; i++) CHECK(nonzero(blocks[i]) > 0);
        CHECK(ci_sequence_close(e, seq) == CI_OK);
        for (int i = 0; i < n; i++) CHECK_MSG(nonzero(blocks[i]) == 0, "block %d not zeroed", blocks[i]);
        CHECK(ci_sequence_position(e, seq) == CI_ERR_ARGUMENT);
    }

    // 4. Refused arguments leave the engine as it was.
    {
        std::vector<float> logits(static_cast<size_t>(s.vocab_size) * 2);
        int seq = ci_sequence_open(e);
        int bad[] = {1, 512};
        CHECK(ci_prefill(e, seq, bad, 2, logits.data()) == CI_ERR_ARGUMENT);
        CHECK(std::strstr(ci_last_error(e), "token 512") != nullptr);
        int neg[] = {-1};
        CHECK(ci_prefill(e, seq, neg, 1, logits.data()) == CI_ERR_ARGUMENT);
        CHECK(ci_sequence_position(e, seq) == 0);
        int ok[] = {1};
        CHECK(ci_prefill(e, seq, ok, 0, logits.data()) == CI_ERR_ARGUMENT);
        CHECK(ci_prefill(e, seq, nullptr, 1, logits.data()) == CI_ERR_ARGUMENT);
        CHECK(ci_prefill(e, seq, ok, 1, nullptr) == CI_ERR_ARGUMENT);
        CHECK(ci_prefill(e, 31, ok, 1, logits.data()) == CI_ERR_ARGUMENT);   // not open
        CHECK(ci_prefill(e, 99, ok, 1, logits.data()) == CI_ERR_ARGUMENT);   // no such slot
        CHECK(ci_prefill(e, -1, ok, 1, logits.data()) == CI_ERR_ARGUMENT);
        int twice[] = {seq, seq}, toks[] = {1, 1};
        CHECK(ci_decode(e, twice, toks, 2, logits.data()) == CI_ERR_ARGUMENT);
        CHECK(std::strstr(ci_last_error(e), "twice") != nullptr);
        CHECK(ci_decode(e, twice, toks, 0, logits.data()) == CI_ERR_ARGUMENT);
        CHECK(ci_decode(e, twice, toks, 33, logits.data()) == CI_ERR_ARGUMENT);
        CHECK(ci_sequence_position(e, seq) == 0);
        // Past the context: 512 positions exactly fit, one more is refused.
        std::vector<int> full(512, 300);
        CHECK(ci_prefill(e, seq, full.data(), 512, logits.data()) == CI_OK);
        CHECK(ci_decode(e, &seq, ok, 1, logits.data()) == CI_ERR_ARGUMENT);
        CHECK(std::strstr(ci_last_error(e), "end of the context") != nullptr);
        CHECK(ci_sequence_close(e, seq) == CI_OK);
        CHECK(ci_sequence_close(e, seq) == CI_ERR_ARGUMENT);  // already closed
        int seq2 = ci_sequence_open(e);
        CHECK(ci_prefill(e, seq2, full.data(), 512, logits.data()) == CI_OK);
        CHECK(ci_prefill(e, seq2, ok, 1, logits.data()) == CI_ERR_ARGUMENT);
        ci_sequence_close(e, seq2);
        CHECK(ci_debug_read_kv_block(e, -1, logits.data()) == CI_ERR_ARGUMENT);
        CHECK(ci_debug_read_kv_block(e, ci_kv_blocks_total(e), logits.data()) == CI_ERR_ARGUMENT);
    }
    // Every slot open: the next is refused.
    {
        std::vector<int> seqs;
        for (int i = 0; i < 32; i++) seqs.push_back(ci_sequence_open(e));
        CHECK(ci_sequence_open(e) == CI_ERR_MEMORY);
        for (int q : seqs) ci_sequence_close(e, q);
    }
    ci_close(e);

    // KV memory bounded by configuration: 3 blocks of 16 tokens; a 4th block is refused atomically.
    {
        ci_options tight = o;
        tight.kv_blocks = 3;
        ci_engine *t = open_model(model, tight);
        CHECK(ci_kv_blocks_total(t) == 3);
        std::vector<float> logits(s.vocab_size);
        std::vector<int> toks(40, 300);
        int a = ci_sequence_open(t), b = ci_sequence_open(t);
        CHECK(ci_prefill(t, a, toks.data(), 40, logits.data()) == CI_OK);
        CHECK(ci_prefill(t, b, toks.data(), 1, logits.data()) == CI_ERR_MEMORY);
        CHECK(ci_sequence_position(t, b) == 0);
        CHECK(ci_kv_blocks_free(t) == 0);
        CHECK(ci_sequence_close(t, a) == CI_OK);
        CHECK(ci_prefill(t, b, toks.data(), 1, logits.data()) == CI_OK);
        ci_close(t);
    }

    // Refused options and files.
    {
        ci_options bad = o;
        bad.threads = -1;
        CHECK(open_error(model, bad).find("threads") != std::string::npos);
        bad = o;
        bad.backend = 7;
        CHECK(open_error(model, bad).find("backend") != std::string::npos);
        if (!ci_cuda_built()) {
            bad = o;
            bad.backend = CI_BACKEND_CUDA;
            CHECK(open_error(model, bad).find("CUDA backend unavailable") != std::string::npos);
        }
        CHECK(open_error(tmp + "/does-not-exist.bin", o).find("cannot open") != std::string::npos);
        CHECK(open_error(tmp, o).find("not a regular file") != std::string::npos);
        // A truncated checkpoint and a header with absurd sizes.
        std::ifstream in(model, std::ios::binary);
        std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::string cut = tmp + "/truncated.bin";
        std::ofstream(cut, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() - 4));
        CHECK(open_error(cut, o).find("header implies") != std::string::npos);
        std::vector<char> header(bytes.begin(), bytes.begin() + 28);
        int32_t huge = 1 << 30;
        std::memcpy(header.data(), &huge, 4);
        std::string absurd = tmp + "/absurd.bin";
        std::ofstream(absurd, std::ios::binary).write(header.data(), 28);
        CHECK(open_error(absurd, o).find("dim") != std::string::npos);
        int32_t gqa_bad = 3;
        std::memcpy(header.data(), bytes.data(), 28);
        std::memcpy(header.data() + 16, &gqa_bad, 4);  // 8 heads over 3 kv heads
        std::ofstream(absurd, std::ios::binary).write(header.data(), 28);
        CHECK(open_error(absurd, o).find("kv_heads") != std::string::npos);
    }

    // ci_open's error buffer: the text, its NUL, then zeros to the end (no earlier contents left behind); a short
    // buffer gets the text cut to its length less one, NUL-terminated; a zero-length or NULL buffer is not written.
    {
        const std::string missing = tmp + "/does-not-exist.bin";
        const std::string text = "cannot open the model file (errno 2)";
        char err[64];
        std::memset(err, 0x55, sizeof err);
        CHECK(ci_open(missing.c_str(), &o, err, sizeof err) == nullptr);
        size_t n = strnlen(err, sizeof err);
        CHECK_MSG(std::string(err, n) == text, "got '%.*s'", static_cast<int>(n), err);
        size_t dirty = 0;
        for (size_t i = n; i < sizeof err; i++) dirty += err[i] != 0;
        CHECK_MSG(dirty == 0, "%zu bytes past the text are not zero", dirty);

        char small[8];
        std::memset(small, 0x55, sizeof small);
        CHECK(ci_open(missing.c_str(), &o, small, sizeof small) == nullptr);
        CHECK(small[7] == '\0' && std::string(small) == text.substr(0, 7));
        char one = 0x55;
        CHECK(ci_open(missing.c_str(), &o, &one, 1) == nullptr);
        CHECK(one == '\0');
        char untouched[4];
        std::memset(untouched, 0x55, sizeof untouched);
        CHECK(ci_open(missing.c_str(), &o, untouched, 0) == nullptr);
        CHECK(untouched[0] == 0x55 && untouched[3] == 0x55);
        CHECK(ci_open(missing.c_str(), &o, nullptr, 64) == nullptr);
        std::memset(err, 0x55, sizeof err);
        CHECK(ci_open(nullptr, &o, err, sizeof err) == nullptr);
        CHECK(std::string(err) == "no model path" && err[sizeof err - 1] == 0);
    }
    return finish("engine");
}
