// The CPU backend: fp32 activations, weights in their file's type (F32 products in fp32; F16/BF16 weights decoded in the
// product; Q8_0/Q4_0 against activations quantized to q8_0, K-quants against q8_K, as llama.cpp does), OpenMP across
// cores, AVX2/FMA kernels where the CPU has them.
#include <omp.h>

#include <algorithm>
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

    void forward(const Row *rows, int n, const int *logit_rows, int n_logits, float *logits) override {
        const int dim = c_.dim, q_dim = c_.q_dim(), kv_dim = c_.kv_dim(), hidden = c_.hidden_dim;
        const Tensor &emb = w_.token_embedding;
        for (int r = 0; r < n; r++)
            dequantize_row(emb.type, emb.row(rows[r].token), &x_[static_cast<size_t>(r) * dim], dim);
        for (int l = 0; l < c_.layers; l++) {
            const Weights::Layer &ly = w_.layer[l];
            rmsnorm(xb_.data(), x_.data(), ly.rms_att, n);
            matmuls(xb_.data(), n, dim, {{&ly.wq, q_.data()}, {&ly.wk, k_.data()}, {&ly.wv, v_.data()}});
            if (ly.bq != nullptr) {
                add_bias(q_.data(), ly.bq, n, q_dim);
                add_bias(k_.data(), ly.bk, n, kv_dim);
                add_bias(v_.data(), ly.bv, n, kv_dim);
            }
            if (ly.q_norm != nullptr) {
                head_norm(q_.data(), ly.q_norm, n * c_.heads);
                head_norm(k_.data(), ly.k_norm, n * c_.kv_heads);
            }
            rope_and_store(rows, n, l);
            attention(rows, n, l);
            matmuls(xb2_.data(), n, q_dim, {{&ly.wo, xb_.data()}});
            add(x_.data(), xb_.data(), static_cast<size_t>(n) * dim);
            rmsnorm(xb_.data(), x_.data(), ly.rms_ffn, n);
            matmuls(xb_.data(), n, dim, {{&ly.w1, hb_.data()}, {&ly.w3, hb2_.data()}});
            swiglu(static_cast<size_t>(n) * hidden);
            matmuls(hb_.data(), n, hidden, {{&ly.w2, xb_.data()}});
            add(x_.data(), xb_.data(), static_cast<size_t>(n) * dim);
        }
        // Only the rows that want logits go through the final norm and the classifier.
        for (int j = 0; j < n_logits; j++)
            std::memcpy(&xb2_[static_cast<size_t>(j) * dim], &x_[static_cast<size_t>(logit_rows[j]) * dim], dim * sizeof(float));
        rmsnorm(xb_.data(), xb2_.data(), w_.rms_final, n_logits);
        matmuls(xb_.data(), n_logits, dim, {{&w_.classifier, logits}});
    }

