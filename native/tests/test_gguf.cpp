// GGUF: the converted stories260K gives bit-identical logits to the llama2.c checkpoint (F32); F16, BF16 and Q8_0
// conversions load and stay close; damaged files are refused with a reason.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "check.h"
#include "cloister_infer.h"

static std::vector<float> run(const std::string &path, const std::vector<int> &prompt, int steps) {
    ci_options o{};
    o.backend = CI_BACKEND_CPU;
    o.threads = 2;
    char err[256];
    ci_engine *e = ci_open(path.c_str(), &o, err, sizeof err);
    if (e == nullptr) {
        std::fprintf(stderr, "open %s: %s\n", path.c_str(), err);
        return {};
    }
    ci_shape s;
    ci_get_shape(e, &s);
    std::vector<float> all, logits(s.vocab_size);
    int seq = ci_sequence_open(e);
    ci_prefill(e, seq, prompt.data(), static_cast<int>(prompt.size()), logits.data());
    all.insert(all.end(), logits.begin(), logits.end());
    for (int i = 0; i < steps; i++) {
        int next = 300 + (i * 37) % 200;  // a fixed, prompt-independent continuation
        ci_decode(e, &seq, &next, 1, logits.data());
        all.insert(all.end(), logits.begin(), logits.end());
    }
    ci_close(e);
    return all;
}

static std::string open_error(const std::string &path) {
    char err[256] = "";
    ci_options o{};
    o.backend = CI_BACKEND_CPU;
    ci_engine *e = ci_open(path.c_str(), &o, err, sizeof err);
    if (e != nullptr) ci_close(e);
    return e != nullptr ? "" : err;
}

int main(int argc, char **argv) {
    if (argc < 4) return 77;
    const std::string dir = argv[1], converter = argv[2], tmp = argv[3];
    const std::string model = dir + "/stories260K.bin", tokenizer = dir + "/tok512.bin";
    if (!std::ifstream(model).good() || !std::ifstream(tokenizer).good()) return 77;
    std::vector<int> prompt = {1, 403, 407, 261, 378};
    std::vector<float> ref = run(model, prompt, 8);
    CHECK(!ref.empty());

    const char *kinds[] = {"f32", "f16", "bf16", "q8_0"};
    const double tolerance[] = {0.0, 0.05, 0.3, 0.75};
    for (int k = 0; k < 4; k++) {
        std::string out = tmp + "/stories260K-" + kinds[k] + ".gguf";
        std::string cmd = "'" + converter + "' '" + model + "' '" + tokenizer + "' '" + out + "' " + kinds[k] + " > /dev/null";
        CHECK_MSG(std::system(cmd.c_str()) == 0, "converter failed for %s", kinds[k]);
        std::vector<float> got = run(out, prompt, 8);
        CHECK_MSG(got.size() == ref.size(), "%s: no logits", kinds[k]);
        if (got.size() != ref.size()) continue;
        if (k == 0) {
            CHECK_MSG(std::memcmp(got.data(), ref.data(), ref.size() * sizeof(float)) == 0, "f32 GGUF logits differ");
        } else {
            double worst = 0;
            for (size_t i = 0; i < ref.size(); i++) worst = std::fmax(worst, std::fabs(got[i] - ref[i]));
            std::printf("%s: max |logit difference| %.4g\n", kinds[k], worst);
            CHECK_MSG(worst > 0 && worst < tolerance[k], "%s: max logit difference %g", kinds[k], worst);
        }
    }

    // Damaged GGUF files: truncated data, truncated header, an unknown version, a wrong architecture.
    std::string f32 = tmp + "/stories260K-f32.gguf";
    std::ifstream in(f32, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto write = [&](const std::string &name, const std::vector<char> &b) {
        std::string p = tmp + "/" + name;
        std::ofstream(p, std::ios::binary | std::ios::trunc).write(b.data(), static_cast<std::streamsize>(b.size()));
        return p;
    };
    std::vector<char> cut(bytes.begin(), bytes.end() - 64);
    CHECK(open_error(write("cut-data.gguf", cut)).find("outside the file") != std::string::npos);
    std::vector<char> head(bytes.begin(), bytes.begin() + 200);
    CHECK(open_error(write("cut-header.gguf", head)).find("truncated") != std::string::npos);
    std::vector<char> ver = bytes;
    ver[4] = 9;
    CHECK(open_error(write("version.gguf", ver)).find("version 9") != std::string::npos);
    std::vector<char> arch = bytes;
    auto pos = std::string(arch.begin(), arch.begin() + 200).find("llama");
    CHECK(pos != std::string::npos);
    if (pos != std::string::npos) arch[pos] = 'x';
    CHECK(open_error(write("arch.gguf", arch)).find("architecture") != std::string::npos);
    std::vector<char> count = bytes;
    uint64_t many = 1ull << 40;
    std::memcpy(&count[8], &many, 8);
    CHECK(open_error(write("count.gguf", count)).find("too many") != std::string::npos);
    return finish("gguf");
}
