// The CUDA backend: weights on the device in their file's GGML type (F32 ones optionally rounded to bf16), decoded
// inside the product kernels (decode8 of quant.h, which the CPU tests check); fp32 activations and KV cache, a paged
// KV pool in device memory, and CUDA graphs for decode steps (one graph per batch size; CLOISTER_CUDA_GRAPHS=0 turns
// them off).
// Matrix products stream each weight row once per group of 8 rows of activations (decode is memory-bound; the groups
// of a larger batch re-read the rows from L2), and every kernel treats each row alone: results are bit-identical
// whatever the batch, as on the CPU.
// The forward pass reads in layer order, as the CPU backend's does.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <utility>
#include <string>
#include <vector>

#include "backend.h"
#include "cloister_infer.h"
#include "quant.h"

namespace cloister {

namespace {

void check(cudaError_t rc, const char *what) {
    if (rc != cudaSuccess)
        throw Error(CI_ERR_BACKEND, std::string("CUDA: ") + what + ": " + cudaGetErrorString(rc));
}

template <typename T> __device__ __forceinline__ float ld(const T *p);
template <> __device__ __forceinline__ float ld<float>(const float *p) { return __ldg(p); }
template <> __device__ __forceinline__ float ld<__nv_bfloat16>(const __nv_bfloat16 *p) { return __bfloat162float(*p); }

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Block-wide sum or max (blockDim.x a multiple of 32, at most 1024); every thread gets the result.
template <bool MAX> __device__ float block_reduce(float v) {
    __shared__ float partial[32];
    __shared__ float result;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = MAX ? warp_max(v) : warp_sum(v);
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    if (warp == 0) {
        float x = lane < warps ? partial[lane] : (MAX ? -INFINITY : 0.0f);
        x = MAX ? warp_max(x) : warp_sum(x);
        if (lane == 0) result = x;
    }
    __syncthreads();
    float r = result;
    __syncthreads();
    return r;
}

// One value of a row of a type with one value per block (F32, F16, BF16): the tails that decode8 cannot cover.
template <uint32_t T> __device__ __forceinline__ float decode1(const uint8_t *row, int i) {
    if constexpr (T == GGML_F32) {
        float f;
        memcpy(&f, row + static_cast<size_t>(i) * 4, 4);
        return f;
    } else if constexpr (T == GGML_F16) {
        return fp16_to_float(load_u16(row + static_cast<size_t>(i) * 2));
    } else if constexpr (T == GGML_BF16) {
        return bf16_bits_to_float(load_u16(row + static_cast<size_t>(i) * 2));
    } else {
        return 0.0f;  // block types: rows are whole blocks of at least 32 values, never a tail
    }
}

// Token embedding rows decoded from any type.
template <uint32_t T>
__global__ void embed_kernel(const uint8_t *emb, size_t row_bytes, const int *tokens, float *x, int dim) {
    const int r = blockIdx.x;
    const uint8_t *row = emb + static_cast<size_t>(tokens[r]) * row_bytes;
    float *xr = x + static_cast<size_t>(r) * dim;
    for (int i = threadIdx.x * 8; i < dim; i += blockDim.x * 8) {
        if (i + 8 <= dim) {
            decode8<T>(row, i, xr + i);
        } else {
            for (int k = i; k < dim; k++) xr[k] = decode1<T>(row, k);
        }
    }
}

// out[r] = w * x[src] / rms(x[src]), src = gather ? gather[r] : r.
__global__ void rmsnorm_kernel(float *out, const float *x, const float *w, const int *gather, int dim, float eps) {
    const int r = blockIdx.x;
    const int src = gather != nullptr ? gather[r] : r;
    const float *xr = x + static_cast<size_t>(src) * dim;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) ss += xr[i] * xr[i];
    ss = block_reduce<false>(ss);
    const float inv = rsqrtf(ss / dim + eps);
    for (int i = threadIdx.x; i < dim; i += blockDim.x) out[static_cast<size_t>(r) * dim + i] = w[i] * (inv * xr[i]);
}

// Every matrix product: one warp per weight row and up to 8 input rows per block (blockIdx.x picks the group of 8,
// blockIdx.y the weight rows, so the blocks that share weight rows run together and find them in L2). Each output
// element is summed in the same order whatever the batch, so a sequence's logits do not depend on its batch.
template <typename T>
__global__ void gemv_kernel(const T *W, const float *X, float *Y, int rows, int in, int out) {
    const int warps = blockDim.x >> 5, lane = threadIdx.x & 31;
    const int o = blockIdx.y * warps + (threadIdx.x >> 5);
    if (o >= out) return;
    const int n = min(8, rows - static_cast<int>(blockIdx.x) * 8);
    X += static_cast<size_t>(blockIdx.x) * 8 * in;
    Y += static_cast<size_t>(blockIdx.x) * 8 * out;
    const T *w = W + static_cast<size_t>(o) * in;
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = lane; i < in; i += 32) {
        const float wv = ld(w + i);
#pragma unroll
        for (int b = 0; b < 8; b++)
            if (b < n) acc[b] = fmaf(wv, X[static_cast<size_t>(b) * in + i], acc[b]);
    }
#pragma unroll
    for (int b = 0; b < 8; b++) {
        if (b < n) {
            float s = warp_sum(acc[b]);
            if (lane == 0) Y[static_cast<size_t>(b) * out + o] = s;
        }
    }
}

