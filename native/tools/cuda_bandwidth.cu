// Measures device-to-device copy bandwidth (the roofline for memory-bound decode): copies a 1 GiB buffer 20 times
// and prints bytes moved (read + write) per second.
#include <cuda_runtime.h>

#include <cstdio>

int main() {
    const size_t bytes = size_t(1) << 30;
    void *a = nullptr, *b = nullptr;
    if (cudaMalloc(&a, bytes) != cudaSuccess || cudaMalloc(&b, bytes) != cudaSuccess) {
        std::fprintf(stderr, "cudaMalloc failed\n");
        return 1;
    }
    cudaMemset(a, 1, bytes);
    cudaMemcpy(b, a, bytes, cudaMemcpyDeviceToDevice);  // warm-up
    cudaEvent_t start, stop;
    cudaEventCreate(&start);
    cudaEventCreate(&stop);
    const int reps = 20;
    cudaEventRecord(start);
    for (int i = 0; i < reps; i++) cudaMemcpy(b, a, bytes, cudaMemcpyDeviceToDevice);
    cudaEventRecord(stop);
    cudaEventSynchronize(stop);
    float ms = 0;
    cudaEventElapsedTime(&ms, start, stop);
    cudaError_t rc = cudaGetLastError();
    if (rc != cudaSuccess) {
        std::fprintf(stderr, "CUDA: %s\n", cudaGetErrorString(rc));
        return 1;
    }
    double gbps = 2.0 * bytes * reps / (ms / 1e3) / 1e9;
    std::printf("d2d_copy_GBps=%.1f\n", gbps);
    return 0;
}
