// Reference outputs of llama.cpp (the libllama/libggml that node-llama-cpp 3.21.1 ships prebuilt) for Cloister's
// tests; built and run by make-fixtures.sh.
//
//   llama_logits run MODEL.gguf PROMPTS.txt STEPS OUT.bin > OUT.json
//       For each line of PROMPTS.txt (token ids separated by spaces): a fresh KV cache (F32 keys and values, no flash
//       attention, so that nothing but the weights is rounded), the prompt decoded as one batch, the last position's
//       logits appended to OUT.bin (float32, little-endian), then STEPS greedy tokens (argmax, first index on a tie),
//       each fed back. Prints a JSON index: per prompt its tokens, its greedy continuation, and the logits' offset.
//   llama_logits quant TYPE ELEMENTS OUT_BLOCKS OUT_FLOATS
//       Quantizes ELEMENTS values of a fixed pattern with ggml's own quantizer (ggml_quantize_chunk) into OUT_BLOCKS
//       and writes ggml's dequantization of those bytes (type traits' to_float) to OUT_FLOATS.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ggml-backend.h"
#include "ggml.h"
#include "llama.h"

static void quiet(enum ggml_log_level level, const char *text, void *data) {
    (void)data;
    if (level >= GGML_LOG_LEVEL_ERROR) fputs(text, stderr);
}

static int run(const char *model_path, const char *prompts_path, int steps, const char *out_path) {
    struct llama_model_params mp = llama_model_default_params();
    struct llama_model *model = llama_model_load_from_file(model_path, mp);
    if (!model) { fprintf(stderr, "cannot load %s\n", model_path); return 1; }
    const struct llama_vocab *vocab = llama_model_get_vocab(model);
    int n_vocab = llama_vocab_n_tokens(vocab);

    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = 512;
    cp.n_batch = 512;
    cp.n_ubatch = 512;
    cp.n_seq_max = 1;
    cp.n_threads = 1; // ggml's spinning pool starves on a shared machine; the results do not depend on it
    cp.n_threads_batch = 1;
    cp.type_k = GGML_TYPE_F32;
    cp.type_v = GGML_TYPE_F32;
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    cp.no_perf = true;
    struct llama_context *ctx = llama_init_from_model(model, cp);
    if (!ctx) { fprintf(stderr, "cannot create a context\n"); return 1; }

    FILE *prompts = fopen(prompts_path, "r");
    FILE *out = fopen(out_path, "wb");
    if (!prompts || !out) { fprintf(stderr, "cannot open %s or %s\n", prompts_path, out_path); return 1; }

    char desc[256];
    llama_model_desc(model, desc, sizeof desc);
    printf("{\n  \"model\": \"%s\",\n  \"description\": \"%s\",\n  \"vocabulary\": %d,\n  \"steps\": %d,\n",
           strrchr(model_path, '/') ? strrchr(model_path, '/') + 1 : model_path, desc, n_vocab, steps);
    printf("  \"prompts\": [\n");
    char line[65536];
    int index = 0;
    while (fgets(line, sizeof line, prompts)) {
        llama_token tokens[4096];
        int n = 0;
        for (char *p = strtok(line, " \t\r\n"); p && n < 4096; p = strtok(NULL, " \t\r\n")) tokens[n++] = atoi(p);
        if (n == 0) continue;
        llama_memory_clear(llama_get_memory(ctx), true);
        if (llama_decode(ctx, llama_batch_get_one(tokens, n)) != 0) { fprintf(stderr, "decode failed\n"); return 1; }
        const float *logits = llama_get_logits_ith(ctx, -1);
        fwrite(logits, sizeof(float), n_vocab, out);
        printf("%s    {\"tokens\": [", index ? ",\n" : "");
        for (int i = 0; i < n; i++) printf("%s%d", i ? ", " : "", tokens[i]);
        printf("], \"logits\": %d, \"greedy\": [", index);
        for (int s = 0; s < steps; s++) {
            const float *l = llama_get_logits_ith(ctx, -1);
            llama_token best = 0;
            for (int t = 1; t < n_vocab; t++) if (l[t] > l[best]) best = t;
            printf("%s%d", s ? ", " : "", best);
            if (s + 1 < steps && llama_decode(ctx, llama_batch_get_one(&best, 1)) != 0) {
                fprintf(stderr, "decode failed\n");
                return 1;
            }
        }
        printf("]}");
        index++;
    }
    printf("\n  ]\n}\n");
    fclose(out);
    fclose(prompts);
    llama_free(ctx);
    llama_model_free(model);
    return 0;
}

static int quant(const char *type_name, long elements, const char *blocks_path, const char *floats_path) {
    enum ggml_type type = GGML_TYPE_COUNT;
    for (int t = 0; t < GGML_TYPE_COUNT; t++) {
        const char *name = ggml_type_name((enum ggml_type)t);
        if (name && strcmp(name, type_name) == 0) type = (enum ggml_type)t;
    }
    if (type == GGML_TYPE_COUNT) { fprintf(stderr, "unknown type %s\n", type_name); return 1; }
    float *values = malloc(elements * sizeof(float));
    float *back = malloc(elements * sizeof(float));
    for (long i = 0; i < elements; i++) {
        // a smooth signal with a few outliers and one all-zero 256-block
        values[i] = (float)(sin(i * 0.37) * cos(i * 0.011) + 0.3 * sin(i * 1.7));
        if (i % 97 == 5) values[i] *= 6.0f;
        if (i >= 256 && i < 512) values[i] = 0.0f;
    }
    size_t bytes = ggml_row_size(type, elements);
    void *blocks = malloc(bytes);
    size_t written = ggml_quantize_chunk(type, values, blocks, 0, 1, elements, NULL);
    if (written != bytes) { fprintf(stderr, "quantized %zu bytes, expected %zu\n", written, bytes); return 1; }
    const struct ggml_type_traits *traits = ggml_get_type_traits(type);
    traits->to_float(blocks, back, elements);
    FILE *b = fopen(blocks_path, "wb");
    FILE *f = fopen(floats_path, "wb");
    fwrite(blocks, 1, bytes, b);
    fwrite(back, sizeof(float), elements, f);
    fclose(b);
    fclose(f);
    return 0;
}

int main(int argc, char **argv) {
    llama_log_set(quiet, NULL);
    if (argc == 6 && strcmp(argv[1], "run") == 0) {
        const char *dir = getenv("LLAMA_BACKENDS");
        if (dir) ggml_backend_load_all_from_path(dir); else ggml_backend_load_all();
        llama_backend_init();
        return run(argv[2], argv[3], atoi(argv[4]), argv[5]);
    }
    if (argc == 6 && strcmp(argv[1], "quant") == 0) {
        return quant(argv[2], atol(argv[3]), argv[4], argv[5]);
    }
    fprintf(stderr, "usage: llama_logits run MODEL PROMPTS STEPS OUT.bin | quant TYPE ELEMENTS OUT_BLOCKS OUT_FLOATS\n");
    return 2;
}
