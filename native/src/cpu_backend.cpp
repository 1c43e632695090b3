// The CPU backend: fp32, OpenMP across cores, AVX2/FMA matrix kernels where the CPU has them.
#include <omp.h>

#include <cmath>
#include <cstring>

#include "backend.h"
#include "cloister_infer.h"
#include "cpu_kernels.h"

namespace cloister {

namespace {

// One matrix product of a fused group: Y[n][out] = X[n][in] . W[out][in]^T.
struct Product {
    const float *W;
    float *Y;
    int out;
};

class CpuBackend final : public Backend {
public:
    CpuBackend(const Model &model, const BlockTable &table, const BackendOptions &o)
        : model_(model), table_(table), c_(model.config()), w_(model.weights()) {
        threads_ = o.threads > 0 ? o.threads : omp_get_max_threads();
        const char *kernel = nullptr;
        matmul_ = cpu::select_matmul(&kernel);
        name_ = std::string("cpu ") + kernel + " x" + std::to_string(threads_);
        max_rows_ = o.max_rows;
        block_floats_ = static_cast<size_t>(c_.layers) * 2 * table.block_tokens() * c_.kv_dim();
        size_t n = static_cast<size_t>(max_rows_);
        x_.assign(n * c_.dim, 0.0f);
        xb_.assign(n * c_.dim, 0.0f);
        xb2_.assign(n * c_.dim, 0.0f);
        q_.assign(n * c_.dim, 0.0f);
        k_.assign(n * c_.kv_dim(), 0.0f);
        v_.assign(n * c_.kv_dim(), 0.0f);
        hb_.assign(n * c_.hidden_dim, 0.0f);
        hb2_.assign(n * c_.hidden_dim, 0.0f);
        att_.assign(n * c_.heads * static_cast<size_t>(c_.seq_len), 0.0f);
        // calloc: the pool's pages are committed as sequences first touch them, and start zeroed.
        kv_ = static_cast<float *>(std::calloc(static_cast<size_t>(table.blocks_total()) * block_floats_, sizeof(float)));
        if (kv_ == nullptr) throw Error(CI_ERR_MEMORY, "cannot allocate the KV cache");
        // RoPE frequencies per pair within a head (llama2.c: 1 / theta^(i / head_size) for even i).
        int hs = c_.head_size();
        for (int i = 0; i < hs; i += 2) inv_freq_.push_back(1.0f / std::pow(c_.rope_theta, i / static_cast<float>(hs)));
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
        for (std::vector<float> *v : {&x_, &xb_, &xb2_, &q_, &k_, &v_, &hb_, &hb2_, &att_})
            std::memset(v->data(), 0, v->size() * sizeof(float));
        asm volatile("" : : "r"(x_.data()) : "memory");
    }

    void read_block(int block, float *out) override {
        std::memcpy(out, kv_ + static_cast<size_t>(block) * block_floats_, block_floats_ * sizeof(float));
    }

    void forward(const Row *rows, int n, const int *logit_rows, int n_logits, float *logits) override {
        const int dim = c_.dim, kv_dim = c_.kv_dim(), hidden = c_.hidden_dim;
        for (int r = 0; r < n; r++)
            std::memcpy(&x_[static_cast<size_t>(r) * dim], w_.token_embedding + static_cast<size_t>(rows[r].token) * dim,
                        dim * sizeof(float));
        for (int l = 0; l < c_.layers; l++) {
            const Weights::Layer &ly = w_.layer[l];
            rmsnorm(xb_.data(), x_.data(), ly.rms_att, n);
            matmuls(xb_.data(), n, dim, {{ly.wq, q_.data(), dim}, {ly.wk, k_.data(), kv_dim}, {ly.wv, v_.data(), kv_dim}});
            rope_and_store(rows, n, l);
            attention(rows, n, l);
            matmuls(xb2_.data(), n, dim, {{ly.wo, xb_.data(), dim}});
            add(x_.data(), xb_.data(), static_cast<size_t>(n) * dim);
            rmsnorm(xb_.data(), x_.data(), ly.rms_ffn, n);
            matmuls(xb_.data(), n, dim, {{ly.w1, hb_.data(), hidden}, {ly.w3, hb2_.data(), hidden}});
            swiglu(static_cast<size_t>(n) * hidden);
            matmuls(hb_.data(), n, hidden, {{ly.w2, xb_.data(), dim}});
            add(x_.data(), xb_.data(), static_cast<size_t>(n) * dim);
        }
        // Only the rows that want logits go through the final norm and the classifier.
        for (int j = 0; j < n_logits; j++)
            std::memcpy(&xb2_[static_cast<size_t>(j) * dim], &x_[static_cast<size_t>(logit_rows[j]) * dim], dim * sizeof(float));
        rmsnorm(xb_.data(), xb2_.data(), w_.rms_final, n_logits);
        matmuls(xb_.data(), n_logits, dim, {{w_.classifier, logits, c_.vocab_size}});
    }

private:
    void rmsnorm(float *out, const float *x, const float *weight, int n) const {
        for (int r = 0; r < n; r++)
            cpu::rmsnorm(out + static_cast<size_t>(r) * c_.dim, x + static_cast<size_t>(r) * c_.dim, weight, c_.dim,
                         c_.norm_eps);
    }

