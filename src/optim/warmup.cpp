#include "tlt/optim/warmup.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "tlt/util/error.h"

namespace tlt::optim {

double warmup_lr(int64_t step, double lr_mul, int64_t d_model, int64_t warmup_steps) {
  if (d_model < 1) throw ConfigError("warmup schedule needs d_model >= 1, got " + std::to_string(d_model));
  if (warmup_steps < 1) {
    throw ConfigError("warmup schedule needs warmup_steps >= 1, got " + std::to_string(warmup_steps));
  }
  if (!(lr_mul >= 0.0)) throw ConfigError("warmup schedule needs lr_mul >= 0, got " + std::to_string(lr_mul));
  if (step < 1) throw std::invalid_argument("warmup_lr counts steps from 1, got step " + std::to_string(step));

  // The grouping and the pow calls follow ScheduledOptim of jadore801120/attention-is-all-you-need-pytorch,
  // so the rate equals the reference's to the last bit.
  const double steps = static_cast<double>(step);
  const double scale = std::pow(static_cast<double>(d_model), -0.5) *
                       std::min(std::pow(steps, -0.5), steps * std::pow(static_cast<double>(warmup_steps), -1.5));
  return lr_mul * scale;
}

}  // namespace tlt::optim