// 16 bytes of weights (4 floats or 8 bf16) at a 16-byte aligned address, to fp32.
__device__ __forceinline__ void load_weights(const float *p, float *out) {
    const float4 v = *reinterpret_cast<const float4 *>(p);
    out[0] = v.x; out[1] = v.y; out[2] = v.z; out[3] = v.w;
}
__device__ __forceinline__ void load_weights(const __nv_bfloat16 *p, float *out) {
    const uint4 u = *reinterpret_cast<const uint4 *>(p);
    const __nv_bfloat162 *h = reinterpret_cast<const __nv_bfloat162 *>(&u);
#pragma unroll
    for (int k = 0; k < 4; k++) {
        const float2 f = __bfloat1622float2(h[k]);
        out[2 * k] = f.x;
        out[2 * k + 1] = f.y;
    }
}

// The same as gemv_kernel with 16-byte loads (every lane reads 16 bytes of weights per step); needs in % V == 0.
template <typename T>
__global__ void gemv_vector_kernel(const T *W, const float *X, float *Y, int rows, int in, int out) {
    constexpr int V = 16 / sizeof(T);
    const int warps = blockDim.x >> 5, lane = threadIdx.x & 31;
    const int o = blockIdx.y * warps + (threadIdx.x >> 5);
    if (o >= out) return;
    const int n = min(8, rows - static_cast<int>(blockIdx.x) * 8);
    X += static_cast<size_t>(blockIdx.x) * 8 * in;
    Y += static_cast<size_t>(blockIdx.x) * 8 * out;
    const T *w = W + static_cast<size_t>(o) * in;
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
#pragma unroll 4
    for (int i = lane * V; i < in; i += 32 * V) {
        float wv[V];
        load_weights(w + i, wv);
#pragma unroll
        for (int b = 0; b < 8; b++) {
            if (b < n) {
                const float *x = X + static_cast<size_t>(b) * in + i;
#pragma unroll
                for (int k = 0; k < V; k += 4) {
                    const float4 xv = *reinterpret_cast<const float4 *>(x + k);
                    acc[b] = fmaf(wv[k], xv.x, acc[b]);
                    acc[b] = fmaf(wv[k + 1], xv.y, acc[b]);
                    acc[b] = fmaf(wv[k + 2], xv.z, acc[b]);
                    acc[b] = fmaf(wv[k + 3], xv.w, acc[b]);
                }
            }
        }
    }
#pragma unroll
    for (int b = 0; b < 8; b++) {
        if (b < n) {
            float s = warp_sum(acc[b]);
            if (lane == 0) Y[static_cast<size_t>(b) * out + o] = s;
        }
    }
}

// Products with weights of a block type (or F16): the same warp-per-row, 8-rows-per-block layout, each lane decoding 8
// consecutive values at a time (they share one block and scale), so the weights stay in their file's type on the device.
template <uint32_t T>
__global__ void gemv_decode_kernel(const uint8_t *W, size_t row_bytes, const float *X, float *Y, int rows, int in, int out) {
    const int warps = blockDim.x >> 5, lane = threadIdx.x & 31;
    const int o = blockIdx.y * warps + (threadIdx.x >> 5);
    if (o >= out) return;
    const int n = min(8, rows - static_cast<int>(blockIdx.x) * 8);
    X += static_cast<size_t>(blockIdx.x) * 8 * in;
    Y += static_cast<size_t>(blockIdx.x) * 8 * out;
    const uint8_t *w = W + static_cast<size_t>(o) * row_bytes;
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = lane * 8; i < in; i += 32 * 8) {
        float wv[8];
        const int valid = min(8, in - i);
        if (valid == 8) {
            decode8<T>(w, i, wv);
        } else {
            for (int k = 0; k < 8; k++) wv[k] = k < valid ? decode1<T>(w, i + k) : 0.0f;
        }
#pragma unroll
        for (int b = 0; b < 8; b++) {
            if (b < n) {
                const float *x = X + static_cast<size_t>(b) * in + i;
#pragma unroll
                for (int k = 0; k < 8; k++)
                    if (k < valid) acc[b] = fmaf(wv[k], x[k], acc[b]);
            }
        }
    }
