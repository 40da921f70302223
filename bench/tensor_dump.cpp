#include "tensor_dump.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <cstdio>
#include <set>

#include "tlt/data/batching.h"
#include "tlt/data/prepared_data.h"
#include "tlt/model/parameters.h"
#include "tlt/model/transformer.h"
#include "tlt/optim/optimizer.h"
#include "tlt/train/evaluation.h"
#include "tlt/train/loss.h"
#include "tlt/util/state_dict.h"
#include "tlt/util/torch_compat.h"

namespace tlt::bench {

namespace {

/// A float64 scalar tensor, so that sums read back exactly.
at::Tensor scalar(double value) { return at::scalar_tensor(value, at::kDouble); }

/// Collates the first pairs of `corpus` in corpus order into batches of `batch_pairs` sentences.
std::vector<data::Batch> first_batches(const data::ParallelCorpus& corpus, int64_t pairs, int64_t batch_pairs,
                                       const data::Vocabulary& vocab) {
  data::ParallelCorpus subset;
  const int64_t count = std::min(pairs, corpus.size());
  subset.src.assign(corpus.src.begin(), corpus.src.begin() + count);
  subset.trg.assign(corpus.trg.begin(), corpus.trg.begin() + count);
  std::vector<data::Batch> batches;
  for (const auto& indices : data::make_batches(subset, data::BatchUnit::kSentences, batch_pairs, 0, 0, false)) {
    batches.push_back(data::collate(subset, indices, vocab));
  }
  return batches;
}

}  // namespace

void dump_reference_tensors(const WorkloadSettings& settings, const std::string& path) {
  const data::DataOptions data_options = bench_data_options(settings, data::BatchUnit::kTokens, 4096);
  const data::PreparedData prepared = data::prepare_data(data_options);
  const auto train_indices = data::make_batches(prepared.train, data_options.batch_unit, data_options.batch_size, 1, 1, true);
  const data::Batch batch = data::collate(prepared.train, train_indices.front(), prepared.vocab);
  const model::TransformerOptions options = small_model_options();
  StateDict dump;

  // One training step with dropout: logits, loss sums and gradients.
  compat::manual_seed(1);
  model::Transformer model(options, prepared.vocab.size());
  model->train();
  compat::manual_seed(7);
  const int64_t length = batch.trg.size(1) - 1;
  const at::Tensor gold = batch.trg.narrow(1, 1, length).reshape({-1});
  const at::Tensor logits = model->forward(batch.src, batch.trg.narrow(1, 0, length));
  const train::LossSums sums = train::label_smoothed_loss(logits.view({-1, logits.size(2)}), gold, options.pad_idx, 0.1);
  sums.loss.backward();
  dump["train.logits"] = logits.detach().clone();
  dump["train.loss_sum"] = sums.loss.detach().to(at::kDouble);
  dump["train.n_correct"] = scalar(static_cast<double>(sums.n_correct));
  std::vector<at::Tensor> parameters;
  for (const auto& parameter : model::unique_parameters(*model)) {
    dump["grad." + parameter.name()] = parameter.tensor.grad().clone();
    parameters.push_back(parameter.tensor);
  }

  // One Adam step, as the wmt16 configs set it up.
  optim::OptimizerOptions adam;
  adam.lr = 1e-3;
  adam.beta2 = 0.98;
  adam.eps = 1e-9;
  optim::make_optimizer(adam, {{parameters, adam.lr}})->step();
  for (const auto& parameter : model::unique_parameters(*model)) {
    dump["step." + parameter.name()] = parameter.tensor.detach().clone();
  }

  // Evaluation on the landscape-small evaluation set, with autograd off and in inference mode.
  const std::vector<data::Batch> valid = first_batches(prepared.valid, 256, 128, prepared.vocab);
  const train::EvalResult plain = train::evaluate(model, valid, options.pad_idx);
  dump["eval.loss_sum"] = scalar(plain.loss_sum);
  dump["eval.n_correct"] = scalar(static_cast<double>(plain.n_correct));
  {
    c10::InferenceMode inference;
    const train::EvalResult inferred = train::evaluate(model, valid, options.pad_idx);
    dump["eval_inference.loss_sum"] = scalar(inferred.loss_sum);
    dump["eval_inference.n_correct"] = scalar(static_cast<double>(inferred.n_correct));
    model->eval();
    const data::Batch& first = valid.front();
    dump["eval_inference.logits"] = model->forward(first.src, first.trg.narrow(1, 0, first.trg.size(1) - 1)).clone();
  }
  save_state_dict(dump, path);
  std::printf("wrote %zu tensors to %s\n", dump.size(), path.c_str());
}

bool compare_reference_tensors(const std::string& expected_path, const std::string& actual_path) {
  const StateDict expected = load_state_dict(expected_path);
  const StateDict actual = load_state_dict(actual_path);
  std::set<std::string> names;
  for (const auto& item : expected) names.insert(item.first);
  for (const auto& item : actual) names.insert(item.first);

  int64_t different = 0;
  for (const std::string& name : names) {
    if (!expected.count(name) || !actual.count(name)) {
      std::printf("%-60s only in %s\n", name.c_str(), expected.count(name) ? expected_path.c_str() : actual_path.c_str());
      ++different;
      continue;
    }
    const at::Tensor& a = expected.at(name);
    const at::Tensor& b = actual.at(name);
    if (a.sizes() != b.sizes()) {
      std::printf("%-60s shapes differ\n", name.c_str());
      ++different;
      continue;
    }
    const bool equal = at::equal(a, b);
    const double max_difference = (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
    if (!equal) ++different;
    std::printf("%-60s %s max |difference| %.3g\n", name.c_str(), equal ? "bitwise equal" : "DIFFERENT", max_difference);
  }
  std::printf("%lld of %zu tensors differ\n", static_cast<long long>(different), names.size());
  return different == 0;
}

}  // namespace tlt::bench
