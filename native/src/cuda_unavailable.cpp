// Linked when nvcc was not found at build time: the CUDA backend is absent and AUTO picks the CPU.
#include "backend.h"

namespace cloister {

std::unique_ptr<Backend> make_cuda_backend(const Model &, const BlockTable &, const BackendOptions &, std::string *why_not) {
    if (why_not != nullptr) *why_not = "this library was built without CUDA";
    return nullptr;
}

bool cuda_backend_built() { return false; }

}  // namespace cloister
