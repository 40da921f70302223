#include "tlt/landscape/landscape.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/test_support.h"
#include "tlt/landscape/surface.h"
#include "tlt/landscape/synth_surface_model.h"
#include "tlt/landscape/transformer_surface_model.h"
#include "tlt/model/parameters.h"
#include "tlt/synth/optimizer_study.h"
#include "tlt/train/trainer.h"
#include "tlt/util/error.h"
#include "tlt/util/file_io.h"
#include "tlt/util/state_dict.h"

namespace tlt::landscape {
namespace {

namespace fs = std::filesystem;
using tlt::testing::TempDir;

train::RunConfig tiny_config() {
  const std::vector<std::string> overrides = {"data.dir=" + tlt::testing::multi30k_dir().string(),
                                              "data.cache_dir=" + (fs::current_path() / "cache").string(),
                                              "train.epochs=3", "train.max_steps_per_epoch=2"};
  return train::load_run_config((tlt::testing::source_dir() / "configs" / "tiny.yaml").string(), overrides);
}

// Trains the tiny config for 3 short epochs into dir/run, saving every epoch.
fs::path train_tiny_run(const TempDir& dir) {
  train::TrainSession session;
  session.run_dir = (dir / "run").string();
  train::run_training(tiny_config(), session);
  return dir / "run";
}

LandscapeOptions small_options(const fs::path& run, const fs::path& out) {
  LandscapeOptions options;
  options.run_dir = run.string();
  options.x_range = "-1:1:3";
  options.y_range = "-1:1:3";
  options.scale = 0.2;
  options.evaluation.size = 24;
  options.out = out.string();
  options.save_interval_s = 0;
  return options;
}

std::vector<std::vector<std::string>> read_rows(const fs::path& path) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(read_file(path));
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, kSurfaceColumns);
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream cells_in(line);
    std::string cell;
    while (std::getline(cells_in, cell, ',')) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

// Loss of `checkpoint` evaluated directly on the first `pairs` validation pairs.
PointMetrics evaluate_checkpoint(const fs::path& checkpoint, int64_t pairs) {
  EvaluationSetOptions evaluation;
  evaluation.size = pairs;
  auto surface_model = TransformerSurfaceModel::from_config(tiny_config(), evaluation);
  model::load_module_state(surface_model->module(), load_state_dict(checkpoint), checkpoint.string());
  return surface_model->evaluate();
}

TEST(Landscape, TransformerCenterEqualsModelEvaluation) {
  TempDir dir("landscape_center");
  const fs::path run = train_tiny_run(dir);
  const LandscapeSummary summary = run_landscape(small_options(run, dir / "surface.csv"));
  ASSERT_TRUE(summary.complete);

  const auto rows = read_rows(dir / "surface.csv");
  ASSERT_EQ(rows.size(), 9u);
  const PointMetrics expected = evaluate_checkpoint(run / "best.pt", 24);
  EXPECT_EQ(rows[4][2], "0");
  EXPECT_EQ(rows[4][3], "0");
  EXPECT_EQ(std::stod(rows[4][4]), expected.loss);
  EXPECT_EQ(std::stod(rows[4][5]), expected.ppl);
  EXPECT_EQ(std::stod(rows[4][6]), expected.accuracy);
  EXPECT_NE(rows[0][4], rows[4][4]) << "a corner of the grid should differ from the centre";
  EXPECT_EQ(rows[0][2], "-0.2");
}

TEST(Landscape, SidecarDescribesSurface) {
  TempDir dir("landscape_sidecar");
  const fs::path run = train_tiny_run(dir);
  LandscapeOptions options = small_options(run, dir / "surface.csv");
  options.directions.y = "none";
  run_landscape(options);

  const nlohmann::json sidecar = nlohmann::json::parse(read_file(dir / "surface.csv.json"));
  EXPECT_EQ(sidecar["model_type"], "transformer");
  EXPECT_EQ(sidecar["checkpoint"], (run / "best.pt").string());
  EXPECT_EQ(sidecar["directions"]["x"]["kind"], "random");
  EXPECT_EQ(sidecar["directions"]["x"]["seed"], 0);
  EXPECT_EQ(sidecar["directions"]["x"]["normalization"], "filter");
  EXPECT_GT(sidecar["directions"]["x"]["norm"].get<double>(), 0.0);
  EXPECT_TRUE(sidecar["directions"]["y"].is_null());
  EXPECT_EQ(sidecar["grid"]["x"]["points"], 3);
  EXPECT_EQ(sidecar["grid"]["scale"], 0.2);
  EXPECT_EQ(sidecar["evaluation_set"]["pairs"], 24);
  EXPECT_EQ(sidecar["evaluation_set"]["split"], "valid");
  EXPECT_EQ(sidecar["columns"], "ix,iy,x,y,loss,ppl,acc");
  EXPECT_TRUE(sidecar.contains("tlt_version"));
  EXPECT_TRUE(sidecar.contains("git_revision"));
  EXPECT_EQ(read_rows(dir / "surface.csv").size(), 3u);
}

TEST(Landscape, SavedDirectionsReproduceSurface) {
  TempDir dir("landscape_saved_directions");
  const fs::path run = train_tiny_run(dir);
  LandscapeOptions options = small_options(run, dir / "first.csv");
  options.save_directions = (dir / "directions").string();
  run_landscape(options);

  LandscapeOptions again = small_options(run, dir / "second.csv");
  again.directions.x = (dir / "directions" / "x.pt").string();
  again.directions.y = (dir / "directions" / "y.pt").string();
  run_landscape(again);
  EXPECT_EQ(read_file(dir / "second.csv"), read_file(dir / "first.csv"));
}

TEST(Landscape, SeriesWritesNumberedSurfaces) {
  TempDir dir("landscape_series");
  const fs::path run = train_tiny_run(dir);
  LandscapeOptions options = small_options(run, dir / "series");
  options.directions.y = "none";
  options.checkpoint = "last.pt";
  options.checkpoints = {"epoch_*.pt"};
  const LandscapeSummary summary = run_landscape(options);

  ASSERT_EQ(summary.surfaces.size(), 3u);
  for (const char* file : {"surface_000.csv", "surface_001.csv", "surface_002.csv", "surface_002.csv.json", "index.csv",
                           "x.pt", "directions.json"}) {
    EXPECT_TRUE(fs::exists(dir / "series" / file)) << file;
  }
  const std::string index = read_file(dir / "series" / "index.csv");
  EXPECT_NE(index.find("2," + (run / "epoch_003.pt").string() + ",surface_002.csv"), std::string::npos) << index;
  // The last frame is centred on epoch 3, the same weights as last.pt.
  const PointMetrics last = evaluate_checkpoint(run / "epoch_003.pt", 24);
  EXPECT_EQ(std::stod(read_rows(dir / "series" / "surface_002.csv")[1][4]), last.loss);
}

TEST(Landscape, TargetDirectionReachesInit) {
  TempDir dir("landscape_target");
  const fs::path run = train_tiny_run(dir);
  LandscapeOptions options = small_options(run, dir / "target.csv");
  options.directions.x = "target";
  options.directions.y = "none";
  options.x_range = "-1:0:2";
  options.scale = 1.0;
  run_landscape(options);

  const auto rows = read_rows(dir / "target.csv");
  ASSERT_EQ(rows.size(), 2u);
  const PointMetrics init = evaluate_checkpoint(run / "init.pt", 24);
  EXPECT_NEAR(std::stod(rows[0][4]), init.loss, 1e-4) << "x = -1 is w0 = init.pt";
}

TEST(Landscape, PcaRecordsExplainedVariance) {
  TempDir dir("landscape_pca");
  const fs::path run = train_tiny_run(dir);
  LandscapeOptions options = small_options(run, dir / "pca.csv");
  options.checkpoint = "last.pt";
  options.directions.x = "pca";
  options.directions.y = "pca";
  options.directions.pca_checkpoints = {"init.pt", "epoch_*.pt"};
  run_landscape(options);

  const nlohmann::json sidecar = nlohmann::json::parse(read_file(dir / "pca.csv.json"));
  const auto ratio = sidecar["pca"]["explained_variance_ratio"];
  EXPECT_GT(ratio[0].get<double>(), 0.0);
  EXPECT_GE(ratio[0].get<double>(), ratio[1].get<double>());
  EXPECT_LE(ratio[0].get<double>() + ratio[1].get<double>(), 1.0 + 1e-9);
  EXPECT_EQ(sidecar["pca"]["trajectory"].size(), 4u);
  EXPECT_NEAR(sidecar["directions"]["x"]["norm"].get<double>(), 1.0, 1e-4);
}

TEST(Landscape, MaskKeepsPrunedWeightsZero) {
  TempDir dir("landscape_mask");
  const fs::path run = train_tiny_run(dir);
  const StateDict best = load_state_dict(run / "best.pt");
  const std::string name = "encoder.layer_stack.0.pos_ffn.w_1.weight";
  ASSERT_TRUE(best.count(name));
  at::Tensor mask = at::ones_like(best.at(name));
  mask.narrow(0, 0, 5).zero_();
  save_state_dict({{name, mask}}, dir / "mask.pt");

  LandscapeOptions options = small_options(run, dir / "masked.csv");
  options.mask = (dir / "mask.pt").string();
  options.save_directions = (dir / "directions").string();
  run_landscape(options);

  for (const char* file : {"x.pt", "y.pt"}) {
    const StateDict direction = load_state_dict(dir / "directions" / file);
    EXPECT_EQ(direction.at(name).narrow(0, 0, 5).abs().sum().item<float>(), 0.0f) << file;
    EXPECT_GT(direction.at(name).narrow(0, 5, 1).abs().sum().item<float>(), 0.0f) << file;
  }
  const nlohmann::json sidecar = nlohmann::json::parse(read_file(dir / "masked.csv.json"));
  EXPECT_EQ(sidecar["mask"]["file"], (dir / "mask.pt").string());
  EXPECT_GT(sidecar["mask"]["sparsity"].get<double>(), 0.0);
}

TEST(Landscape, RejectsCheckpointOfOtherModel) {
  TempDir dir("landscape_bad_checkpoint");
  const fs::path run = train_tiny_run(dir);
  StateDict best = load_state_dict(run / "best.pt");
  best["trg_word_prj.weight"] = at::zeros({3, 3});
  save_state_dict(best, dir / "other.pt");
  LandscapeOptions options = small_options(run, dir / "s.csv");
  options.checkpoint = (dir / "other.pt").string();
  try {
    run_landscape(options);
    FAIL() << "expected CheckpointError";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("other.pt"), std::string::npos) << e.what();
  }
}