#pragma unroll
    for (int b = 0; b < 8; b++) {
        if (b < n) {
            float s = warp_sum(acc[b]);
            if (lane == 0) Y[static_cast<size_t>(b) * out + o] = s;
        }
    }
}

struct KvLayout {
    float *pool;
    const int *tables;  // [rows][max_blocks]: each row's sequence's block table
    int max_blocks;
    int block_tokens;
    int kv_dim;
    size_t block_floats;

    __device__ float *at(int row, int pos, int layer, int which) const {
        const int block = tables[row * max_blocks + pos / block_tokens];
        return pool + static_cast<size_t>(block) * block_floats +
               (static_cast<size_t>(layer * 2 + which) * block_tokens + pos % block_tokens) * kv_dim;
    }
};

// RoPE on q and k, then K and V into the paged cache. One thread per rotated pair (j) of a head (h): pairs are
// (2j, 2j + 1) (llama) or (j, j + head_size / 2) (neox); inv_freq[j] holds the model's frequencies (scaling and
// rope_freqs factors included, as on the CPU).
__global__ void rope_store_kernel(float *q, const float *k, const float *v, const int *pos, KvLayout kv, int layer,
                                  int heads, int kv_heads, int head_size, const float *inv_freq, bool neox) {
    const int r = blockIdx.y, pairs = head_size / 2;
    const int t = blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= heads * pairs) return;
    const int h = t / pairs, j = t % pairs;
    const int a = h * head_size + (neox ? j : 2 * j), b = h * head_size + (neox ? j + pairs : 2 * j + 1);
    const int p = pos[r];
    float s, c;
    sincosf(static_cast<float>(p) * inv_freq[j], &s, &c);
    float *qr = q + static_cast<size_t>(r) * heads * head_size;
    const float q0 = qr[a], q1 = qr[b];
    qr[a] = q0 * c - q1 * s;
    qr[b] = q0 * s + q1 * c;
    if (h < kv_heads) {
        const float *kr = k + static_cast<size_t>(r) * kv.kv_dim;
        const float *vr = v + static_cast<size_t>(r) * kv.kv_dim;
        float *kc = kv.at(r, p, layer, 0), *vc = kv.at(r, p, layer, 1);
        kc[a] = kr[a] * c - kr[b] * s;
        kc[b] = kr[a] * s + kr[b] * c;
        vc[a] = vr[a];
        vc[b] = vr[b];
    }
}

// x[r][i] += bias[i] for rows [0, n) of `width`.
__global__ void add_bias_kernel(float *x, const float *bias, int width, size_t total) {
    const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
    if (i < total) x[i] += bias[i % width];
}

// One block per (head, row): scores over positions 0..pos, softmax, weighted sum of V; grouped-query heads share K/V.
__global__ void attention_kernel(const float *q, float *out, float *att, const int *pos, KvLayout kv, int layer,
                                 int q_dim, int heads, int group, int head_size, int seq_len) {
    extern __shared__ float qs[];
    const int h = blockIdx.x, r = blockIdx.y, p = pos[r], kvh = h / group;
    const float scale = rsqrtf(static_cast<float>(head_size));
    for (int i = threadIdx.x; i < head_size; i += blockDim.x) qs[i] = q[static_cast<size_t>(r) * q_dim + h * head_size + i];
    __syncthreads();
    float *a = att + (static_cast<size_t>(r) * heads + h) * seq_len;
    float local_max = -INFINITY;
    for (int t = threadIdx.x; t <= p; t += blockDim.x) {
        const float *kt = kv.at(r, t, layer, 0) + kvh * head_size;
        float s = 0.0f;
        for (int i = 0; i < head_size; i++) s = fmaf(qs[i], kt[i], s);
        s *= scale;
        a[t] = s;
        local_max = fmaxf(local_max, s);
    }
    const float max = block_reduce<true>(local_max);
    float local_sum = 0.0f;
    for (int t = threadIdx.x; t <= p; t += blockDim.x) {
        const float e = __expf(a[t] - max);
        a[t] = e;
        local_sum += e;
    }
    const float inv = 1.0f / block_reduce<false>(local_sum);  // the reduction's barriers also publish a[]
    for (int i = threadIdx.x; i < head_size; i += blockDim.x) {
        float acc = 0.0f;
        for (int t = 0; t <= p; t++) acc = fmaf(a[t], kv.at(r, t, layer, 1)[kvh * head_size + i], acc);
        out[static_cast<size_t>(r) * q_dim + h * head_size + i] = acc * inv;
    }
}

