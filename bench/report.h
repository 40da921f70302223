// Summaries of benchmark runs: medians per workload and variant, MFU, and the printed table.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tlt::bench {

/// The median of `values` (the mean of the two middle values for an even count); NaN when empty.
double median(std::vector<double> values);

/// Groups `runs` (the JSON of each child: workload, variant, metrics, load averages) by workload and
/// variant, in order of first appearance, with the median, minimum and maximum of every metric and the
/// median 1-minute load average. MFU is model_flop_per_s / peak, where the peak is `peak_flop_per_s` when
/// it is positive and otherwise the highest median of the peak workload among this session's variants;
/// without either, MFU is null.
nlohmann::json summarise_runs(const nlohmann::json& runs, double peak_flop_per_s);

/// The summary as a fixed-width text table: rate, MFU, time split, padding, page faults, busy cores and load.
std::string format_summary_table(const nlohmann::json& summary);

/// For each workload and variant, the operators with the most self time in its first profiled run.
std::string format_op_profiles(const nlohmann::json& runs, size_t top = 20);

/// The machine and, per variant, the thread and environment settings its first child process reported.
std::string format_settings(const nlohmann::json& machine, const nlohmann::json& runs);

}  // namespace tlt::bench
