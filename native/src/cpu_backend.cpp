// The CPU backend: fp32 activations, weights in their file's type (F32 products in fp32; F16/BF16 weights decoded in the
// product; Q8_0/Q4_0 against activations quantized to q8_0, K-quants against q8_K, as llama.cpp does), OpenMP across
// cores, AVX2/FMA kernels where the CPU has them.
#include <omp.h>

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>

#include "backend.h"
#include "cloister_infer.h"
#include "cpu_kernels.h"
#include "quant.h"

namespace cloister {

namespace {

// One matrix product of a fused group: Y[n][out] = X[n][in] . W[out][in]^T.
struct Product {
    const Tensor *W;
    float *Y;
};

// A barrier for the threads of one parallel region. The phases it separates last microseconds, so a waiting thread
// spins first; past about 20 us it yields the CPU instead (on a shared, oversubscribed machine the thread it waits for
// may be descheduled, and spinning would only delay it), unlike OpenMP's barrier, which under OMP_WAIT_POLICY=PASSIVE
// sleeps in the kernel at once.
class SpinBarrier {
public:
    void reset(int threads) {
        threads_ = threads;
        arrived_.store(0, std::memory_order_relaxed);
    }

    void wait() {
        const unsigned phase = phase_.load(std::memory_order_acquire);
        if (arrived_.fetch_add(1, std::memory_order_acq_rel) == threads_ - 1) {
            arrived_.store(0, std::memory_order_relaxed);
            phase_.fetch_add(1, std::memory_order_acq_rel);
            return;
        }
        for (int spins = 0; phase_.load(std::memory_order_acquire) == phase; spins++) {
            if (spins < 4096) {
#if defined(__x86_64__) || defined(__i386__)
                __builtin_ia32_pause();
#endif
            } else {
                sched_yield();
            }
        }
    }

private:
    int threads_ = 1;
    alignas(64) std::atomic<int> arrived_{0};
    alignas(64) std::atomic<unsigned> phase_{0};
};

class CpuBackend final : public Backend {
public:
    CpuBackend(const Model &model, const BlockTable &table, const BackendOptions &o)
        : model_(model), table_(table), c_(model.config()), w_(model.weights()) {
        threads_ = o.threads > 0 ? o.threads : omp_get_max_threads();
        const char *kernel = nullptr;
        matmul_ = cpu::select_matmul(&kernel);
        avx2_ = std::strcmp(kernel, "avx2") == 0;
        name_ = std::string("cpu ") + kernel + " x" + std::to_string(threads_);
        max_rows_ = o.max_rows;
        block_floats_ = static_cast<size_t>(c_.layers) * 2 * table.block_tokens() * c_.kv_dim();
        size_t n = static_cast<size_t>(max_rows_);
        const size_t wide = std::max(c_.dim, c_.q_dim());
        x_.assign(n * c_.dim, 0.0f);
        xb_.assign(n * wide, 0.0f);
        xb2_.assign(n * wide, 0.0f);
        q_.assign(n * c_.q_dim(), 0.0f);
        k_.assign(n * c_.kv_dim(), 0.0f);
        v_.assign(n * c_.kv_dim(), 0.0f);
        hb_.assign(n * c_.hidden_dim, 0.0f);
        hb2_.assign(n * c_.hidden_dim, 0.0f);
        att_.assign(n * c_.heads * static_cast<size_t>(c_.seq_len), 0.0f);
        rope_.assign(n * c_.head_dim, 0.0f);
        // Converted activations for the widest input of any product, one region per activation type (q8_0, q8_K,
        // fp16, bf16, q8_1: at most 2 bytes per value each).
        const size_t in_max = std::max<size_t>(wide, c_.hidden_dim);
        xq_.assign(kActivationTypes * n * (2 * in_max + 64), 0);
        xq_stride_ = n * (2 * in_max + 64);
        // calloc: the pool's pages are committed as sequences first touch them, and start zeroed.
        kv_ = static_cast<float *>(std::calloc(static_cast<size_t>(table.blocks_total()) * block_floats_, sizeof(float)));
        if (kv_ == nullptr) throw Error(CI_ERR_MEMORY, "cannot allocate the KV cache");
        inv_freq_ = model.rope_inv_freq();
        for (const auto &ly : w_.layer) {
            groups_.push_back(group({{&ly.wq, q_.data()}, {&ly.wk, k_.data()}, {&ly.wv, v_.data()}}, c_.dim));
            groups_.push_back(group({{&ly.wo, xb_.data()}}, c_.q_dim()));
            groups_.push_back(group({{&ly.w1, hb_.data()}, {&ly.w3, hb2_.data()}}, c_.dim));
            groups_.push_back(group({{&ly.w2, xb_.data()}}, c_.hidden_dim));
        }
        classifier_ = group({{&w_.classifier, nullptr}}, c_.dim);
        for (const Tensor *t : all_matrices())
            if (t->type != GGML_F32 && cpu::select_dot(t->type, avx2_) == nullptr)
                throw Error(CI_ERR_MODEL, "no CPU kernel for tensor type " + std::to_string(t->type));
    }