__global__ void add_kernel(float *x, const float *y, size_t n) {
    size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
    if (i < n) x[i] += y[i];
}

__global__ void swiglu_kernel(float *h, const float *h2, size_t n) {
    size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
    if (i < n) {
        const float v = h[i];
        h[i] = v / (1.0f + __expf(-v)) * h2[i];
    }
}

// A weight matrix on the device, in its file's type (or bf16 where an F32 one was rounded on upload).
struct DeviceTensor {
    const uint8_t *data = nullptr;
    uint32_t type = GGML_F32;
    size_t row_bytes = 0;
};

class CudaBackend final : public Backend {
public:
    CudaBackend(const Model &model, const BlockTable &table, const BackendOptions &o, const std::string &device)
        : table_(table), c_(model.config()), bf16_(o.weight_type == CI_WEIGHTS_BF16) {
        name_ = "cuda " + device + (bf16_ ? " bf16" : " f32");
        const char *g = std::getenv("CLOISTER_CUDA_GRAPHS");
        graphs_enabled_ = g == nullptr || std::strcmp(g, "0") != 0;
        max_rows_ = o.max_rows;
        max_blocks_ = (c_.seq_len + table.block_tokens() - 1) / table.block_tokens();
        block_floats_ = static_cast<size_t>(c_.layers) * 2 * table.block_tokens() * c_.kv_dim();
        wide_ = std::max(c_.dim, c_.q_dim());
    }

