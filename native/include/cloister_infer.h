/*
 * The C ABI of Cloister's native inference core: a Llama-family transformer with a paged KV cache,
 * batched decode and chunked prefill, on a CPU backend (always) or a CUDA backend (where built and a GPU is present).
 *
 * Conventions: every function that can fail returns CI_OK (0) or a negative CI_ERR_* code and leaves a
 * human-readable reason in the engine (ci_last_error) or, for ci_open, in the caller's buffer. Messages name the
 * failed check and numeric values only; they never contain token ids' text or weights.
 * An engine is not thread-safe: one thread calls it at a time.
 */
#ifndef CLOISTER_INFER_H
#define CLOISTER_INFER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CI_OK 0
#define CI_ERR_ARGUMENT (-1)   /* a bad argument: unknown sequence, token out of range, position past the context */
#define CI_ERR_MODEL (-2)      /* an unreadable or malformed model file */
#define CI_ERR_MEMORY (-3)     /* no free KV block, no free sequence slot, an allocation failed */
#define CI_ERR_BACKEND (-4)    /* the backend failed (a CUDA error) or is not available */

#define CI_BACKEND_AUTO 0      /* CUDA when built and a device is present (a CUDA failure then fails the open), else CPU */
#define CI_BACKEND_CPU 1
#define CI_BACKEND_CUDA 2

#define CI_WEIGHTS_F32 0       /* CUDA weights in fp32 (the CPU backend always computes in fp32) */
#define CI_WEIGHTS_BF16 1      /* CUDA weights rounded to bf16 on upload */

typedef struct ci_engine ci_engine;

/* Configuration of an engine. Zero in a field means "the default" (given per field). */
typedef struct ci_options {
    int32_t backend;          /* CI_BACKEND_*; default AUTO */
    int32_t threads;          /* CPU threads; default: all cores OpenMP sees */
    int32_t max_sequences;    /* sequences open at once; default 8 */
    int32_t kv_block_tokens;  /* tokens per KV block; default 16 */
    int32_t kv_blocks;        /* blocks in the pool; default max_sequences * ceil(seq_len / kv_block_tokens) */
    int32_t weight_type;      /* CI_WEIGHTS_*; CUDA only; default F32 */
    int32_t prefill_chunk;    /* tokens per prefill forward pass; default 64 */
} ci_options;

/* The model's hyper-parameters. */
typedef struct ci_shape {
    int32_t dim, hidden_dim, layers, heads, kv_heads, vocab_size, seq_len;
} ci_shape;

/*
 * Opens a model: a llama2.c checkpoint (memory-mapped) or a GGUF file (Llama family; F32/F16/BF16/Q8_0 tensors).
 * The format is recognised by the GGUF magic. On failure returns NULL and writes the reason to err[0..err_len):
 * the buffer is zeroed, then at most err_len - 1 bytes of text are copied, so it always holds a NUL-terminated
 * string and nothing else (a NULL err or a zero err_len is not written).
 */
ci_engine *ci_open(const char *model_path, const ci_options *options, char *err, size_t err_len);

/* Releases the engine; every KV block is zeroed before its memory is freed. NULL is ignored. */
void ci_close(ci_engine *engine);

/* The reason for the last failure on this engine ("" when none), NUL-terminated. Valid until the next call. */
const char *ci_last_error(const ci_engine *engine);

void ci_get_shape(const ci_engine *engine, ci_shape *out);
/* CI_BACKEND_CPU or CI_BACKEND_CUDA: the backend actually in use. */
int ci_backend(const ci_engine *engine);
/* A short description of the backend, e.g. "cpu avx2 x2" or "cuda NVIDIA H100 bf16". */
const char *ci_backend_name(const ci_engine *engine);
int ci_max_sequences(const ci_engine *engine);
int ci_kv_block_tokens(const ci_engine *engine);
int ci_kv_blocks_total(const ci_engine *engine);
int ci_kv_blocks_free(const ci_engine *engine);
/* Floats in one KV block: layers * 2 (K and V) * kv_block_tokens * kv_dim. */
int64_t ci_kv_block_floats(const ci_engine *engine);

/* Opens a sequence at position 0; returns its handle (>= 0) or a negative CI_ERR_* code. */
int ci_sequence_open(ci_engine *engine);
/* Closes a sequence and zeroes its KV blocks, which return to the free list. */
int ci_sequence_close(ci_engine *engine, int sequence);
/* The sequence's position (tokens held), or a negative CI_ERR_* code. */
int ci_sequence_position(const ci_engine *engine, int sequence);

/*
 * Appends tokens[0..count) to the sequence (in chunks of prefill_chunk) and writes the logits after the last one
 * to logits[0..vocab_size). Fails atomically: on a bad argument or too few free KV blocks nothing changes.
 */
int ci_prefill(ci_engine *engine, int sequence, const int32_t *tokens, int count, float *logits);

/*
 * One decode step for `batch` distinct sequences: appends tokens[i] to sequences[i] and writes its next-token
 * logits to logits[i * vocab_size ..). Fails atomically on a bad argument or too few free KV blocks.
 */
int ci_decode(ci_engine *engine, const int32_t *sequences, const int32_t *tokens, int batch, float *logits);

/* Test hook: the KV block ids a sequence holds, in order; returns how many (at most capacity) or an error. */
int ci_debug_sequence_blocks(const ci_engine *engine, int sequence, int32_t *blocks, int capacity);
/* Test hook: copies KV block `block` (ci_kv_block_floats floats) into out. */
int ci_debug_read_kv_block(ci_engine *engine, int block, float *out);

/* Whether this library was built with the CUDA backend (1) or not (0). */
int ci_cuda_built(void);

#ifdef __cplusplus
}
#endif

#endif
