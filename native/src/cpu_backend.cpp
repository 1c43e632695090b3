// The CPU backend: fp32 activations, weights in their file's type (F32 products in fp32; F16/BF16 weights decoded in the
// product; Q8_0/Q4_0 against activations quantized to q8_0, K-quants against q8_K, as llama.cpp does), OpenMP across
// cores, AVX2/FMA kernels where the CPU has them.
#include <omp.h>

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <cstdint>
#include <ctime>

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
// spins first; past a few thousand pauses (tens of microseconds: the thread it waits for is likely descheduled on a
// shared machine) it sleeps on a futex, which leaves its core to that thread instead of competing with it.
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
            phase_.fetch_add(1, std::memory_order_seq_cst);
            if (sleepers_.load(std::memory_order_seq_cst) > 0)
                syscall(SYS_futex, reinterpret_cast<unsigned *>(&phase_), FUTEX_WAKE_PRIVATE, INT32_MAX, nullptr, nullptr, 0);
            return;
        }
        for (int spins = 0; phase_.load(std::memory_order_acquire) == phase; spins++) {
            if (spins < 4096) {
#if defined(__x86_64__) || defined(__i386__)
                __builtin_ia32_pause();
#endif
            } else {
                // seq_cst on both sides (the releaser: phase, then sleepers; here: sleepers, then phase), so that
                // either it sees this sleeper or this sees its phase; the 1 ms timeout bounds any missed wake-up.
                const timespec limit{0, 1000000};
                sleepers_.fetch_add(1, std::memory_order_seq_cst);
                if (phase_.load(std::memory_order_seq_cst) == phase)
                    syscall(SYS_futex, reinterpret_cast<unsigned *>(&phase_), FUTEX_WAIT_PRIVATE, phase, &limit, nullptr, 0);
                sleepers_.fetch_sub(1, std::memory_order_seq_cst);
            }
        }
    }

private:
    int threads_ = 1;
    alignas(64) std::atomic<int> arrived_{0};
    alignas(64) std::atomic<unsigned> phase_{0};
    alignas(64) std::atomic<int> sleepers_{0};
};

class CpuBackend final : public Backend {
public:
    CpuBackend(const Model &model, const BlockTable &table, const BackendOptions &o)
        : model_(model), table_(table), c_(model.config()), w_(model.weights()) {
        threads_ = o.threads > 0 ? o.threads : omp_get_max_threads();
        const char *kernel = nullptr;
        matmul_ = cpu::select_matmul(&kernel);
        avx2_ = std::strcmp(kernel, "avx2") == 0;
        attention_kernels_ = cpu::select_attention(avx2_);
        swiglu_ = avx2_ ? cpu::swiglu_avx2 : cpu::swiglu;
        // The quantized products run on AVX-512 VNNI where the CPU has it (cpu_kernels_avx512.cpp), the rest on AVX2.
        const bool vnni = avx2_ && cpu::has_avx512_vnni();
        name_ = std::string("cpu ") + kernel + (vnni ? "+avx512vnni" : "") + " x" + std::to_string(threads_);
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
        // Attention scores: per thread, not per row and head (rows x heads x context was 1 GB, all of it written at
        // open, for a Llama 3.2 1B: 64-row prefill chunks, 32 heads, 131072 positions).
        // att_rows_ rows of a prefill chunk attend together (attend_many): their scores, one context each per query
        // head of a K/V head, at most 1 MiB per thread unless one row's query heads need more.
        const size_t q_per_kv = static_cast<size_t>(c_.heads / c_.kv_heads);
        att_rows_ = static_cast<int>(std::clamp<size_t>((size_t{1} << 18) / (q_per_kv * c_.seq_len), 1, kAttentionRows));
        att_.assign(static_cast<size_t>(threads_) * att_rows_ * q_per_kv * c_.seq_len, 0.0f);
        att_queries_.assign(static_cast<size_t>(threads_) * att_rows_ * q_per_kv, cpu::AttentionQuery{});
        rope_.assign(n * c_.head_dim, 0.0f);
        // Converted activations for the widest input of any product, one region per activation type (q8_0, q8_K,
        // fp16, bf16, q8_1: at most 2 bytes per value each).
        const size_t in_max = std::max<size_t>(wide, c_.hidden_dim);
        xq_.assign(kActivationTypes * n * (2 * in_max + 64), 0);
        xq_stride_ = n * (2 * in_max + 64);
        // Per-thread copies for small calls (decode): every thread computes the residual, the norm and the converted
        // activations of all rows itself, which saves the barrier each of those steps would need.
        private_rows_ = std::min(kPrivateRows, max_rows_);
        private_floats_ = static_cast<size_t>(private_rows_) * (c_.dim + in_max);
        private_xq_stride_ = static_cast<size_t>(private_rows_) * (2 * in_max + 64);
        tf_.assign(static_cast<size_t>(threads_) * private_floats_, 0.0f);
        txq_.assign(static_cast<size_t>(threads_) * kActivationTypes * private_xq_stride_, 0);
        kv_rows_.assign(static_cast<size_t>(threads_) * 2 * c_.seq_len, nullptr);
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
        for (std::vector<float> *v : {&x_, &xb_, &xb2_, &q_, &k_, &v_, &hb_, &hb2_, &att_, &rope_, &tf_})
            std::memset(v->data(), 0, v->size() * sizeof(float));
        std::memset(xq_.data(), 0, xq_.size());
        std::memset(txq_.data(), 0, txq_.size());
        asm volatile("" : : "r"(x_.data()) : "memory");
    }

