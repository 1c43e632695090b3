// The C ABI: argument checks, the KV block table, prefill chunking, and backend selection.
#include <unistd.h>
#include <algorithm>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "backend.h"
#include "cloister_infer.h"
#include "kv_cache.h"
#include "model.h"

using namespace cloister;

struct ci_engine {
    std::unique_ptr<Model> model;
    std::unique_ptr<BlockTable> table;
    std::unique_ptr<Backend> backend;
    int prefill_chunk = 64;
    std::string error;
    std::vector<Row> rows;
    std::vector<int> logit_rows;
    std::vector<unsigned char> seen;
};

namespace {

// Writes an error text into the caller's buffer: the whole buffer is zeroed first (nothing it held before can be read
// past the text), then at most err_len - 1 bytes are copied, so the text always ends in a NUL within the buffer.
void copy_error(const std::string &message, char *err, size_t err_len) {
    if (err == nullptr || err_len == 0) return;
    std::memset(err, 0, err_len);
    std::memcpy(err, message.data(), std::min(message.size(), err_len - 1));
}

int fail(ci_engine *e, int code, const std::string &message) {
    e->error = message;
    return code;
}

// Runs a body that may throw Error or std::bad_alloc and turns either into a code and the engine's error text.
template <typename F> int guarded(ci_engine *e, F body) {
    if (e == nullptr) return CI_ERR_ARGUMENT;
    e->error.clear();
    try {
        return body();
    } catch (const Error &x) {
        return fail(e, x.code, x.what());
    } catch (const std::bad_alloc &) {
        return fail(e, CI_ERR_MEMORY, "out of memory");
    } catch (const std::exception &x) {
        return fail(e, CI_ERR_BACKEND, x.what());
    }
}

int check_sequence(ci_engine *e, int seq) {
    if (!e->table->is_open(seq)) return fail(e, CI_ERR_ARGUMENT, "sequence " + std::to_string(seq) + " is not open");
    return CI_OK;
}

int check_token(ci_engine *e, int token) {
    int vocab = e->model->config().vocab_size;
    if (token < 0 || token >= vocab)
        return fail(e, CI_ERR_ARGUMENT, "token " + std::to_string(token) + " outside [0, " + std::to_string(vocab) + ")");
    return CI_OK;
}

}  // namespace