TEST(Landscape, RejectsDirectionOfOtherShape) {
  TempDir dir("landscape_bad_direction");
  const fs::path run = train_tiny_run(dir);
  save_state_dict({{"w", at::zeros({2, 2})}}, dir / "toy_direction.pt");
  LandscapeOptions options = small_options(run, dir / "s.csv");
  options.directions.x = (dir / "toy_direction.pt").string();
  try {
    run_landscape(options);
    FAIL() << "expected CheckpointError";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("toy_direction.pt"), std::string::npos) << e.what();
  }
}

TEST(Landscape, RejectsBadOptions) {
  TempDir dir("landscape_bad_options");
  LandscapeOptions options = small_options(dir / "missing_run", dir / "s.csv");
  options.x_range = "1:-1:5";
  try {
    run_landscape(options);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--x-range '1:-1:5'"), std::string::npos) << e.what();
  }
  options.x_range = "-1:1:3";
  try {
    run_landscape(options);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("config.yaml"), std::string::npos) << e.what();
  }
  options.scale = -1;
  options.evaluation.size = -3;
  options.evaluation.batch_tokens = -5;
  try {
    run_landscape(options);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--scale -1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--eval-sentences -3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--eval-batch-tokens -5"), std::string::npos) << e.what();
  }
}

TEST(Landscape, RejectsUnknownDirectionKeyword) {
  TempDir dir("landscape_bad_keyword");
  const fs::path run = train_tiny_run(dir);
  LandscapeOptions options = small_options(run, dir / "s.csv");
  options.directions.y = "randm";
  try {
    run_landscape(options);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--y 'randm'"), std::string::npos) << e.what();
  }
}

