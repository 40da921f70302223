#include "tlt/util/shapes.h"

#include "tlt/util/error.h"

namespace tlt {

std::string format_shape(at::IntArrayRef sizes) {
  std::string text = "[";
  for (size_t i = 0; i < sizes.size(); ++i) text += (i ? ", " : "") + std::to_string(sizes[i]);
  return text + "]";
}

void check_shape(const at::Tensor& tensor, const std::vector<int64_t>& expected, const std::string& name) {
  bool matches = tensor.defined() && tensor.dim() == static_cast<int64_t>(expected.size());
  for (size_t i = 0; matches && i < expected.size(); ++i) {
    if (expected[i] >= 0 && tensor.size(static_cast<int64_t>(i)) != expected[i]) matches = false;
  }
  if (matches) return;
  std::string wanted = "[";
  for (size_t i = 0; i < expected.size(); ++i) {
    wanted += (i ? ", " : "") + (expected[i] < 0 ? std::string("*") : std::to_string(expected[i]));
  }
  wanted += "]";
  const std::string actual = tensor.defined() ? format_shape(tensor.sizes()) : "undefined";
  throw ShapeError("tensor " + name + " has shape " + actual + ", expected " + wanted);
}

}  // namespace tlt