extern "C" {

ci_engine *ci_open(const char *model_path, const ci_options *options, char *err, size_t err_len) {
    copy_error("", err, err_len);
    if (model_path == nullptr) {
        copy_error("no model path", err, err_len);
        return nullptr;
    }
    ci_options o{};
    if (options != nullptr) o = *options;
    try {
        auto e = std::make_unique<ci_engine>();
        e->model = Model::open(model_path);
        const ModelConfig &c = e->model->config();
        if (o.backend < CI_BACKEND_AUTO || o.backend > CI_BACKEND_CUDA) throw Error(CI_ERR_ARGUMENT, "unknown backend");
        if (o.threads < 0 || o.threads > 1024) throw Error(CI_ERR_ARGUMENT, "threads outside [0, 1024]");
        if (o.max_sequences < 0 || o.max_sequences > 4096) throw Error(CI_ERR_ARGUMENT, "max_sequences outside [0, 4096]");
        if (o.kv_block_tokens < 0 || o.kv_block_tokens > 4096) throw Error(CI_ERR_ARGUMENT, "kv_block_tokens outside [0, 4096]");
        if (o.kv_blocks < 0 || o.kv_blocks > (1 << 24)) throw Error(CI_ERR_ARGUMENT, "kv_blocks outside [0, 2^24]");
        if (o.weight_type != CI_WEIGHTS_F32 && o.weight_type != CI_WEIGHTS_BF16) throw Error(CI_ERR_ARGUMENT, "unknown weight type");
        if (o.prefill_chunk < 0 || o.prefill_chunk > 4096) throw Error(CI_ERR_ARGUMENT, "prefill_chunk outside [0, 4096]");
        int max_seq = o.max_sequences > 0 ? o.max_sequences : 8;
        int block_tokens = o.kv_block_tokens > 0 ? o.kv_block_tokens : 16;
        long long per_seq = (c.seq_len + block_tokens - 1) / block_tokens;
        long long blocks = o.kv_blocks > 0 ? o.kv_blocks : std::min<long long>(per_seq * max_seq, 1 << 24);
        long long block_floats = static_cast<long long>(c.layers) * 2 * block_tokens * c.kv_dim();
        if (o.kv_blocks == 0) {
            // The default pool holds every slot's whole context, but no more than half the machine's memory: a
            // 131072-position model (Llama 3.x) asks 8 GiB per sequence for its 1B shape, which 8 slots cannot
            // reserve. Sequences share the pool; one that outgrows it is refused (CI_ERR_MEMORY), not the open.
            const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
            if (pages > 0 && page > 0) {
                const long long cap = static_cast<long long>(pages) * page / 2 / (block_floats * 4);
                blocks = std::max<long long>(std::min(blocks, cap), std::min<long long>(blocks, per_seq));
            }
        }
        if (blocks * block_floats > (1ll << 37)) throw Error(CI_ERR_MEMORY, "KV cache over 512 GiB requested");
        e->prefill_chunk = o.prefill_chunk > 0 ? o.prefill_chunk : 64;
        e->table = std::make_unique<BlockTable>(static_cast<int>(blocks), block_tokens, max_seq, c.seq_len);

        BackendOptions bo;
        bo.threads = o.threads;
        bo.max_rows = std::max(max_seq, e->prefill_chunk);
        bo.weight_type = o.weight_type;
        std::string why_not;
        if (o.backend == CI_BACKEND_CUDA || o.backend == CI_BACKEND_AUTO) {
            e->backend = make_cuda_backend(*e->model, *e->table, bo, &why_not);
            if (e->backend == nullptr && o.backend == CI_BACKEND_CUDA)
                throw Error(CI_ERR_BACKEND, "CUDA backend unavailable: " + why_not);
        }
        if (e->backend == nullptr) e->backend = make_cpu_backend(*e->model, *e->table, bo);
        e->rows.reserve(bo.max_rows);
        e->seen.assign(max_seq, 0);
        return e.release();
    } catch (const Error &x) {
        copy_error(x.what(), err, err_len);
    } catch (const std::bad_alloc &) {
        copy_error("out of memory while opening the model", err, err_len);
    } catch (const std::exception &x) {
        copy_error(x.what(), err, err_len);
    }
    return nullptr;
}

void ci_close(ci_engine *e) {
    if (e == nullptr) return;
    try {  // every open sequence's blocks and the scratch buffers are zeroed before the memory goes back
        for (int s = 0; s < e->table->max_sequences(); s++)
            if (e->table->is_open(s)) e->backend->zero_blocks(e->table->close(s));
        e->backend->wipe_scratch();
    } catch (const std::exception &) {
        // a failing device cannot be wiped; its memory is released with the context
    }
    delete e;
}

const char *ci_last_error(const ci_engine *e) { return e == nullptr ? "no engine" : e->error.c_str(); }

void ci_get_shape(const ci_engine *e, ci_shape *out) {
    if (e == nullptr || out == nullptr) return;
    const ModelConfig &c = e->model->config();
    *out = ci_shape{c.dim, c.hidden_dim, c.layers, c.heads, c.kv_heads, c.vocab_size, c.seq_len};
}

int ci_backend(const ci_engine *e) { return e == nullptr ? CI_ERR_ARGUMENT : e->backend->kind(); }
const char *ci_backend_name(const ci_engine *e) { return e == nullptr ? "" : e->backend->name().c_str(); }
int ci_max_sequences(const ci_engine *e) { return e == nullptr ? CI_ERR_ARGUMENT : e->table->max_sequences(); }
int ci_kv_block_tokens(const ci_engine *e) { return e == nullptr ? CI_ERR_ARGUMENT : e->table->block_tokens(); }
int ci_kv_blocks_total(const ci_engine *e) { return e == nullptr ? CI_ERR_ARGUMENT : e->table->blocks_total(); }
int ci_kv_blocks_free(const ci_engine *e) { return e == nullptr ? CI_ERR_ARGUMENT : e->table->blocks_free(); }

int64_t ci_kv_block_floats(const ci_engine *e) {
    if (e == nullptr) return CI_ERR_ARGUMENT;
    const ModelConfig &c = e->model->config();
    return static_cast<int64_t>(c.layers) * 2 * e->table->block_tokens() * c.kv_dim();
}

int ci_sequence_open(ci_engine *e) {
    return guarded(e, [&] {
        int s = e->table->open();
        if (s < 0) return fail(e, CI_ERR_MEMORY, "all " + std::to_string(e->table->max_sequences()) + " sequences are open");
        return s;
    });
}

int ci_sequence_close(ci_engine *e, int seq) {
    return guarded(e, [&] {
        if (int rc = check_sequence(e, seq); rc != CI_OK) return rc;
        std::vector<int32_t> blocks = e->table->close(seq);
        e->backend->zero_blocks(blocks);
        e->backend->wipe_scratch();
        return CI_OK;
    });
}

int ci_sequence_position(const ci_engine *e, int seq) {
    if (e == nullptr || !e->table->is_open(seq)) return CI_ERR_ARGUMENT;
    return e->table->position(seq);
}

int ci_prefill(ci_engine *e, int seq, const int32_t *tokens, int count, float *logits) {
    return guarded(e, [&] {
        if (int rc = check_sequence(e, seq); rc != CI_OK) return rc;
        if (tokens == nullptr || logits == nullptr) return fail(e, CI_ERR_ARGUMENT, "null tokens or logits");
        if (count < 1) return fail(e, CI_ERR_ARGUMENT, "prefill of " + std::to_string(count) + " tokens");
        int pos = e->table->position(seq);
        if (count > e->table->seq_len() - pos)
            return fail(e, CI_ERR_ARGUMENT, "prefill of " + std::to_string(count) + " tokens at position " +
                                                std::to_string(pos) + " passes the context of " +
                                                std::to_string(e->table->seq_len()));
        for (int i = 0; i < count; i++)
            if (int rc = check_token(e, tokens[i]); rc != CI_OK) return rc;
        int need = e->table->blocks_needed(seq, count);
        if (need > e->table->blocks_free())
            return fail(e, CI_ERR_MEMORY, "prefill needs " + std::to_string(need) + " KV blocks, " +
                                              std::to_string(e->table->blocks_free()) + " are free");
        e->table->reserve(seq, count);
        for (int done = 0; done < count;) {
            int n = std::min(e->prefill_chunk, count - done);
            e->rows.clear();
            for (int i = 0; i < n; i++) e->rows.push_back(Row{seq, tokens[done + i], pos + done + i});
            bool last = done + n == count;
            int last_row = n - 1;
            e->backend->forward(e->rows.data(), n, &last_row, last ? 1 : 0, logits);
            e->table->advance(seq, n);
            done += n;
        }
        return CI_OK;
    });
}

int ci_decode(ci_engine *e, const int32_t *sequences, const int32_t *tokens, int batch, float *logits) {
    return guarded(e, [&] {
        if (sequences == nullptr || tokens == nullptr || logits == nullptr)
            return fail(e, CI_ERR_ARGUMENT, "null sequences, tokens or logits");
        if (batch < 1 || batch > e->table->max_sequences())
            return fail(e, CI_ERR_ARGUMENT, "batch of " + std::to_string(batch) + " outside [1, " +
                                                std::to_string(e->table->max_sequences()) + "]");
        std::fill(e->seen.begin(), e->seen.end(), 0);
        long long need = 0;
        for (int i = 0; i < batch; i++) {
            int s = sequences[i];
            if (int rc = check_sequence(e, s); rc != CI_OK) return rc;
            if (e->seen[s]) return fail(e, CI_ERR_ARGUMENT, "sequence " + std::to_string(s) + " twice in one batch");
            e->seen[s] = 1;
            if (int rc = check_token(e, tokens[i]); rc != CI_OK) return rc;
            if (e->table->position(s) >= e->table->seq_len())
                return fail(e, CI_ERR_ARGUMENT, "sequence " + std::to_string(s) + " is at the end of the context (" +
                                                    std::to_string(e->table->seq_len()) + ")");
            need += e->table->blocks_needed(s, 1);
        }
        if (need > e->table->blocks_free())
            return fail(e, CI_ERR_MEMORY, "decode needs " + std::to_string(need) + " KV blocks, " +
                                              std::to_string(e->table->blocks_free()) + " are free");
        e->rows.clear();
        e->logit_rows.clear();
        for (int i = 0; i < batch; i++) {
            e->table->reserve(sequences[i], 1);
            e->rows.push_back(Row{sequences[i], tokens[i], e->table->position(sequences[i])});
            e->logit_rows.push_back(i);
        }
        e->backend->forward(e->rows.data(), batch, e->logit_rows.data(), batch, logits);
        for (int i = 0; i < batch; i++) e->table->advance(sequences[i], 1);
        return CI_OK;
    });
}

int ci_debug_sequence_blocks(const ci_engine *e, int seq, int32_t *blocks, int capacity) {
    if (e == nullptr || blocks == nullptr || capacity < 0 || !e->table->is_open(seq)) return CI_ERR_ARGUMENT;
    const auto &held = e->table->blocks(seq);
    int n = std::min<int>(capacity, static_cast<int>(held.size()));
    std::copy(held.begin(), held.begin() + n, blocks);
    return n;
}

int ci_debug_read_kv_block(ci_engine *e, int block, float *out) {
    return guarded(e, [&] {
        if (out == nullptr || block < 0 || block >= e->table->blocks_total())
            return fail(e, CI_ERR_ARGUMENT, "block " + std::to_string(block) + " outside the pool");
        e->backend->read_block(block, out);
        return CI_OK;
    });
}

int ci_cuda_built(void) { return cuda_backend_built() ? 1 : 0; }

}  // extern "C"