    // Allocates and uploads; separate from the constructor so that a failure half-way still runs the destructor,
    // which frees whatever was allocated.
    void init(const Model &model) {
        const BlockTable &table = table_;
        check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "stream");
        upload_weights(model);
        const size_t R = max_rows_;
        x_ = dev<float>(R * c_.dim);
        xb_ = dev<float>(R * wide_);
        xb2_ = dev<float>(R * wide_);
        q_ = dev<float>(R * c_.q_dim());
        k_ = dev<float>(R * c_.kv_dim());
        v_ = dev<float>(R * c_.kv_dim());
        hb_ = dev<float>(R * c_.hidden_dim);
        hb2_ = dev<float>(R * c_.hidden_dim);
        att_ = dev<float>(R * c_.heads * static_cast<size_t>(c_.seq_len));
        logits_ = dev<float>(R * static_cast<size_t>(c_.vocab_size));
        d_tokens_ = dev<int>(R);
        d_pos_ = dev<int>(R);
        d_logit_rows_ = dev<int>(R);
        d_tables_ = dev<int>(R * max_blocks_);
        kv_ = dev<float>(static_cast<size_t>(table.blocks_total()) * block_floats_);
        check(cudaMemset(kv_, 0, static_cast<size_t>(table.blocks_total()) * block_floats_ * sizeof(float)), "zero KV");
        check(cudaMallocHost(&h_ints_, (3 * R + R * max_blocks_) * sizeof(int)), "pinned");
        check(cudaMallocHost(&h_logits_, R * static_cast<size_t>(c_.vocab_size) * sizeof(float)), "pinned");
        check(cudaDeviceSynchronize(), "init");
    }

    ~CudaBackend() override {
        for (auto &g : graphs_) cudaGraphExecDestroy(g.second);
        if (kv_ != nullptr) cudaMemset(kv_, 0, static_cast<size_t>(table_.blocks_total()) * block_floats_ * sizeof(float));
        cudaDeviceSynchronize();
        for (void *p : allocations_) cudaFree(p);
        if (h_ints_ != nullptr) cudaFreeHost(h_ints_);
        if (h_logits_ != nullptr) {
            std::memset(h_logits_, 0, static_cast<size_t>(max_rows_) * c_.vocab_size * sizeof(float));
            cudaFreeHost(h_logits_);
        }
        if (stream_ != nullptr) cudaStreamDestroy(stream_);
    }

    int kind() const override { return CI_BACKEND_CUDA; }
    const std::string &name() const override { return name_; }

    void zero_blocks(const std::vector<int32_t> &blocks) override {
        for (int32_t b : blocks)
            check(cudaMemsetAsync(kv_ + static_cast<size_t>(b) * block_floats_, 0, block_floats_ * sizeof(float), stream_),
                  "zero KV block");
        check(cudaStreamSynchronize(stream_), "zero KV blocks");
    }

    void wipe_scratch() override {
        const size_t R = max_rows_;
        const std::pair<void *, size_t> buffers[] = {
            {x_, R * c_.dim}, {xb_, R * wide_}, {xb2_, R * wide_}, {q_, R * c_.q_dim()}, {k_, R * c_.kv_dim()},
            {v_, R * c_.kv_dim()}, {hb_, R * c_.hidden_dim}, {hb2_, R * c_.hidden_dim},
            {att_, R * c_.heads * static_cast<size_t>(c_.seq_len)}, {logits_, R * static_cast<size_t>(c_.vocab_size)}};
        for (const auto &b : buffers) check(cudaMemsetAsync(b.first, 0, b.second * sizeof(float), stream_), "wipe");
        check(cudaStreamSynchronize(stream_), "wipe");
        std::memset(h_ints_, 0, (3 * R + R * max_blocks_) * sizeof(int));
        std::memset(h_logits_, 0, R * static_cast<size_t>(c_.vocab_size) * sizeof(float));
    }

    void read_block(int block, float *out) override {
        check(cudaMemcpy(out, kv_ + static_cast<size_t>(block) * block_floats_, block_floats_ * sizeof(float),
                         cudaMemcpyDeviceToHost),
              "read KV block");
    }

    void forward(const Row *rows, int n, const int *logit_rows, int n_logits, float *logits) override {
        // Row data into pinned memory, then one copy each to the device.
        int *tokens = h_ints_, *pos = h_ints_ + max_rows_, *lr = h_ints_ + 2 * max_rows_, *tables = h_ints_ + 3 * max_rows_;
        for (int r = 0; r < n; r++) {
            tokens[r] = rows[r].token;
            pos[r] = rows[r].pos;
            const auto &held = table_.blocks(rows[r].seq);
            std::memcpy(tables + static_cast<size_t>(r) * max_blocks_, held.data(), held.size() * sizeof(int));
        }
        for (int j = 0; j < n_logits; j++) lr[j] = logit_rows[j];
        check(cudaMemcpyAsync(d_tokens_, tokens, n * sizeof(int), cudaMemcpyHostToDevice, stream_), "upload");
        check(cudaMemcpyAsync(d_pos_, pos, n * sizeof(int), cudaMemcpyHostToDevice, stream_), "upload");
        check(cudaMemcpyAsync(d_logit_rows_, lr, n_logits * sizeof(int), cudaMemcpyHostToDevice, stream_), "upload");
        check(cudaMemcpyAsync(d_tables_, tables, static_cast<size_t>(n) * max_blocks_ * sizeof(int), cudaMemcpyHostToDevice,
                              stream_),
              "upload");
        // Decode steps (every row wants logits) replay a captured graph per batch size: kernel arguments are device
        // buffers whose contents change, never their addresses.
        const bool decode = n_logits == n && n <= 256;
        if (decode && graphs_enabled_) {
            auto it = graphs_.find(n);
            if (it == graphs_.end()) {
                cudaGraph_t graph;
                check(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal), "begin capture");
                launch(n, n_logits);
                check(cudaStreamEndCapture(stream_, &graph), "end capture");
                cudaGraphExec_t exec;
                cudaError_t rc = cudaGraphInstantiate(&exec, graph, 0);
                cudaGraphDestroy(graph);
                check(rc, "instantiate graph");
                it = graphs_.emplace(n, exec).first;
            }
            check(cudaGraphLaunch(it->second, stream_), "graph launch");
        } else {
            launch(n, n_logits);
        }
        check(cudaGetLastError(), "kernel launch");
        const size_t bytes = static_cast<size_t>(n_logits) * c_.vocab_size * sizeof(float);
        check(cudaMemcpyAsync(h_logits_, logits_, bytes, cudaMemcpyDeviceToHost, stream_), "download logits");
        check(cudaStreamSynchronize(stream_), "forward");
        std::memcpy(logits, h_logits_, bytes);
    }

