// Helpers for the pruning tests: a small Transformer without data, and a tiny trained run shared by the
// tests of one process.
#pragma once

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tlt/model/transformer.h"
#include "tlt/train/run_config.h"
#include "tlt/util/state_dict.h"

namespace tlt::prune::testing {

namespace fs = std::filesystem;

/// A 1-layer Transformer of width 8 over 20 tokens, with tied embeddings and projection, seeded.
model::Transformer small_transformer(uint64_t seed = 3);

/// configs/tiny.yaml on the test corpus with the shared SentencePiece cache, plus `overrides`.
train::RunConfig tiny_config(std::vector<std::string> overrides = {});

/// A `tlt train` run of configs/tiny.yaml (2 epochs of 3 steps, step checkpoints after steps 2 and 4),
/// trained once per test process into the test work folder. Tests must not modify it.
const fs::path& tiny_base_run();

/// Number of entries equal to 0.
int64_t count_zeros(const at::Tensor& tensor);

/// Checks that every entry of `state` with a mask in `mask` is exactly 0 where the mask is 0.
::testing::AssertionResult pruned_entries_are_zero(const StateDict& state, const StateDict& mask);

}  // namespace tlt::prune::testing
