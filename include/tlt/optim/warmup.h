// The learning-rate schedule of "Attention Is All You Need" (Vaswani et al., 2017, equation 3): a linear
// increase for warmup_steps steps, then a decay proportional to the inverse square root of the step.
#pragma once

#include <cstdint>

namespace tlt::optim {

/// Returns lr_mul * d_model^-0.5 * min(step^-0.5, step * warmup_steps^-1.5) for optimizer step `step`.
/// Steps count from 1, so the first call of optimizer.step() uses step 1. The reference implementation
/// (ScheduledOptim in jadore801120/attention-is-all-you-need-pytorch) counts the same way because it
/// increments its counter before computing the rate. The peak, lr_mul * (d_model * warmup_steps)^-0.5,
/// is at step == warmup_steps. Throws ConfigError for d_model < 1, warmup_steps < 1 or lr_mul < 0, and
/// std::invalid_argument for step < 1.
double warmup_lr(int64_t step, double lr_mul, int64_t d_model, int64_t warmup_steps);

}  // namespace tlt::optim