private:
    struct LayerW {
        const float *rms_att, *rms_ffn, *bq, *bk, *bv, *q_norm, *k_norm;
        DeviceTensor wq, wk, wv, wo, w1, w2, w3;
    };

    template <typename U> U *dev(size_t count) {
        void *p = nullptr;
        check(cudaMalloc(&p, count * sizeof(U) + 16), "allocate device memory");
        allocations_.push_back(p);
        return static_cast<U *>(p);
    }

    const float *upload_f32(const float *src, size_t count) {
        if (src == nullptr) return nullptr;
        float *d = dev<float>(count);
        check(cudaMemcpy(d, src, count * sizeof(float), cudaMemcpyHostToDevice), "upload weights");
        return d;
    }

    // The tensor's bytes as they are in the file; F32 rounded to bf16 when asked (CI_WEIGHTS_BF16).
    DeviceTensor upload(const Tensor &t) {
        DeviceTensor d;
        if (t.type == GGML_F32 && bf16_) {
            const size_t count = static_cast<size_t>(t.rows) * t.cols;
            const float *src = reinterpret_cast<const float *>(t.data);
            std::vector<uint16_t> staging(count);
            for (size_t i = 0; i < count; i++) staging[i] = float_to_bf16(src[i]);
            uint8_t *p = dev<uint8_t>(count * 2);
            check(cudaMemcpy(p, staging.data(), count * 2, cudaMemcpyHostToDevice), "upload weights");
            d.data = p;
            d.type = GGML_BF16;
            d.row_bytes = static_cast<size_t>(t.cols) * 2;
            return d;
        }
        uint8_t *p = dev<uint8_t>(t.bytes());
        check(cudaMemcpy(p, t.data, t.bytes(), cudaMemcpyHostToDevice), "upload weights");
        d.data = p;
        d.type = t.type;
        d.row_bytes = t.row_bytes;
        return d;
    }

    void upload_weights(const Model &model) {
        const Weights &w = model.weights();
        const size_t D = c_.dim, Q = c_.q_dim(), KV = c_.kv_dim(), HS = c_.head_dim;
        embedding_ = upload(w.token_embedding);
        classifier_ = w.classifier.data == w.token_embedding.data ? embedding_ : upload(w.classifier);
        rms_final_ = upload_f32(w.rms_final, D);
        const std::vector<float> inv_freq = model.rope_inv_freq();
        inv_freq_ = upload_f32(inv_freq.data(), inv_freq.size());
        for (const auto &l : w.layer) {
            layers_.push_back(LayerW{upload_f32(l.rms_att, D), upload_f32(l.rms_ffn, D), upload_f32(l.bq, Q),
                                     upload_f32(l.bk, KV), upload_f32(l.bv, KV), upload_f32(l.q_norm, HS),
                                     upload_f32(l.k_norm, HS), upload(l.wq), upload(l.wk), upload(l.wv), upload(l.wo),
                                     upload(l.w1), upload(l.w2), upload(l.w3)});
        }
    }

    template <uint32_t T> void gemv(const DeviceTensor &W, const float *X, float *Y, int n, int in, int out, dim3 grid, int threads) {
        gemv_decode_kernel<T><<<grid, threads, 0, stream_>>>(W.data, W.row_bytes, X, Y, n, in, out);
    }

    void matmul(const DeviceTensor &W, const float *X, float *Y, int n, int in, int out) {
        const int warps = 8;
        dim3 grid((n + 7) / 8, (out + warps - 1) / warps);
        const int threads = warps * 32;
        switch (W.type) {
            case GGML_F32: {
                const float *w = reinterpret_cast<const float *>(W.data);
                if (in % 4 == 0) gemv_vector_kernel<float><<<grid, threads, 0, stream_>>>(w, X, Y, n, in, out);
                else gemv_kernel<float><<<grid, threads, 0, stream_>>>(w, X, Y, n, in, out);
                break;
            }
            case GGML_BF16: {
                const __nv_bfloat16 *w = reinterpret_cast<const __nv_bfloat16 *>(W.data);
                if (in % 8 == 0) gemv_vector_kernel<__nv_bfloat16><<<grid, threads, 0, stream_>>>(w, X, Y, n, in, out);
                else gemv_kernel<__nv_bfloat16><<<grid, threads, 0, stream_>>>(w, X, Y, n, in, out);
                break;
            }
            case GGML_F16: gemv<GGML_F16>(W, X, Y, n, in, out, grid, threads); break;
            case GGML_Q8_0: gemv<GGML_Q8_0>(W, X, Y, n, in, out, grid, threads); break;
            case GGML_Q4_0: gemv<GGML_Q4_0>(W, X, Y, n, in, out, grid, threads); break;
            case GGML_Q5_0: gemv<GGML_Q5_0>(W, X, Y, n, in, out, grid, threads); break;
            case GGML_Q5_1: gemv<GGML_Q5_1>(W, X, Y, n, in, out, grid, threads); break;
            case GGML_Q4_K: gemv<GGML_Q4_K>(W, X, Y, n, in, out, grid, threads); break;
            case GGML_Q5_K: gemv<GGML_Q5_K>(W, X, Y, n, in, out, grid, threads); break;
            case GGML_Q6_K: gemv<GGML_Q6_K>(W, X, Y, n, in, out, grid, threads); break;
            default: throw Error(CI_ERR_BACKEND, "CUDA: no product kernel for tensor type " + std::to_string(W.type));
        }
    }

    void embed(int n) {
        const DeviceTensor &E = embedding_;
        switch (E.type) {
            case GGML_F32: embed_kernel<GGML_F32><<<n, 128, 0, stream_>>>(E.data, E.row_bytes, d_tokens_, x_, c_.dim); break;
            case GGML_BF16: embed_kernel<GGML_BF16><<<n, 128, 0, stream_>>>(E.data, E.row_bytes, d_tokens_, x_, c_.dim); break;
            case GGML_F16: embed_kernel<GGML_F16><<<n, 128, 0, stream_>>>(E.data, E.row_bytes, d_tokens_, x_, c_.dim); break;
            case GGML_Q8_0: embed_kernel<GGML_Q8_0><<<n, 128, 0, stream_>>>(E.data, E.row_bytes, d_tokens_, x_, c_.dim); break;
            case GGML_Q4_0: embed_kernel<GGML_Q4_0><<<n, 128, 0, stream_>>>(E.data, E.row_bytes, d_tokens_, x_, c_.dim); break;
            case GGML_Q5_0: embed_kernel<GGML_Q5_0><<<n, 128, 0, stream_>>>(E.data, E.row_bytes, d_tokens_, x_, c_.dim); break;
            case GGML_Q5_1: embed_kernel<GGML_Q5_1><<<n, 128, 0, stream_>>>(E.data, E.row_bytes, d_tokens_, x_, c_.dim); break;
            case GGML_Q4_K: embed_kernel<GGML_Q4_K><<<n, 128, 0, stream_>>>(E.data, E.row_bytes, d_tokens_, x_, c_.dim); break;
            case GGML_Q5_K: embed_kernel<GGML_Q5_K><<<n, 128, 0, stream_>>>(E.data, E.row_bytes, d_tokens_, x_, c_.dim); break;
            case GGML_Q6_K: embed_kernel<GGML_Q6_K><<<n, 128, 0, stream_>>>(E.data, E.row_bytes, d_tokens_, x_, c_.dim); break;
            default: throw Error(CI_ERR_BACKEND, "CUDA: no embedding kernel for tensor type " + std::to_string(E.type));
        }
    }

    static unsigned blocks_for(size_t n) { return static_cast<unsigned>((n + 255) / 256); }

    void add_bias(float *x, const float *bias, int n, int width) {
        const size_t total = static_cast<size_t>(n) * width;
        add_bias_kernel<<<blocks_for(total), 256, 0, stream_>>>(x, bias, width, total);
    }

    void launch(int n, int n_logits) {
        const int dim = c_.dim, q_dim = c_.q_dim(), kv_dim = c_.kv_dim(), hidden = c_.hidden_dim, hs = c_.head_dim;
        KvLayout kv{kv_, d_tables_, max_blocks_, table_.block_tokens(), kv_dim, block_floats_};
        embed(n);
        for (int l = 0; l < c_.layers; l++) {
            const LayerW &ly = layers_[l];
            rmsnorm_kernel<<<n, 256, 0, stream_>>>(xb_, x_, ly.rms_att, nullptr, dim, c_.norm_eps);
            matmul(ly.wq, xb_, q_, n, dim, q_dim);
            matmul(ly.wk, xb_, k_, n, dim, kv_dim);
            matmul(ly.wv, xb_, v_, n, dim, kv_dim);
            if (ly.bq != nullptr) {
                add_bias(q_, ly.bq, n, q_dim);
                add_bias(k_, ly.bk, n, kv_dim);
                add_bias(v_, ly.bv, n, kv_dim);
            }
            if (ly.q_norm != nullptr) {  // per-head RMSNorm in place: one block per (row, head)
                rmsnorm_kernel<<<n * c_.heads, 128, 0, stream_>>>(q_, q_, ly.q_norm, nullptr, hs, c_.norm_eps);
                rmsnorm_kernel<<<n * c_.kv_heads, 128, 0, stream_>>>(k_, k_, ly.k_norm, nullptr, hs, c_.norm_eps);
            }
            dim3 rg((c_.heads * (hs / 2) + 127) / 128, n);
            rope_store_kernel<<<rg, 128, 0, stream_>>>(q_, k_, v_, d_pos_, kv, l, c_.heads, c_.kv_heads, hs, inv_freq_,
                                                       c_.rope_neox);
            dim3 ag(c_.heads, n);
            attention_kernel<<<ag, 128, hs * sizeof(float), stream_>>>(q_, xb2_, att_, d_pos_, kv, l, q_dim, c_.heads,
                                                                       c_.heads / c_.kv_heads, hs, c_.seq_len);
            matmul(ly.wo, xb2_, xb_, n, q_dim, dim);
            add_kernel<<<blocks_for(static_cast<size_t>(n) * dim), 256, 0, stream_>>>(x_, xb_, static_cast<size_t>(n) * dim);
            rmsnorm_kernel<<<n, 256, 0, stream_>>>(xb_, x_, ly.rms_ffn, nullptr, dim, c_.norm_eps);
            matmul(ly.w1, xb_, hb_, n, dim, hidden);
            matmul(ly.w3, xb_, hb2_, n, dim, hidden);
            swiglu_kernel<<<blocks_for(static_cast<size_t>(n) * hidden), 256, 0, stream_>>>(hb_, hb2_, static_cast<size_t>(n) * hidden);
            matmul(ly.w2, hb_, xb_, n, hidden, dim);
            add_kernel<<<blocks_for(static_cast<size_t>(n) * dim), 256, 0, stream_>>>(x_, xb_, static_cast<size_t>(n) * dim);
        }
        if (n_logits > 0) {
            rmsnorm_kernel<<<n_logits, 256, 0, stream_>>>(xb_, x_, rms_final_, d_logit_rows_, dim, c_.norm_eps);
            matmul(classifier_, xb_, logits_, n_logits, dim, c_.vocab_size);
        }
    }

    const BlockTable &table_;
    const ModelConfig &c_;
    const bool bf16_;
    std::string name_;
    bool graphs_enabled_ = true;
    int max_rows_ = 1;
    int max_blocks_ = 1;
    int wide_ = 1;
    size_t block_floats_ = 0;
    cudaStream_t stream_ = nullptr;
    std::vector<void *> allocations_;
    std::map<int, cudaGraphExec_t> graphs_;
    DeviceTensor embedding_, classifier_;
    const float *rms_final_ = nullptr;
    const float *inv_freq_ = nullptr;
    std::vector<LayerW> layers_;
    float *x_ = nullptr, *xb_ = nullptr, *xb2_ = nullptr, *q_ = nullptr, *k_ = nullptr, *v_ = nullptr;
    float *hb_ = nullptr, *hb2_ = nullptr, *att_ = nullptr, *logits_ = nullptr, *kv_ = nullptr;
    int *d_tokens_ = nullptr, *d_pos_ = nullptr, *d_logit_rows_ = nullptr, *d_tables_ = nullptr;
    int *h_ints_ = nullptr;
    float *h_logits_ = nullptr;
};

}  // namespace

