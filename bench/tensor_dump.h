// Checks that a speed change keeps results identical: dump the tensors of one training step and one
// evaluation before and after the change, then compare the two files bit for bit.
#pragma once

#include <string>

#include "workloads.h"

namespace tlt::bench {

/// Runs one seeded training step of the wmt16-small model on the first train-small batch and an evaluation
/// of the first 256 validation pairs, and saves in the checkpoint format: the logits, loss sums and every
/// parameter's gradient of the step ("train.*", "grad.*"), the weights after one Adam step ("step.*"),
/// and the evaluation logits and loss sums ("eval.*", with and without c10::InferenceMode).
void dump_reference_tensors(const WorkloadSettings& settings, const std::string& path);

/// Compares two files written by dump_reference_tensors and prints, per tensor, whether it is bitwise
/// equal and the largest absolute difference. Returns true when every tensor is bitwise equal. Throws
/// CheckpointError when a file cannot be read.
bool compare_reference_tensors(const std::string& expected_path, const std::string& actual_path);

}  // namespace tlt::bench