    static void add(float *x, const float *y, size_t n) {
        for (size_t i = 0; i < n; i++) x[i] += y[i];
    }

    void swiglu(size_t n) { cpu::swiglu(hb_.data(), hb2_.data(), n); }

    // The products of one group share their input; one parallel region splits each product's rows across threads.
    void matmuls(const float *X, int n, int in, std::initializer_list<Product> group) {
        if (n == 0) return;
        const Product *ps = group.begin();
        const int count = static_cast<int>(group.size());
        long long work = 0;
        for (int p = 0; p < count; p++) work += static_cast<long long>(ps[p].out) * in * n;
        int threads = work < (1 << 18) ? 1 : threads_;  // a parallel region costs microseconds: small products stay on one thread
        cpu::MatmulFn mm = matmul_;
#pragma omp parallel num_threads(threads)
        {
            int t = omp_get_thread_num(), nt = omp_get_num_threads();
            for (int p = 0; p < count; p++) {
                int out = ps[p].out;
                int per = (out + nt - 1) / nt;
                per = (per + 7) & ~7;
                int b = t * per, e = b + per < out ? b + per : out;
                if (b < e) mm(ps[p].W, X, ps[p].Y, n, in, b, e, out);
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
        const int dim = c_.dim, kv_dim = c_.kv_dim();
        for (int r = 0; r < n; r++) {
            float *k = &k_[static_cast<size_t>(r) * kv_dim];
            cpu::rope(&q_[static_cast<size_t>(r) * dim], k, dim, kv_dim, c_.head_size(), rows[r].pos, inv_freq_.data());
            std::memcpy(kv_at(rows[r].seq, rows[r].pos, layer, 0), k, kv_dim * sizeof(float));
            std::memcpy(kv_at(rows[r].seq, rows[r].pos, layer, 1), &v_[static_cast<size_t>(r) * kv_dim], kv_dim * sizeof(float));
        }
    }

    // Grouped-query attention over the paged cache; each (row, head) writes its head's slice of xb2.
    void attention(const Row *rows, int n, int layer) {
        const int heads = c_.heads, hs = c_.head_size(), dim = c_.dim, group = c_.heads / c_.kv_heads;
        const int items = n * heads;
        long long work = 0;
        for (int r = 0; r < n; r++) work += static_cast<long long>(rows[r].pos + 1) * heads * hs;
        int threads = work < (1 << 18) ? 1 : threads_;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 4)
        for (int it = 0; it < items; it++) {
            const int r = it / heads, h = it % heads, kvh = h / group;
            const Row &row = rows[r];
            const float *q = &q_[static_cast<size_t>(r) * dim + static_cast<size_t>(h) * hs];
            float *out = &xb2_[static_cast<size_t>(r) * dim + static_cast<size_t>(h) * hs];
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
    std::string name_;
    int threads_ = 1;
    int max_rows_ = 1;
    size_t block_floats_ = 0;
    float *kv_ = nullptr;
    std::vector<float> inv_freq_;
    std::vector<float> x_, xb_, xb2_, q_, k_, v_, hb_, hb2_, att_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(const Model &model, const BlockTable &table, const BackendOptions &options) {
    return std::make_unique<CpuBackend>(model, table, options);
}

}  // namespace cloister
