#include "tlt/util/state_dict.h"

#include <ATen/core/Dict.h>
#include <ATen/core/ivalue.h>
#include <c10/util/Exception.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include <vector>

#include "tlt/util/error.h"
#include "tlt/util/file_io.h"
#include "tlt/util/shapes.h"

namespace tlt {

void save_state_dict(const StateDict& state, const std::filesystem::path& path) {
  c10::Dict<std::string, at::Tensor> dict;
  for (const auto& [name, tensor] : state) {
    dict.insert(name, tensor.detach().to(at::kCPU).contiguous());
  }
  const std::vector<char> bytes = torch::jit::pickle_save(dict);
  write_file_atomic(path, std::string_view(bytes.data(), bytes.size()));
}

StateDict load_state_dict(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) {
    throw CheckpointError("checkpoint '" + path.string() + "' not found");
  }
  std::string bytes;
  try {
    bytes = read_file(path);
  } catch (const DataError& e) {
    throw CheckpointError(e.what());
  }
  c10::IValue value;
  try {
    value = torch::jit::pickle_load(std::vector<char>(bytes.begin(), bytes.end()));
  } catch (const std::exception& e) {
    std::string reason = e.what();
    reason = reason.substr(0, reason.find('\n'));
    throw CheckpointError("cannot read checkpoint '" + path.string() +
                          "': it is truncated or not a PyTorch state_dict (" + reason + ")");
  }
  if (!value.isGenericDict()) {
    throw CheckpointError("checkpoint '" + path.string() + "' holds a " + value.tagKind() +
                          ", expected a dict of parameter names to tensors");
  }
  StateDict state;
  for (const auto& entry : value.toGenericDict()) {
    if (!entry.key().isString() || !entry.value().isTensor()) {
      throw CheckpointError("checkpoint '" + path.string() + "' has an entry that is not name -> tensor (" +
                            entry.key().tagKind() + " -> " + entry.value().tagKind() + ")");
    }
    state[entry.key().toStringRef()] = entry.value().toTensor();
  }
  return state;
}

void check_state_dict_matches(const StateDict& state, const StateDict& expected, const std::string& what) {
  std::vector<std::string> problems;
  for (const auto& [name, tensor] : expected) {
    auto found = state.find(name);
    if (found == state.end()) {
      problems.push_back("missing '" + name + "'");
    } else if (found->second.sizes() != tensor.sizes()) {
      problems.push_back("'" + name + "' has shape " + format_shape(found->second.sizes()) + ", the model has " +
                         format_shape(tensor.sizes()));
    }
  }
  for (const auto& [name, tensor] : state) {
    if (!expected.count(name)) problems.push_back("unexpected '" + name + "'");
  }
  if (problems.empty()) return;
  std::string message = what + " does not match the model (";
  const size_t shown = std::min<size_t>(problems.size(), 4);
  for (size_t i = 0; i < shown; ++i) message += (i ? "; " : "") + problems[i];
  if (problems.size() > shown) message += "; and " + std::to_string(problems.size() - shown) + " more";
  message += "); check that it was written for the same model config";
  throw CheckpointError(message);
}

}  // namespace tlt