private:
    std::vector<const Tensor *> all_matrices() const {
        std::vector<const Tensor *> all = {&w_.classifier};
        for (const auto &ly : w_.layer)
            for (const Tensor *t : {&ly.wq, &ly.wk, &ly.wv, &ly.wo, &ly.w1, &ly.w2, &ly.w3}) all.push_back(t);
        return all;
    }

    void rmsnorm(float *out, const float *x, const float *weight, int n) const {
        for (int r = 0; r < n; r++)
            cpu::rmsnorm(out + static_cast<size_t>(r) * c_.dim, x + static_cast<size_t>(r) * c_.dim, weight, c_.dim,
                         c_.norm_eps);
    }

    // RMSNorm of each of `count` consecutive heads in place (qwen3's q/k norms).
    void head_norm(float *x, const float *weight, int count) const {
        for (int h = 0; h < count; h++) {
            float *v = x + static_cast<size_t>(h) * c_.head_dim;
            cpu::rmsnorm(v, v, weight, c_.head_dim, c_.norm_eps);
        }
    }

    static void add_bias(float *x, const float *bias, int n, int width) {
        for (int r = 0; r < n; r++)
            for (int i = 0; i < width; i++) x[static_cast<size_t>(r) * width + i] += bias[i];
    }

    static void add(float *x, const float *y, size_t n) {
        for (size_t i = 0; i < n; i++) x[i] += y[i];
    }

    void swiglu(size_t n) { cpu::swiglu(hb_.data(), hb2_.data(), n); }

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

    // The products of one group share their input; one parallel region converts the input once for each activation
    // type the group's weight types want (q8_0, q8_K, fp16, bf16) and splits each product's rows across threads.
    void matmuls(const float *X, int n, int in, std::initializer_list<Product> group) {
        if (n == 0) return;
        const Product *ps = group.begin();
        const int count = static_cast<int>(group.size());
        long long work = 0;
        bool want[kActivationTypes] = {};
        for (int p = 0; p < count; p++) {
            work += static_cast<long long>(ps[p].W->rows) * in * n;
            const int slot = activation_slot(cpu::activation_type(ps[p].W->type));
            if (slot >= 0) want[slot] = true;
        }
        const uint32_t slot_type[kActivationTypes] = {GGML_Q8_0, GGML_Q8_K, GGML_F16, GGML_BF16, GGML_Q8_1};
        uint8_t *const xq = xq_.data();
        const size_t stride = xq_stride_;
        int threads = work < (1 << 18) ? 1 : threads_;  // a parallel region costs microseconds: small products stay on one thread
        cpu::MatmulFn mm = matmul_;
        const bool avx2 = avx2_;
        const bool convert = want[0] || want[1] || want[2] || want[3] || want[4];
#pragma omp parallel num_threads(threads)
        {
            if (convert) {
#pragma omp for schedule(static)
                for (int r = 0; r < n; r++)
                    for (int a = 0; a < kActivationTypes; a++)
                        if (want[a]) {
                            const size_t row = cpu::activation_row_bytes(slot_type[a], in);
                            cpu::quantize_activation(slot_type[a], X + static_cast<size_t>(r) * in, xq + a * stride + r * row, in);
                        }
            }
            int t = omp_get_thread_num(), nt = omp_get_num_threads();
            for (int p = 0; p < count; p++) {
                const Tensor &W = *ps[p].W;
                const int out = static_cast<int>(W.rows);
                int per = (out + nt - 1) / nt;
                per = (per + 7) & ~7;
                int b = t * per, e = b + per < out ? b + per : out;
                if (b >= e) continue;
                const uint32_t act = cpu::activation_type(W.type);
                if (W.type == GGML_F32) {
                    mm(reinterpret_cast<const float *>(W.data), X, ps[p].Y, n, in, b, e, out);
                } else {
                    const int slot = activation_slot(act);
                    const uint8_t *x = slot < 0 ? reinterpret_cast<const uint8_t *>(X) : xq + slot * stride;
                    cpu::matmul_dot(cpu::select_dot(W.type, avx2), W.data, W.row_bytes, x, cpu::activation_row_bytes(act, in),
                                    ps[p].Y, n, in, b, e, out);
                }
            }
        }
    }

    float *kv_at(int seq, int pos, int layer, int which) const {
        int block = table_.block_of(seq, pos);
        int slot = pos % table_.block_tokens();
        return kv_ + static_cast<size_t>(block) * block_floats_ +
               (static_cast<size_t>(layer * 2 + which) * table_.block_tokens() + slot) * c_.kv_dim();
    }

    void rope_and_store(const Row *rows, int n, int layer) {
        const int q_dim = c_.q_dim(), kv_dim = c_.kv_dim(), hs = c_.head_dim, pairs = hs / 2;
        for (int r = 0; r < n; r++) {
            float *k = &k_[static_cast<size_t>(r) * kv_dim], *cos = &rope_[static_cast<size_t>(r) * hs], *sin = cos + pairs;
            cpu::rope_angles(rows[r].pos, inv_freq_.data(), pairs, cos, sin);
            cpu::rope(&q_[static_cast<size_t>(r) * q_dim], c_.heads, hs, cos, sin, c_.rope_neox);
            cpu::rope(k, c_.kv_heads, hs, cos, sin, c_.rope_neox);
            std::memcpy(kv_at(rows[r].seq, rows[r].pos, layer, 0), k, kv_dim * sizeof(float));
            std::memcpy(kv_at(rows[r].seq, rows[r].pos, layer, 1), &v_[static_cast<size_t>(r) * kv_dim], kv_dim * sizeof(float));
        }
    }

    // Grouped-query attention over the paged cache; each (row, head) writes its head's slice of xb2.
    void attention(const Row *rows, int n, int layer) {
        const int heads = c_.heads, hs = c_.head_dim, q_dim = c_.q_dim(), group = c_.heads / c_.kv_heads;
        const int items = n * heads;
        long long work = 0;
        for (int r = 0; r < n; r++) work += static_cast<long long>(rows[r].pos + 1) * heads * hs;
        int threads = work < (1 << 18) ? 1 : threads_;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 4)
        for (int it = 0; it < items; it++) {
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
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(const Model &model, const BlockTable &table, const BackendOptions &options) {
    return std::make_unique<CpuBackend>(model, table, options);
}

}  // namespace cloister