    // The engine closes every sequence (zeroing its blocks) and wipes the scratch before it destroys the backend;
    // blocks never handed out were never written. Zeroing the whole pool here would commit every untouched page.
    ~CpuBackend() override { std::free(kv_); }

    int kind() const override { return CI_BACKEND_CPU; }
    const std::string &name() const override { return name_; }

    void zero_blocks(const std::vector<int32_t> &blocks) override {
        for (int32_t b : blocks) std::memset(kv_ + static_cast<size_t>(b) * block_floats_, 0, block_floats_ * sizeof(float));
        asm volatile("" : : "r"(kv_) : "memory");
    }

    void wipe_scratch() override {
        for (std::vector<float> *v : {&x_, &xb_, &xb2_, &q_, &k_, &v_, &hb_, &hb2_, &att_, &rope_})
            std::memset(v->data(), 0, v->size() * sizeof(float));
        std::memset(xq_.data(), 0, xq_.size());
        asm volatile("" : : "r"(x_.data()) : "memory");
    }

    void read_block(int block, float *out) override {
        std::memcpy(out, kv_ + static_cast<size_t>(block) * block_floats_, block_floats_ * sizeof(float));
    }

    // One OpenMP parallel region per forward pass (a fork and join per token, not per product): the threads run the
    // same sequence of phases, separated by a spinning barrier; products are split by output rows across all threads
    // (small ones too), row-wise work (norms, activation conversion, RoPE) by rows, attention by (row, head).
    void forward(const Row *rows, int n, const int *logit_rows, int n_logits, float *logits) override {
        const int threads = std::max(1, std::min(threads_, max_useful_threads(n)));
        barrier_.reset(threads);
        classifier_.products[0].Y = logits;
        if (threads == 1) {
            run_forward(rows, n, logit_rows, n_logits, 0, 1);
            return;
        }
#pragma omp parallel num_threads(threads)
        run_forward(rows, n, logit_rows, n_logits, omp_get_thread_num(), omp_get_num_threads());
    }

private:
    // The products of one group share their input (converted once per activation type the group's weights want).
    struct Group {
        std::vector<Product> products;
        int in = 0;
        bool want[5] = {};
    };

    Group group(std::initializer_list<Product> ps, int in) const {
        Group g;
        g.products.assign(ps.begin(), ps.end());
        g.in = in;
        for (const Product &p : g.products) {
            const int slot = activation_slot(cpu::activation_type(p.W->type));
            if (slot >= 0) g.want[slot] = true;
        }
        return g;
    }

    // Threads beyond the work of the largest product only wait at barriers.
    int max_useful_threads(int n) const {
        (void)n;
        return std::max(1, static_cast<int>(w_.classifier.rows / 8));
    }

    static void split(int count, int t, int nt, int *b, int *e) {
        *b = static_cast<int>(static_cast<long long>(count) * t / nt);
        *e = static_cast<int>(static_cast<long long>(count) * (t + 1) / nt);
    }

    void sync(int nt) {
        if (nt > 1) barrier_.wait();
    }