TEST(Landscape, EvalBatchingChangesOnlyRounding) {
  TempDir dir("landscape_batching");
  const fs::path run = train_tiny_run(dir);
  LandscapeOptions by_tokens = small_options(run, dir / "tokens.csv");
  by_tokens.evaluation.size = 100;
  LandscapeOptions as_trained = by_tokens;
  as_trained.out = (dir / "trained.csv").string();
  as_trained.evaluation.batch_tokens = 0;
  run_landscape(by_tokens);
  run_landscape(as_trained);

  const auto token_rows = read_rows(dir / "tokens.csv");
  const auto trained_rows = read_rows(dir / "trained.csv");
  ASSERT_EQ(token_rows.size(), trained_rows.size());
  for (size_t i = 0; i < token_rows.size(); ++i) {
    const double loss = std::stod(trained_rows[i][4]);
    EXPECT_NEAR(std::stod(token_rows[i][4]), loss, 1e-5 * loss) << "row " << i;
    EXPECT_EQ(token_rows[i][6], trained_rows[i][6]) << "row " << i;
  }
  const nlohmann::json tokens_set = nlohmann::json::parse(read_file(dir / "tokens.csv.json"))["evaluation_set"];
  const nlohmann::json trained_set = nlohmann::json::parse(read_file(dir / "trained.csv.json"))["evaluation_set"];
  EXPECT_EQ(tokens_set["batch_unit"], "tokens");
  EXPECT_EQ(tokens_set["batch_size"], kDefaultEvalBatchTokens);
  EXPECT_EQ(trained_set["batch_unit"], "sentences");
  EXPECT_EQ(trained_set["batch_size"], tiny_config().data.batch_size);
  EXPECT_EQ(tokens_set["target_tokens"], trained_set["target_tokens"]);
}

