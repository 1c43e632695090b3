// Times llama.cpp (the prebuilt CPU libraries of node-llama-cpp 3.21.1) the way cloister-infer-run times the engine,
// on the same GGUF with the same thread count; built and run by speed.sh (native/reference/llama-speed).
//
//   llama_speed MODEL THREADS decode N     batch-1 greedy decode: BOS, then N tokens, one llama_decode each
//   llama_speed MODEL THREADS prefill N    one prompt of N tokens (BOS + a fixed pattern) in one llama_decode
//   llama_speed MODEL THREADS batch B N    B sequences (BOS each), then N steps of one token for each, in one batch
//
// Prints tok_s=<tokens per second>. llama.cpp runs with its defaults otherwise (F16 KV cache, flash attention auto).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ggml-backend.h"
#include "llama.h"

static void quiet(enum ggml_log_level level, const char *text, void *data) {
    (void)data;
    if (level >= GGML_LOG_LEVEL_ERROR) fputs(text, stderr);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static llama_token argmax(const float *l, int n) {
    llama_token best = 0;
    for (int t = 1; t < n; t++)
        if (l[t] > l[best]) best = t;
    return best;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: llama_speed MODEL THREADS decode|prefill N | batch B N\n");
        return 2;
    }
    const char *bins = getenv("LLAMA_BINS");
    llama_log_set(quiet, NULL);
    ggml_backend_load_all_from_path(bins);
    const int threads = atoi(argv[2]);
    const char *mode = argv[3];
    const int batch = strcmp(mode, "batch") == 0 ? atoi(argv[4]) : 1;
    const int n = atoi(argv[strcmp(mode, "batch") == 0 ? 5 : 4]);
    struct llama_model_params mp = llama_model_default_params();
    struct llama_model *model = llama_model_load_from_file(argv[1], mp);
    if (!model) { fprintf(stderr, "cannot load %s\n", argv[1]); return 1; }
    const int vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = (uint32_t)((n + 8) * batch > 512 ? (n + 8) * batch : 512);
    cp.n_batch = cp.n_ubatch = (uint32_t)(n > batch ? (n > 512 ? n : 512) : 512);
    cp.n_seq_max = (uint32_t)batch;
    cp.n_threads = cp.n_threads_batch = threads;
    cp.no_perf = true;
    struct llama_context *ctx = llama_init_from_model(model, cp);
    if (!ctx) { fprintf(stderr, "cannot create a context\n"); return 1; }
    double seconds = 0;
    long tokens = 0;
    if (strcmp(mode, "prefill") == 0) {
        llama_token *p = malloc(sizeof(llama_token) * n);
        p[0] = 1;
        for (int i = 1; i < n; i++) p[i] = 3 + (i * 7919) % (vocab - 3);
        double t = now();
        if (llama_decode(ctx, llama_batch_get_one(p, n)) != 0) { fprintf(stderr, "decode failed\n"); return 1; }
        seconds = now() - t;
        tokens = n;
        free(p);
    } else {
        struct llama_batch b = llama_batch_init(batch, 0, 1);
        llama_token next[256];
        for (int s = 0; s < batch; s++) next[s] = 1;
        for (int step = 0; step <= n; step++) {
            b.n_tokens = batch;
            for (int s = 0; s < batch; s++) {
                b.token[s] = next[s];
                b.pos[s] = step;
                b.n_seq_id[s] = 1;
                b.seq_id[s][0] = s;
                b.logits[s] = 1;
            }
            double t = now();
            if (llama_decode(ctx, b) != 0) { fprintf(stderr, "decode failed\n"); return 1; }
            for (int s = 0; s < batch; s++) next[s] = argmax(llama_get_logits_ith(ctx, s), vocab);
            if (step > 0) {  // step 0 is the BOS (the prompt), as cloister-infer-run times decode after its prefill
                seconds += now() - t;
                tokens += batch;
            }
        }
        llama_batch_free(b);
    }
    printf("tok_s=%.1f\n", tokens / seconds);
    llama_free(ctx);
    llama_model_free(model);
    return 0;
}
