#include "tlt/train/lr_schedule.h"

#include "tlt/optim/warmup.h"

namespace tlt::train {

LrSchedule::LrSchedule(const TrainOptions& options, int64_t d_model, optim::Optimizer& optimizer)
    : options_(options), d_model_(d_model), optimizer_(optimizer) {
  if (options.scheduler == SchedulerKind::kPlateau || options.scheduler == SchedulerKind::kWarmupPlateau) {
    plateau_ = std::make_unique<optim::ReduceLROnPlateau>(optimizer, options.plateau);
  }
}

LrSchedule::~LrSchedule() = default;

double LrSchedule::before_step(int64_t step) {
  if (options_.scheduler == SchedulerKind::kWarmup || options_.scheduler == SchedulerKind::kWarmupPlateau) {
    const double base = optim::warmup_lr(step, options_.lr_mul, d_model_, options_.warmup_steps);
    for (size_t group = 0; group < optimizer_.param_groups().size(); ++group) {
      optimizer_.set_lr(group, plateau_ ? plateau_->scaled_lr(base, group) : base);
    }
  }
  // With plateau alone or no schedule, the optimizer keeps the lr that the plateau last set.
  return optimizer_.lr();
}

bool LrSchedule::after_epoch(double metric) { return plateau_ ? plateau_->step(metric) : false; }

nlohmann::json LrSchedule::state() const {
  nlohmann::json state = nlohmann::json::object();
  if (plateau_) state["plateau"] = plateau_->state();
  return state;
}

void LrSchedule::load_state(const nlohmann::json& state) {
  if (plateau_ && state.contains("plateau")) plateau_->load_state(state.at("plateau"));
}

}  // namespace tlt::train
