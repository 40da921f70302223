// Checkpoint files: a state_dict (parameter name -> tensor) in PyTorch's pickle format.
//
// tlt writes these with torch::pickle_save of a c10::Dict<std::string, at::Tensor>, which Python's
// torch.load reads as a dict, and reads them with torch::pickle_load, which accepts a state_dict that
// Python saved with torch.save. Model weights, masks, directions and optimizer state all use it.
#pragma once

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <map>
#include <string>

namespace tlt {

/// Ordered map of tensor names to tensors; the order is the file's key order.
using StateDict = std::map<std::string, at::Tensor>;

/// Saves `state` atomically to `path`. Tensors are stored contiguous on the CPU.
void save_state_dict(const StateDict& state, const std::filesystem::path& path);

/// Loads a state_dict. Throws CheckpointError naming the path when the file is missing, truncated,
/// not a pickle, or not a dict of strings to tensors.
StateDict load_state_dict(const std::filesystem::path& path);

/// Checks that `state` has every key of `expected` with the same shape, and no other keys. Throws
/// CheckpointError listing the first missing, unexpected and mismatched keys, with shapes. `what`
/// names the file for the message, for example "checkpoint runs/base/best.pt".
void check_state_dict_matches(const StateDict& state, const StateDict& expected, const std::string& what);

}  // namespace tlt