    void read_block(int block, float *out) override {
        std::memcpy(out, kv_ + static_cast<size_t>(block) * block_floats_, block_floats_ * sizeof(float));
    }

    // One OpenMP parallel region per forward pass (a fork and join per token, not per product): the threads run the
    // same sequence of phases, separated by a spinning barrier; products are split by output rows across all threads
    // (small ones too), row-wise work (norms, activation conversion, RoPE) by rows, attention by (K/V head, block of rows).
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

    // Where the activations of one group's input live: the shared buffers (rows split across threads, a barrier
    // before the products) or this thread's private copies (every thread converts every row itself).
    struct Input {
        const float *X;      // fp32 rows (for F32 weights)
        const uint8_t *xq;   // the converted rows, kActivationTypes regions of `stride` bytes
        size_t stride;
    };

    // Rows [rb, re) of X converted into the regions at xq.
    void convert_rows(const Group &g, const float *X, uint8_t *xq, size_t stride, int rb, int re) const {
        for (int a = 0; a < kActivationTypes; a++)
            if (g.want[a]) {
                const size_t row = cpu::activation_row_bytes(kSlotType[a], g.in);
                for (int r = rb; r < re; r++)
                    cpu::quantize_activation(kSlotType[a], X + static_cast<size_t>(r) * g.in, xq + a * stride + r * row, g.in);
            }
    }

