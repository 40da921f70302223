#include "tlt/util/torch_compat.h"

#include <torch/cuda.h>
#include <torch/utils.h>

namespace tlt::compat {

bool cuda_available() { return torch::cuda::is_available(); }

int64_t cuda_device_count() { return static_cast<int64_t>(torch::cuda::device_count()); }

void manual_seed(uint64_t seed) { torch::manual_seed(seed); }

}  // namespace tlt::compat
