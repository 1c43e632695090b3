// Runs the engine from the command line: greedy decode of B sequences, prefill timing, logits dump.
//
//   cloister-infer-run MODEL [--backend auto|cpu|cuda] [--bf16] [--threads N] [--batch B] [--steps N]
//                            [--prefill N | --prompt ID,ID,...] [--prefill-chunk N] [--dump-logits FILE] [--tokens]
//                            [--forced]
//
// --prompt gives sequence 0's prompt as token ids (default: BOS, then --prefill tokens of a fixed pattern).
// --prefill-chunk sets the engine's prefill_chunk (rows per prefill forward pass; default: the engine's).
// --dump-logits writes the float logits of every sequence before each step (the first: after the prompt).
// Prints one line of key=value results (backend, prefill_tok_s, decode_tok_s, the resident set size with the model
// loaded and after the run, the model file's size) for scripts.
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cloister_infer.h"

// Resident set size in MiB (VmRSS of /proc/self/status), or -1 where there is none.
static double rss_mib() {
    FILE *f = std::fopen("/proc/self/status", "r");
    if (f == nullptr) return -1;
    char line[256];
    double kib = -1;
    while (std::fgets(line, sizeof line, f) != nullptr)
        if (std::strncmp(line, "VmRSS:", 6) == 0) kib = std::atof(line + 6);
    std::fclose(f);
    return kib < 0 ? -1 : kib / 1024;
}

static double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int main(int argc, char **argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: cloister-infer-run MODEL [--backend auto|cpu|cuda] [--bf16] [--threads N] [--batch B] "
                             "[--steps N] [--prefill N] [--prefill-chunk N] [--dump-logits FILE] [--tokens] [--forced]\n");
        return 2;
    }
    ci_options o{};
    int batch = 1, steps = 64, prefill = 0;
    const char *dump = nullptr;
    std::vector<int> prompt;
    bool print_tokens = false, forced = false;
    for (int i = 2; i < argc; i++) {
        std::string a = argv[i];
        auto val = [&]() -> const char * {
            if (i + 1 >= argc) { std::fprintf(stderr, "%s needs a value\n", a.c_str()); std::exit(2); }
            return argv[++i];
        };
        if (a == "--backend") {
            std::string b = val();
            o.backend = b == "cpu" ? CI_BACKEND_CPU : b == "cuda" ? CI_BACKEND_CUDA : CI_BACKEND_AUTO;
        } else if (a == "--bf16") o.weight_type = CI_WEIGHTS_BF16;
        else if (a == "--threads") o.threads = std::atoi(val());
        else if (a == "--batch") batch = std::atoi(val());
        else if (a == "--steps") steps = std::atoi(val());
        else if (a == "--prefill") prefill = std::atoi(val());
        else if (a == "--prefill-chunk") o.prefill_chunk = std::atoi(val());
        else if (a == "--prompt") {
            std::string list = val();
            for (size_t at = 0; at < list.size();) {
                size_t comma = list.find(',', at);
                if (comma == std::string::npos) comma = list.size();
                prompt.push_back(std::atoi(list.substr(at, comma - at).c_str()));
                at = comma + 1;
            }
            if (prompt.empty()) { std::fprintf(stderr, "--prompt needs token ids\n"); return 2; }
        }
        else if (a == "--dump-logits") dump = val();
        else if (a == "--tokens") print_tokens = true;
        else if (a == "--forced") forced = true;  // feed a fixed token pattern instead of the argmax
        else { std::fprintf(stderr, "unknown option %s\n", a.c_str()); return 2; }
    }
    if (batch < 1 || steps < 1 || prefill < 0) { std::fprintf(stderr, "bad --batch/--steps/--prefill\n"); return 2; }
    o.max_sequences = batch;
    char err[512];
    double t0 = now();
    ci_engine *e = ci_open(argv[1], &o, err, sizeof err);
    if (e == nullptr) { std::fprintf(stderr, "open: %s\n", err); return 1; }
    double t_load = now() - t0;
    const double rss_loaded = rss_mib();
    ci_shape s;
    ci_get_shape(e, &s);
    std::vector<float> logits(static_cast<size_t>(batch) * s.vocab_size);
    std::vector<int> seqs(batch), next(batch);
    FILE *df = dump != nullptr ? std::fopen(dump, "wb") : nullptr;

    // Prefill: sequence 0 gets BOS then `prefill` tokens of a fixed pattern; the others get BOS only.
    double prefill_s = 0;
    for (int b = 0; b < batch; b++) {
        seqs[b] = ci_sequence_open(e);
        std::vector<int> p = {1};
        if (b == 0 && !prompt.empty()) p = prompt;
        else if (b == 0)
            for (int i = 0; i < prefill; i++) p.push_back(3 + (i * 7919) % (s.vocab_size - 3));
        if (b % 2 == 1) p.push_back(3 + (b * 131) % (s.vocab_size - 3));  // varied lengths
        double t = now();
        if (ci_prefill(e, seqs[b], p.data(), static_cast<int>(p.size()), &logits[static_cast<size_t>(b) * s.vocab_size]) != CI_OK) {
            std::fprintf(stderr, "prefill: %s\n", ci_last_error(e));
            return 1;
        }
        if (b == 0) prefill_s = now() - t;
    }
    if (!prompt.empty()) prefill = static_cast<int>(prompt.size()) - 1;
    int max_steps = s.seq_len - 2 - prefill;
    if (steps > max_steps) steps = max_steps;
    double t = now();
    for (int step = 0; step < steps; step++) {
        for (int b = 0; b < batch; b++) {
            const float *l = &logits[static_cast<size_t>(b) * s.vocab_size];
            int best = 0;
            for (int i = 1; i < s.vocab_size; i++)
                if (l[i] > l[best]) best = i;
            next[b] = forced ? 3 + (step * 31 + b * 17) % (s.vocab_size - 3) : best;
        }
        if (df != nullptr) std::fwrite(logits.data(), sizeof(float), logits.size(), df);
        if (print_tokens) std::printf("%d ", next[0]);
        if (ci_decode(e, seqs.data(), next.data(), batch, logits.data()) != CI_OK) {
            std::fprintf(stderr, "decode: %s\n", ci_last_error(e));
            return 1;
        }
    }
    double decode_s = now() - t;
    if (print_tokens) std::printf("\n");
    if (df != nullptr) std::fclose(df);
    struct stat st {};
    const double file_mib = stat(argv[1], &st) == 0 ? st.st_size / 1048576.0 : -1;
    std::printf("backend=\"%s\" load_s=%.3f batch=%d steps=%d decode_tok_s=%.1f prefill_tokens=%d prefill_tok_s=%.1f "
                "file_mib=%.1f rss_loaded_mib=%.1f rss_end_mib=%.1f\n",
                ci_backend_name(e), t_load, batch, steps, steps * static_cast<double>(batch) / decode_s, prefill + 1,
                prefill > 0 ? (prefill + 1) / prefill_s : 0.0, file_mib, rss_loaded, rss_mib());
    ci_close(e);
    return 0;
}