    void run_forward(const Row *rows, int n, const int *logit_rows, int n_logits, int t, int nt) {
        const int dim = c_.dim, q_dim = c_.q_dim(), kv_dim = c_.kv_dim(), hidden = c_.hidden_dim;
        const Tensor &emb = w_.token_embedding;
        int rb, re;
        split(n, t, nt, &rb, &re);
        for (int r = rb; r < re; r++)
            dequantize_row(emb.type, emb.row(rows[r].token), &x_[static_cast<size_t>(r) * dim], dim);
        for (int l = 0; l < c_.layers; l++) {
            const Weights::Layer &ly = w_.layer[l];
            const Group &qkv = groups_[l * 4], &wo = groups_[l * 4 + 1], &ffn_up = groups_[l * 4 + 2], &ffn_down = groups_[l * 4 + 3];
            // x += the previous layer's FFN output (layer 0: nothing yet); xb = norm(x), converted for Q/K/V.
            for (int r = rb; r < re; r++) {
                float *x = &x_[static_cast<size_t>(r) * dim], *xb = &xb_[static_cast<size_t>(r) * dim];
                if (l > 0) add(x, xb, dim);
                cpu::rmsnorm(xb, x, ly.rms_att, dim, c_.norm_eps);
                convert(qkv, xb_.data(), r);
            }
            sync(nt);
            products(qkv, xb_.data(), n, t, nt);
            if (t == 0) next_item_.store(0, std::memory_order_relaxed);
            sync(nt);
            for (int r = rb; r < re; r++) {
                float *q = &q_[static_cast<size_t>(r) * q_dim], *k = &k_[static_cast<size_t>(r) * kv_dim],
                      *v = &v_[static_cast<size_t>(r) * kv_dim];
                if (ly.bq != nullptr) {
                    add(q, ly.bq, q_dim);
                    add(k, ly.bk, kv_dim);
                    add(v, ly.bv, kv_dim);
                }
                if (ly.q_norm != nullptr) {
                    head_norm(q, ly.q_norm, c_.heads);
                    head_norm(k, ly.k_norm, c_.kv_heads);
                }
                rope_and_store(rows[r], r, l);
            }
            sync(nt);
            attention(rows, n, l);
            sync(nt);
            for (int r = rb; r < re; r++) convert(wo, xb2_.data(), r);
            sync(nt);
            products(wo, xb2_.data(), n, t, nt);
            sync(nt);
            for (int r = rb; r < re; r++) {
                float *x = &x_[static_cast<size_t>(r) * dim], *xb = &xb_[static_cast<size_t>(r) * dim];
                add(x, xb, dim);
                cpu::rmsnorm(xb, x, ly.rms_ffn, dim, c_.norm_eps);
                convert(ffn_up, xb_.data(), r);
            }
            sync(nt);
            products(ffn_up, xb_.data(), n, t, nt);
            sync(nt);
            for (int r = rb; r < re; r++) {
                cpu::swiglu(&hb_[static_cast<size_t>(r) * hidden], &hb2_[static_cast<size_t>(r) * hidden], hidden);
                convert(ffn_down, hb_.data(), r);
            }
            sync(nt);
            products(ffn_down, hb_.data(), n, t, nt);
            sync(nt);
        }
        for (int r = rb; r < re; r++) add(&x_[static_cast<size_t>(r) * dim], &xb_[static_cast<size_t>(r) * dim], dim);
        sync(nt);
        // Only the rows that want logits go through the final norm and the classifier.
        int jb, je;
        split(n_logits, t, nt, &jb, &je);
        for (int j = jb; j < je; j++) {
            cpu::rmsnorm(&xb_[static_cast<size_t>(j) * dim], &x_[static_cast<size_t>(logit_rows[j]) * dim], w_.rms_final, dim,
                         c_.norm_eps);
            convert(classifier_, xb_.data(), j);
        }
        sync(nt);
        products(classifier_, xb_.data(), n_logits, t, nt);
    }

    std::vector<const Tensor *> all_matrices() const {
        std::vector<const Tensor *> all = {&w_.classifier};
        for (const auto &ly : w_.layer)
            for (const Tensor *t : {&ly.wq, &ly.wk, &ly.wv, &ly.wo, &ly.w1, &ly.w2, &ly.w3}) all.push_back(t);
        return all;
    }

    // RMSNorm of each of `count` consecutive heads in place (qwen3's q/k norms).
    void head_norm(float *x, const float *weight, int count) const {
        for (int h = 0; h < count; h++) {
            float *v = x + static_cast<size_t>(h) * c_.head_dim;
            cpu::rmsnorm(v, v, weight, c_.head_dim, c_.norm_eps);
        }
    }

    static void add(float *x, const float *y, int n) {
        for (int i = 0; i < n; i++) x[i] += y[i];
    }

    static constexpr int kActivationTypes = 5;
    static int activation_slot(uint32_t act) {
        switch (act) {
            case GGML_Q8_0: return 0;
            case GGML_Q8_K: return 1;
            case GGML_F16: return 2;
            case GGML_BF16: return 3;
            case GGML_Q8_1: return 4;
            default: return -1;  // fp32: the input itself
        }
    }

    static constexpr uint32_t kSlotType[kActivationTypes] = {GGML_Q8_0, GGML_Q8_K, GGML_F16, GGML_BF16, GGML_Q8_1};

    // Row r of X in every activation type the group wants.
    void convert(const Group &g, const float *X, int r) {
        for (int a = 0; a < kActivationTypes; a++)
            if (g.want[a]) {
                const size_t row = cpu::activation_row_bytes(kSlotType[a], g.in);
                cpu::quantize_activation(kSlotType[a], X + static_cast<size_t>(r) * g.in,
                                         xq_.data() + a * xq_stride_ + r * row, g.in);
            }
    }