TEST(Landscape, SynthStudyCenterEqualsEvaluation) {
  TempDir dir("landscape_synth");
  const std::vector<std::string> overrides = {"task.n_samples=300", "train.epochs=1", "train.settings=[adam]"};
  const synth::SynthAttnConfig config = synth::load_synth_attn_config("", overrides);
  synth::run_optimizer_study(config, dir / "study");

  LandscapeOptions options = small_options(dir / "study", dir / "synth.csv");
  options.checkpoint = "adam.pt";
  options.directions.y = "none";
  options.evaluation.size = 50;
  run_landscape(options);

  EvaluationSetOptions evaluation;
  evaluation.size = 50;
  auto surface_model = SynthSurfaceModel::from_config(config, evaluation);
  model::load_module_state(surface_model->module(), load_state_dict(dir / "study" / "adam.pt"), "adam.pt");
  const PointMetrics expected = surface_model->evaluate();
  const auto rows = read_rows(dir / "synth.csv");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(std::stod(rows[1][4]), expected.loss);
  EXPECT_EQ(rows[1][5], "nan") << "synth-attn has no perplexity";
  EXPECT_EQ(std::stod(rows[1][6]), expected.accuracy);
  EXPECT_EQ(nlohmann::json::parse(read_file(dir / "synth.csv.json"))["model_type"], "synth-attn");
}

}  // namespace
}  // namespace tlt::landscape

namespace tlt::landscape {
namespace {

// The measurement behind the speed table of docs/landscape.md: an 11 x 11 surface of the wmt16-small shape
// on 256 validation sentences. Disabled because it takes minutes; run it with
//   OMP_WAIT_POLICY=PASSIVE tlt_tests --gtest_also_run_disabled_tests --gtest_filter='LandscapeSpeed.*'
TEST(LandscapeSpeed, DISABLED_Wmt16SmallElevenByEleven) {
  TempDir dir("landscape_speed");
  const std::vector<std::string> overrides = {"data.dir=" + tlt::testing::multi30k_dir().string(),
                                              "data.cache_dir=" + (fs::current_path() / "cache").string(),
                                              "train.epochs=1", "train.max_steps_per_epoch=1"};
  const train::RunConfig config =
      train::load_run_config((tlt::testing::source_dir() / "configs" / "wmt16-small.yaml").string(), overrides);
  train::TrainSession session;
  session.run_dir = (dir / "run").string();
  train::run_training(config, session);

  LandscapeOptions options;
  options.run_dir = (dir / "run").string();
  options.x_range = "-1:1:11";
  options.y_range = "-1:1:11";
  options.evaluation.size = 256;
  options.out = (dir / "speed.csv").string();
  // Writing 5 to clear_refs resets the peak resident set size (Linux), so VmHWM below covers the landscape only.
  tlt::testing::write_text("/proc/self/clear_refs", "5");
  run_landscape(options);
  std::string peak_line;
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM", 0) == 0) peak_line = line;
  }
  const nlohmann::json sidecar = nlohmann::json::parse(read_file(dir / "speed.csv.json"));
  const int64_t parameter_bytes = 4 * model::count_parameters(*model::Transformer(config.model, 8000));
  std::printf("timing %s\nevaluation set %s\nparameter bytes %lld, peak %s\n", sidecar["timing"].dump().c_str(),
              sidecar["evaluation_set"].dump().c_str(), static_cast<long long>(parameter_bytes), peak_line.c_str());
}

}  // namespace
}  // namespace tlt::landscape
