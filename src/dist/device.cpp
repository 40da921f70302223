#include "tlt/dist/device.h"

#include "tlt/dist/process_group.h"
#include "tlt/util/error.h"
#include "tlt/util/torch_compat.h"

namespace tlt::dist {

namespace {

std::string gpu_count_text(int64_t count) { return std::to_string(count) + (count == 1 ? " GPU is" : " GPUs are"); }

/// The N of "cuda:N", or -1 where `text` is not a GPU number.
int64_t parse_gpu_number(const std::string& text) {
  if (text.empty() || text.size() > 6 || text.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stol(text);
}

}  // namespace

c10::Device device_for_rank(const std::string& name, int local_rank, int64_t cuda_device_count) {
  if (name == "cpu") return c10::Device(c10::kCPU);
  const bool any_gpu = name == "cuda";
  const std::string prefix = "cuda:";
  if (!any_gpu && name.rfind(prefix, 0) != 0) {
    throw ConfigError("invalid --device '" + name + "': expected cpu, cuda or cuda:N (a GPU number)");
  }
  if (cuda_device_count <= 0) {
    throw ConfigError("--device " + name +
                      " was requested, but this LibTorch build has no CUDA or no GPU is "
                      "visible; use --device cpu or build against a CUDA LibTorch");
  }

  int64_t index = 0;
  if (any_gpu) {
    if (cuda_device_count > 1) index = local_rank;
    if (index >= cuda_device_count) {
      throw ConfigError("--device cuda: this process has LOCAL_RANK " + std::to_string(local_rank) + " but only " +
                        gpu_count_text(cuda_device_count) + " visible; start at most " +
                        std::to_string(cuda_device_count) +
                        " ranks per node, or give each rank one GPU "
                        "(CUDA_VISIBLE_DEVICES)");
    }
  } else {
    index = parse_gpu_number(name.substr(prefix.size()));
    if (index < 0) throw ConfigError("invalid --device '" + name + "': expected cpu, cuda or cuda:N (a GPU number)");
    if (index >= cuda_device_count) {
      throw ConfigError("--device " + name + ": only " + gpu_count_text(cuda_device_count) +
                        " visible (numbered from 0)");
    }
  }
  return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
}

c10::Device select_device(const std::string& name, const ProcessGroup* group) {
  const int local_rank = group != nullptr ? group->local_rank() : 0;
  const int64_t gpus = name == "cpu" ? 0 : compat::cuda_device_count();
  return device_for_rank(name, local_rank, gpus);
}

}  // namespace tlt::dist