    // This thread's share of the group's products: the output rows of all its products, laid end to end, split
    // evenly (in multiples of 8, the widest kernel tile) across the threads.
    void products(const Group &g, const float *X, int n, int t, int nt) {
        if (n == 0) return;
        long long total = 0;
        for (const Product &p : g.products) total += p.W->rows;
        const long long tiles = (total + 7) / 8;
        const long long begin = std::min(total, tiles * t / nt * 8), end = std::min(total, tiles * (t + 1) / nt * 8);
        long long base = 0;
        for (const Product &p : g.products) {
            const Tensor &W = *p.W;
            const long long rows = W.rows;
            const int b = static_cast<int>(std::clamp(begin - base, 0LL, rows)), e = static_cast<int>(std::clamp(end - base, 0LL, rows));
            base += rows;
            if (b >= e) continue;
            const int out = static_cast<int>(rows);
            if (W.type == GGML_F32) {
                matmul_(reinterpret_cast<const float *>(W.data), X, p.Y, n, g.in, b, e, out);
            } else {
                const uint32_t act = cpu::activation_type(W.type);
                const int slot = activation_slot(act);
                const uint8_t *x = slot < 0 ? reinterpret_cast<const uint8_t *>(X) : xq_.data() + slot * xq_stride_;
                cpu::matmul_dot(cpu::select_dot(W.type, avx2_), W.data, W.row_bytes, x, cpu::activation_row_bytes(act, g.in),
                                p.Y, n, g.in, b, e, out);
            }
        }
    }

    float *kv_at(int seq, int pos, int layer, int which) const {
        int block = table_.block_of(seq, pos);
        int slot = pos % table_.block_tokens();
        return kv_ + static_cast<size_t>(block) * block_floats_ +
               (static_cast<size_t>(layer * 2 + which) * table_.block_tokens() + slot) * c_.kv_dim();
    }

    void rope_and_store(const Row &row, int r, int layer) {
        const int q_dim = c_.q_dim(), kv_dim = c_.kv_dim(), hs = c_.head_dim, pairs = hs / 2;
        float *k = &k_[static_cast<size_t>(r) * kv_dim], *cos = &rope_[static_cast<size_t>(r) * hs], *sin = cos + pairs;
        cpu::rope_angles(row.pos, inv_freq_.data(), pairs, cos, sin);
        cpu::rope(&q_[static_cast<size_t>(r) * q_dim], c_.heads, hs, cos, sin, c_.rope_neox);
        cpu::rope(k, c_.kv_heads, hs, cos, sin, c_.rope_neox);
        std::memcpy(kv_at(row.seq, row.pos, layer, 0), k, kv_dim * sizeof(float));
        std::memcpy(kv_at(row.seq, row.pos, layer, 1), &v_[static_cast<size_t>(r) * kv_dim], kv_dim * sizeof(float));
    }

    // Grouped-query attention over the paged cache; each (row, head) writes its head's slice of xb2. The threads take
    // items from a shared counter (rows of a prefill chunk see different lengths); thread 0 reset it before the
    // barrier that precedes this phase.
    void attention(const Row *rows, int n, int layer) {
        const int heads = c_.heads, hs = c_.head_dim, q_dim = c_.q_dim(), group = c_.heads / c_.kv_heads;
        const int items = n * heads;
        for (int it = next_item_.fetch_add(1, std::memory_order_relaxed); it < items;
             it = next_item_.fetch_add(1, std::memory_order_relaxed)) {
            const int r = it / heads, h = it % heads, kvh = h / group;
            const Row &row = rows[r];
            const float *q = &q_[static_cast<size_t>(r) * q_dim + static_cast<size_t>(h) * hs];
            float *out = &xb2_[static_cast<size_t>(r) * q_dim + static_cast<size_t>(h) * hs];
            cpu::attend(
                q, hs, row.pos + 1, [&](int t) { return kv_at(row.seq, t, layer, 0) + kvh * hs; },
                [&](int t) { return kv_at(row.seq, t, layer, 1) + kvh * hs; }, &att_[static_cast<size_t>(it) * c_.seq_len],
                out);
        }
    }

    const Model &model_;
    const BlockTable &table_;
    const ModelConfig &c_;
    const Weights &w_;
    cpu::MatmulFn matmul_;
    bool avx2_ = false;
    std::string name_;
    int threads_ = 1;
    int max_rows_ = 1;
    size_t block_floats_ = 0;
    float *kv_ = nullptr;
    std::vector<float> inv_freq_;
    std::vector<float> x_, xb_, xb2_, q_, k_, v_, hb_, hb2_, att_, rope_;
    std::vector<uint8_t> xq_;
    size_t xq_stride_ = 0;
    std::vector<Group> groups_;  // per layer: Q/K/V, wo, w1/w3, w2
    Group classifier_;
    SpinBarrier barrier_;
    alignas(64) std::atomic<int> next_item_{0};
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(const Model &model, const BlockTable &table, const BackendOptions &options) {
    return std::make_unique<CpuBackend>(model, table, options);
}

}  // namespace cloister