std::unique_ptr<Backend> make_cuda_backend(const Model &model, const BlockTable &table, const BackendOptions &options,
                                           std::string *why_not) {
    int count = 0;
    cudaError_t rc = cudaGetDeviceCount(&count);
    if (rc != cudaSuccess || count == 0) {
        if (why_not != nullptr)
            *why_not = rc != cudaSuccess ? std::string("no usable CUDA device (") + cudaGetErrorString(rc) + ")"
                                         : std::string("no CUDA device");
        cudaGetLastError();  // clear the sticky-free error so later calls start clean
        return nullptr;
    }
    const ModelConfig &c = model.config();
    if (c.head_size() > 1024) {
        if (why_not != nullptr) *why_not = "head size over 1024";
        return nullptr;
    }
    if ((std::max({c.vocab_size, c.hidden_dim, c.q_dim()}) + 7) / 8 > 65535) {  // weight rows map to gridDim.y, 8 per block
        if (why_not != nullptr) *why_not = "more than 524,280 rows in one weight matrix";
        return nullptr;
    }
    check(cudaSetDevice(0), "set device");
    cudaDeviceProp prop{};
    check(cudaGetDeviceProperties(&prop, 0), "device properties");
    auto b = std::make_unique<CudaBackend>(model, table, options, prop.name);
    b->init(model);
    return b;
}

bool cuda_backend_built() { return true; }

}  // namespace cloister