    void run_forward(const Row *rows, int n, const int *logit_rows, int n_logits, int t, int nt) {
        const int dim = c_.dim, hidden = c_.hidden_dim;
        const Tensor &emb = w_.token_embedding;
        // Private mode (small calls, several threads): 5 barriers per layer instead of 9.
        const bool priv = nt > 1 && n <= private_rows_ && n_logits <= private_rows_;
        // Distinct sequences (a decode batch) do not read each other's new K/V: RoPE, the cache stores and attention
        // then form one phase.
        bool distinct = true;
        for (int a = 0; a < n && distinct; a++)
            for (int b = a + 1; b < n; b++)
                if (rows[a].seq == rows[b].seq) distinct = false;
        float *tx = tf_.data() + static_cast<size_t>(t) * private_floats_;  // n rows of dim: this thread's residual
        float *tb = tx + static_cast<size_t>(private_rows_) * dim;          // n rows of the widest input
        uint8_t *txq = txq_.data() + static_cast<size_t>(t) * kActivationTypes * private_xq_stride_;
        int rb, re;
        split(n, t, nt, &rb, &re);
        for (int r = rb; r < re; r++) {
            dequantize_row(emb.type, emb.row(rows[r].token), &x_[static_cast<size_t>(r) * dim], dim);
            // The row's RoPE angles, once per pass (every layer and head rotates by the same ones).
            float *cos = &rope_[static_cast<size_t>(r) * c_.head_dim];
            cpu::rope_angles(rows[r].pos, inv_freq_.data(), c_.head_dim / 2, cos, cos + c_.head_dim / 2);
        }
        sync(nt);
        // x (+ y) into the residual and the normed rows; converted for `g`. Returns where the products read.
        auto residual_norm = [&](const Group &g, const float *y, const float *norm) -> Input {
            if (priv) {
                for (int r = 0; r < n; r++) {
                    const float *x = &x_[static_cast<size_t>(r) * dim];
                    float *xr = tx + static_cast<size_t>(r) * dim;
                    for (int i = 0; i < dim; i++) xr[i] = y != nullptr ? x[i] + y[static_cast<size_t>(r) * dim + i] : x[i];
                    cpu::rmsnorm(tb + static_cast<size_t>(r) * dim, xr, norm, dim, c_.norm_eps);
                }
                convert_rows(g, tb, txq, private_xq_stride_, 0, n);
                return {tb, txq, private_xq_stride_};
            }
            for (int r = rb; r < re; r++) {
                float *x = &x_[static_cast<size_t>(r) * dim];
                if (y != nullptr) add(x, y + static_cast<size_t>(r) * dim, dim);
                cpu::rmsnorm(&xb_[static_cast<size_t>(r) * dim], x, norm, dim, c_.norm_eps);
            }
            convert_rows(g, xb_.data(), xq_.data(), xq_stride_, rb, re);
            sync(nt);
            return {xb_.data(), xq_.data(), xq_stride_};
        };
        // In private mode thread 0 publishes its residual once every thread has read the old one (after a barrier).
        auto publish_residual = [&]() {
            if (priv && t == 0) std::memcpy(x_.data(), tx, static_cast<size_t>(n) * dim * sizeof(float));
        };
        // X converted for `g` (X is complete: a barrier came before).
        auto input = [&](const Group &g, const float *X) -> Input {
            if (priv) {
                convert_rows(g, X, txq, private_xq_stride_, 0, n);
                return {X, txq, private_xq_stride_};
            }
            convert_rows(g, X, xq_.data(), xq_stride_, rb, re);
            sync(nt);
            return {X, xq_.data(), xq_stride_};
        };
        for (int l = 0; l < c_.layers; l++) {
            const Weights::Layer &ly = w_.layer[l];
            const Group &qkv = groups_[l * 4], &wo = groups_[l * 4 + 1], &ffn_up = groups_[l * 4 + 2], &ffn_down = groups_[l * 4 + 3];
            products(qkv, residual_norm(qkv, l > 0 ? xb_.data() : nullptr, ly.rms_att), n, t, nt);
            if (t == 0) next_item_.store(0, std::memory_order_relaxed);
            sync(nt);
            publish_residual();
            if (!distinct) {
                for (int r = rb; r < re; r++) {
                    for (int kvh = 0; kvh < c_.kv_heads; kvh++) prepare_kv(rows[r], r, kvh, l);
                    for (int h = 0; h < c_.heads; h++) prepare_q(r, h, l);
                }
                sync(nt);
            }
            attention(rows, n, l, distinct, t);
            sync(nt);
            products(wo, input(wo, xb2_.data()), n, t, nt);
            sync(nt);
            products(ffn_up, residual_norm(ffn_up, xb_.data(), ly.rms_ffn), n, t, nt);
            sync(nt);
            publish_residual();
            if (priv) {  // SwiGLU of every row into this thread's buffer
                for (int r = 0; r < n; r++) {
                    float *h = tb + static_cast<size_t>(r) * hidden;
                    std::memcpy(h, &hb_[static_cast<size_t>(r) * hidden], hidden * sizeof(float));
                    swiglu_(h, &hb2_[static_cast<size_t>(r) * hidden], hidden);
                }
                products(ffn_down, input(ffn_down, tb), n, t, nt);
            } else {
                for (int r = rb; r < re; r++)
                    swiglu_(&hb_[static_cast<size_t>(r) * hidden], &hb2_[static_cast<size_t>(r) * hidden], hidden);
                sync(nt);
                products(ffn_down, input(ffn_down, hb_.data()), n, t, nt);
            }
            sync(nt);
        }
        // The last residual, then only the rows that want logits go through the final norm and the classifier.
        if (priv) {
            for (int j = 0; j < n_logits; j++) {
                const size_t r = static_cast<size_t>(logit_rows[j]) * dim;
                float *xr = tx + static_cast<size_t>(j) * dim;
                for (int i = 0; i < dim; i++) xr[i] = x_[r + i] + xb_[r + i];
                cpu::rmsnorm(tb + static_cast<size_t>(j) * dim, xr, w_.rms_final, dim, c_.norm_eps);
            }
            convert_rows(classifier_, tb, txq, private_xq_stride_, 0, n_logits);
            products(classifier_, {tb, txq, private_xq_stride_}, n_logits, t, nt);
            return;
        }
        for (int r = rb; r < re; r++) add(&x_[static_cast<size_t>(r) * dim], &xb_[static_cast<size_t>(r) * dim], dim);
        sync(nt);
        int jb, je;
        split(n_logits, t, nt, &jb, &je);
        for (int j = jb; j < je; j++)
            cpu::rmsnorm(&xb2_[static_cast<size_t>(j) * dim], &x_[static_cast<size_t>(logit_rows[j]) * dim], w_.rms_final, dim,
                         c_.norm_eps);
        convert_rows(classifier_, xb2_.data(), xq_.data(), xq_stride_, jb, je);
        sync(nt);
        products(classifier_, {xb2_.data(), xq_.data(), xq_stride_}, n_logits, t, nt);
    }

