#include "tlt/model/transformer.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/csrc/autograd/grad_mode.h>

#include <fstream>

#include "support/test_support.h"
#include "tlt/model/parameters.h"
#include "tlt/train/loss.h"
#include "tlt/util/error.h"

namespace tlt::model {
namespace {

using tlt::testing::tensors_close;
using tlt::testing::tensors_equal;

struct Golden {
  TransformerOptions options;
  int64_t vocab_size = 0;
  at::Tensor src, trg;
  nlohmann::json expected;
  StateDict state;
  at::Tensor logits;
};

at::Tensor to_tensor(const nlohmann::json& rows) {
  std::vector<int64_t> values;
  for (const auto& row : rows) {
    for (const auto& value : row) values.push_back(value.get<int64_t>());
  }
  return at::tensor(values, at::kLong).view({static_cast<int64_t>(rows.size()), -1});
}

Golden load_golden() {
  const auto dir = tlt::testing::source_dir() / "tests" / "data" / "model" / "transformer_golden";
  Golden golden;
  std::ifstream in(dir / "expected.json");
  EXPECT_TRUE(in.good()) << "missing " << dir;
  golden.expected = nlohmann::json::parse(in);
  const auto& config = golden.expected["config"];
  golden.vocab_size = config["vocab_size"];
  golden.options.d_model = config["d_model"];
  golden.options.d_inner = config["d_inner"];
  golden.options.n_layers = config["n_layers"];
  golden.options.n_head = config["n_head"];
  golden.options.d_k = config["d_k"];
  golden.options.d_v = config["d_v"];
  golden.options.pad_idx = config["pad_idx"];
  golden.options.n_position = config["n_position"];
  golden.options.share_embeddings = config["share_src_trg_embedding"];
  golden.options.share_projection = config["share_trg_embedding_and_projection"];
  golden.src = to_tensor(golden.expected["src"]);
  golden.trg = to_tensor(golden.expected["trg"]);
  golden.state = load_state_dict(dir / "state_dict.pt");
  golden.logits = load_state_dict(dir / "logits.pt").at("logits");
  return golden;
}

TEST(Transformer, ParameterNamesMatchReference) {
  Golden golden = load_golden();
  Transformer model(golden.options, golden.vocab_size);
  const StateDict state = module_state(*model);
  ASSERT_EQ(state.size(), golden.state.size());
  for (const auto& [name, tensor] : golden.state) {
    ASSERT_TRUE(state.count(name)) << "model lacks " << name;
    EXPECT_EQ(state.at(name).sizes(), tensor.sizes()) << name;
  }
}

TEST(Transformer, TiedWeightsAreOneTensor) {
  Golden golden = load_golden();
  Transformer model(golden.options, golden.vocab_size);
  const auto parameters = unique_parameters(*model);
  const auto tied = std::find_if(parameters.begin(), parameters.end(),
                                 [](const UniqueParameter& p) { return p.names.size() > 1; });
  ASSERT_NE(tied, parameters.end());
  EXPECT_EQ(tied->names.size(), 3u);
  int64_t all_names = 0;
  for (const auto& item : model->named_parameters()) all_names += item.value().numel();
  EXPECT_EQ(count_parameters(*model), all_names - 2 * tied->tensor.numel());
}

TEST(Transformer, GoldenLogitsLossAndAccuracy) {
  Golden golden = load_golden();
  Transformer model(golden.options, golden.vocab_size);
  load_module_state(*model, golden.state, "golden state_dict");
  model->eval();
  torch::NoGradGuard no_grad;

  const at::Tensor trg_in = golden.trg.narrow(1, 0, golden.trg.size(1) - 1);
  const at::Tensor gold = golden.trg.narrow(1, 1, golden.trg.size(1) - 1).reshape({-1});
  const at::Tensor logits = model->forward(golden.src, trg_in).reshape({-1, golden.vocab_size});
  EXPECT_TRUE(tensors_close(logits, golden.logits, 1e-5));

  const auto plain = train::label_smoothed_loss(logits, gold, 0, 0.0);
  const auto smoothed = train::label_smoothed_loss(logits, gold, 0, 0.1);
  EXPECT_NEAR(plain.loss.item<double>(), golden.expected["loss_sum_cross_entropy"].get<double>(), 1e-4);
  EXPECT_NEAR(smoothed.loss.item<double>(), golden.expected["loss_sum_label_smoothing_0.1"].get<double>(), 1e-4);
  EXPECT_EQ(plain.n_word, golden.expected["n_word"].get<int64_t>());
  EXPECT_EQ(plain.n_correct, golden.expected["n_correct"].get<int64_t>());
}

TEST(Transformer, StateRoundTripReproducesOutput) {
  Golden golden = load_golden();
  Transformer first(golden.options, golden.vocab_size);
  first->eval();
  tlt::testing::TempDir dir("roundtrip");
  save_state_dict(module_state(*first), dir / "model.pt");

  Transformer second(golden.options, golden.vocab_size);
  second->eval();
  load_module_state(*second, load_state_dict(dir / "model.pt"), "saved model");
  torch::NoGradGuard no_grad;
  const at::Tensor trg_in = golden.trg.narrow(1, 0, golden.trg.size(1) - 1);
  EXPECT_TRUE(tensors_equal(second->forward(golden.src, trg_in), first->forward(golden.src, trg_in)));
}

TEST(Transformer, MismatchedCheckpointIsRejected) {
  Golden golden = load_golden();
  TransformerOptions wider = golden.options;
  wider.d_model = 32;
  Transformer model(wider, golden.vocab_size);
  try {
    load_module_state(*model, golden.state, "checkpoint golden.pt");
    FAIL() << "expected CheckpointError";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("checkpoint golden.pt does not match the model"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("has shape [16], the model has [32]"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tlt::model
