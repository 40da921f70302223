// Helpers shared by the synth tests: the PyTorch reference values and a small, fast study config.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "support/test_support.h"
#include "tlt/synth/study_config.h"
#include "tlt/util/file_io.h"

namespace tlt::synth::testing {

/// tests/data/synth/reference.json, written by scripts/make_synth_fixtures.py.
inline nlohmann::json load_reference() {
  return nlohmann::json::parse(read_file(tlt::testing::source_dir() / "tests" / "data" / "synth" / "reference.json"));
}

/// Returns the task options of the reference's "task" section.
inline TaskOptions reference_task_options(const nlohmann::json& reference) {
  const nlohmann::json& options = reference.at("task").at("options");
  TaskOptions task;
  task.seed = options.at("seed");
  task.n_samples = options.at("n_samples");
  task.train_fraction = options.at("train_fraction");
  task.seq_len = options.at("seq_len");
  task.d_model = options.at("d_model");
  task.n_classes = options.at("n_classes");
  task.teacher_n_head = options.at("teacher_n_head");
  task.teacher_d_k = options.at("teacher_d_k");
  task.teacher_sharpness = options.at("teacher_sharpness");
  task.label_noise = options.at("label_noise");
  return task;
}

/// Returns a study config that runs in well under a second per setting: 400 samples of length 4 and
/// width 8, 3 epochs.
inline SynthAttnConfig small_study_config() {
  SynthAttnConfig config;
  config.task.n_samples = 400;
  config.task.seq_len = 4;
  config.task.d_model = 8;
  config.task.n_classes = 3;
  config.task.teacher_n_head = 2;
  config.task.teacher_d_k = 4;
  config.model.n_head = 2;
  config.model.d_k = 4;
  config.model.d_v = 4;
  config.train.epochs = 3;
  config.train.batch_size = 64;
  config.train.valid_loss_threshold = 1.05;
  config.adam.lr = 0.01;
  return config;
}

}  // namespace tlt::synth::testing