    std::vector<const Tensor *> all_matrices() const {
        std::vector<const Tensor *> all = {&w_.classifier};
        for (const auto &ly : w_.layer)
            for (const Tensor *t : {&ly.wq, &ly.wk, &ly.wv, &ly.wo, &ly.w1, &ly.w2, &ly.w3}) all.push_back(t);
        return all;
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

    // This thread's share of the group's products: the output rows of all its products, laid end to end, split
    // evenly (in multiples of 8, the widest kernel tile) across the threads.
    void products(const Group &g, const Input &in, int n, int t, int nt) {
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
                matmul_(reinterpret_cast<const float *>(W.data), in.X, p.Y, n, g.in, b, e, out);
            } else {
                const uint32_t act = cpu::activation_type(W.type);
                const int slot = activation_slot(act);
                const uint8_t *x = slot < 0 ? reinterpret_cast<const uint8_t *>(in.X) : in.xq + slot * in.stride;
                if (cpu::GemmFn gemm = n >= kGemmRows ? cpu::select_gemm(W.type, avx2_) : nullptr; gemm != nullptr) {
                    gemm(W.data, W.row_bytes, x, cpu::activation_row_bytes(act, g.in), p.Y, n, g.in, b, e, out);
                    continue;
                }
                cpu::matmul_dot4(cpu::select_dot(W.type, avx2_), cpu::select_dot4(W.type, avx2_), W.data, W.row_bytes, x,
                                 cpu::activation_row_bytes(act, g.in), p.Y, n, g.in, b, e, out);
            }
        }
    }

    float *kv_at(int seq, int pos, int layer, int which) const {
        int block = table_.block_of(seq, pos);
        int slot = pos % table_.block_tokens();
        return kv_ + static_cast<size_t>(block) * block_floats_ +
               (static_cast<size_t>(layer * 2 + which) * table_.block_tokens() + slot) * c_.kv_dim();
    }

    // K/V head `kvh` of row r: bias, K norm, RoPE, into the cache. Q head `h`: bias, Q norm, RoPE. The angles are the
    // row's, computed at the start of the pass.
    void prepare_kv(const Row &row, int r, int kvh, int layer) {
        const Weights::Layer &ly = w_.layer[layer];
        const int kv_dim = c_.kv_dim(), hs = c_.head_dim, pairs = hs / 2;
        float *k = &k_[static_cast<size_t>(r) * kv_dim + static_cast<size_t>(kvh) * hs];
        float *v = &v_[static_cast<size_t>(r) * kv_dim + static_cast<size_t>(kvh) * hs];
        if (ly.bk != nullptr) {
            add(k, ly.bk + kvh * hs, hs);
            add(v, ly.bv + kvh * hs, hs);
        }
        if (ly.k_norm != nullptr) cpu::rmsnorm(k, k, ly.k_norm, hs, c_.norm_eps);
        const float *cos = &rope_[static_cast<size_t>(r) * hs], *sin = cos + pairs;
        cpu::rope(k, 1, hs, cos, sin, c_.rope_neox);
        std::memcpy(kv_at(row.seq, row.pos, layer, 0) + kvh * hs, k, hs * sizeof(float));
        std::memcpy(kv_at(row.seq, row.pos, layer, 1) + kvh * hs, v, hs * sizeof(float));
    }

    void prepare_q(int r, int h, int layer) {
        const Weights::Layer &ly = w_.layer[layer];
        const int hs = c_.head_dim, pairs = hs / 2;
        float *q = &q_[static_cast<size_t>(r) * c_.q_dim() + static_cast<size_t>(h) * hs];
        if (ly.bq != nullptr) add(q, ly.bq + h * hs, hs);
        if (ly.q_norm != nullptr) cpu::rmsnorm(q, q, ly.q_norm, hs, c_.norm_eps);
        const float *cos = &rope_[static_cast<size_t>(r) * hs], *sin = cos + pairs;
        cpu::rope(q, 1, hs, cos, sin, c_.rope_neox);
    }

    // Grouped-query attention over the paged cache. The threads take items from a shared counter (rows of a prefill
    // chunk see different lengths; thread 0 reset it before the barrier that precedes this phase). An item is a K/V
    // head of a block of rows: its query heads of every row in the block attend together (attend_many), so a group
    // of cache rows meets all of them from L1. With `fused` (every row its own sequence) a block is one row and the item
    // first prepares that K/V head and its query heads; otherwise they were prepared in the phase before and a block
    // is up to att_rows_ rows (runs of one sequence attend together).
    void attention(const Row *rows, int n, int layer, bool fused, int t) {
        const int hs = c_.head_dim, q_dim = c_.q_dim(), group = c_.heads / c_.kv_heads, bt = table_.block_tokens();
        const int per_block = fused ? 1 : att_rows_, items = (n + per_block - 1) / per_block * c_.kv_heads;
        const float **keys = kv_rows_.data() + static_cast<size_t>(t) * 2 * c_.seq_len, **values = keys + c_.seq_len;
        cpu::AttentionQuery *queries = &att_queries_[static_cast<size_t>(t) * att_rows_ * group];
        float *scores = &att_[static_cast<size_t>(t) * att_rows_ * group * c_.seq_len];
        for (int it = next_item_.fetch_add(1, std::memory_order_relaxed); it < items;
             it = next_item_.fetch_add(1, std::memory_order_relaxed)) {
            const int kvh = it % c_.kv_heads, r_end = std::min(n, (it / c_.kv_heads + 1) * per_block);
            for (int r0 = it / c_.kv_heads * per_block, r1; r0 < r_end; r0 = r1) {
                for (r1 = r0 + 1; r1 < r_end && rows[r1].seq == rows[r0].seq;) r1++;
                if (fused) {
                    prepare_kv(rows[r0], r0, kvh, layer);
                    for (int h = kvh * group; h < (kvh + 1) * group; h++) prepare_q(r0, h, layer);
                }
                int longest = 0, nq = 0;
                for (int r = r0; r < r1; r++) {
                    longest = std::max(longest, rows[r].pos + 1);
                    for (int h = kvh * group; h < (kvh + 1) * group; h++, nq++)
                        queries[nq] = {&q_[static_cast<size_t>(r) * q_dim + static_cast<size_t>(h) * hs],
                                       &xb2_[static_cast<size_t>(r) * q_dim + static_cast<size_t>(h) * hs],
                                       scores + static_cast<size_t>(nq) * c_.seq_len, rows[r].pos + 1, 0.0f};
                }
                // The K/V head's cache rows, block by block (one table lookup per block, not per position).
                const std::vector<int32_t> &blocks = table_.blocks(rows[r0].seq);
                for (int p0 = 0; p0 < longest; p0 += bt) {
                    const float *base = kv_ + static_cast<size_t>(blocks[p0 / bt]) * block_floats_ +
                                        static_cast<size_t>(layer) * 2 * bt * c_.kv_dim() + static_cast<size_t>(kvh) * hs;
                    for (int p = p0; p < std::min(longest, p0 + bt); p++) {
                        keys[p] = base + static_cast<size_t>(p - p0) * c_.kv_dim();
                        values[p] = keys[p] + static_cast<size_t>(bt) * c_.kv_dim();
                    }
                }
                cpu::attend_many(attention_kernels_, queries, nq, hs, [&](int p) { return keys[p]; }, [&](int p) { return values[p]; });
            }
        }
    }

    const Model &model_;
    const BlockTable &table_;
    const ModelConfig &c_;
    const Weights &w_;
    cpu::MatmulFn matmul_;
    bool avx2_ = false;
    cpu::AttentionKernels attention_kernels_{};
    cpu::SwigluFn swiglu_ = cpu::swiglu;
    std::string name_;
    int threads_ = 1;
    int max_rows_ = 1;
    size_t block_floats_ = 0;
    float *kv_ = nullptr;
    std::vector<float> inv_freq_;
    std::vector<float> x_, xb_, xb2_, q_, k_, v_, hb_, hb2_, att_, rope_;  // rope_: each row's RoPE angles (cos, then sin)
    std::vector<uint8_t> xq_;
    size_t xq_stride_ = 0;
    static constexpr int kPrivateRows = 4;
    static constexpr int kGemmRows = 4;  // batches from this size on go through the tiled product
    int private_rows_ = 0;
    size_t private_floats_ = 0, private_xq_stride_ = 0;
    std::vector<float> tf_;  // per thread: residual + widest input rows
    static constexpr size_t kAttentionRows = 8;
    int att_rows_ = 1;                                // rows whose query heads attend together (prefill)
    std::vector<cpu::AttentionQuery> att_queries_;  // per thread: att_rows_ x the query heads of a K/V head
    std::vector<uint8_t> txq_;       // per thread: converted activations
    std::vector<const float *> kv_rows_;  // per thread: the cache rows (keys, then values) of one attention item
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
