#include "tlt/util/state_dict.h"

#include <ATen/core/Dict.h>
#include <ATen/core/ivalue.h>
#include <c10/util/Exception.h>
#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/pickle.h>

#include <sstream>

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

namespace {

// LibTorch's unpickler (1.13 and 2.x) lacks the SETITEM opcode, which Python's pickler emits for a dict
// with exactly one entry, so torch.save({"logits": t}) cannot be read as is. This rewrites such an
// archive's data.pkl from "}q<memo> <key> <value> s." to "}q<memo> ( <key> <value> u.", an equivalent
// MARK ... SETITEMS form that the unpickler accepts. Returns an empty vector if the pattern is absent.
std::vector<char> rewrite_single_entry_dict(const std::string& bytes) {
  std::istringstream stream(bytes);
  caffe2::serialize::PyTorchStreamReader reader(&stream);
  if (!reader.hasRecord("data.pkl")) return {};
  auto [pickle_data, pickle_size] = reader.getRecord("data.pkl");
  std::string pickle(static_cast<const char*>(pickle_data.get()), pickle_size);
  // PROTO 2, EMPTY_DICT, BINPUT 0, ..., SETITEM, STOP
  const std::string prefix("\x80\x02}q\x00", 5);
  if (pickle.size() < 8 || pickle.compare(0, prefix.size(), prefix) != 0 || pickle.substr(pickle.size() - 2) != "s.") {
    return {};
  }
  pickle.insert(prefix.size(), "(");
  pickle[pickle.size() - 2] = 'u';

  std::vector<char> output;
  caffe2::serialize::PyTorchStreamWriter writer([&output](const void* data, size_t size) {
    const char* begin = static_cast<const char*>(data);
    output.insert(output.end(), begin, begin + size);
    return size;
  });
  for (const std::string& name : reader.getAllRecords()) {
    if (name == "version" || name == ".data/version") continue;  // the writer adds its own
    if (name == "data.pkl") {
      writer.writeRecord(name, pickle.data(), pickle.size());
    } else {
      auto [data, size] = reader.getRecord(name);
      writer.writeRecord(name, data.get(), size);
    }
  }
  writer.writeEndOfFile();
  return output;
}

}  // namespace

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
    try {
      const std::vector<char> rewritten = rewrite_single_entry_dict(bytes);
      if (!rewritten.empty()) value = torch::jit::pickle_load(rewritten);
    } catch (const std::exception&) {
      value = c10::IValue();
    }
    if (value.isNone()) throw CheckpointError("cannot read checkpoint '" + path.string() +
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
