#include "report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

namespace tlt::bench {

namespace {

bool is_training(const std::string& workload) { return workload.rfind("train-", 0) == 0; }

/// A metric's median from a summary group, or NaN when the workload does not report it.
double median_of(const nlohmann::json& group, const std::string& metric) {
  const nlohmann::json& medians = group.at("median");
  return medians.contains(metric) && medians.at(metric).is_number() ? medians.at(metric).get<double>() : NAN;
}

/// The main rate of a summary group with its unit, for example "2,512 tok/s".
std::string format_rate(const nlohmann::json& group) {
  const std::string workload = group.at("workload");
  if (is_training(workload)) return fmt::format("{:.0f} tok/s", median_of(group, "tokens_per_s"));
  if (workload == "landscape-small") return fmt::format("{:.3f} points/s", median_of(group, "points_per_s"));
  return fmt::format("{:.1f} GFLOP/s", median_of(group, "flop_per_s") / 1e9);
}

/// Where the time of a step or point goes, in seconds.
std::string format_split(const nlohmann::json& group) {
  const std::string workload = group.at("workload");
  if (is_training(workload)) {
    return fmt::format("step {:.3f} s = fwd {:.3f} + loss {:.3f} + bwd {:.3f} + opt {:.3f}", median_of(group, "step_s"),
                       median_of(group, "forward_s"), median_of(group, "loss_s"), median_of(group, "backward_s"),
                       median_of(group, "optimizer_s"));
  }
  if (workload == "landscape-small") {
    return fmt::format("point {:.3f} s = fwd {:.3f} + outside {:.3f} (set_weights {:.3f})", median_of(group, "point_s"),
                       median_of(group, "forward_s_per_point"), median_of(group, "outside_forward_s_per_point"),
                       median_of(group, "set_weights_s_per_point"));
  }
  if (workload == "attention-bmm") {
    return fmt::format("call {:.3f} ms, best {:.1f} GFLOP/s", 1e3 * median_of(group, "seconds_per_call"),
                       median_of(group, "best_flop_per_s") / 1e9);
  }
  return fmt::format("best {:.1f} GFLOP/s", median_of(group, "best_flop_per_s") / 1e9);
}

std::string format_optional(double value, const char* pattern) {
  return std::isnan(value) ? "-" : fmt::format(fmt::runtime(pattern), value);
}

}  // namespace

double median(std::vector<double> values) {
  if (values.empty()) return NAN;
  std::sort(values.begin(), values.end());
  const size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : 0.5 * (values[middle - 1] + values[middle]);
}

nlohmann::json summarise_runs(const nlohmann::json& runs, double peak_flop_per_s) {
  // Groups in order of first appearance.
  std::vector<std::pair<std::string, std::string>> keys;
  for (const nlohmann::json& run : runs) {
    const std::pair<std::string, std::string> key = {run.at("workload"), run.at("variant")};
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  }

  nlohmann::json groups = nlohmann::json::array();
  for (const auto& [workload, variant] : keys) {
    std::map<std::string, std::vector<double>> values;
    std::vector<double> loads;
    int64_t count = 0;
    for (const nlohmann::json& run : runs) {
      if (run.at("workload") != workload || run.at("variant") != variant) continue;
      count += 1;
      for (const auto& [metric, value] : run.at("metrics").items()) {
        if (value.is_number()) values[metric].push_back(value.get<double>());
      }
      const nlohmann::json& load = run.at("load_average_before");
      if (!load.empty()) loads.push_back(load.at(0).get<double>());
    }
    nlohmann::json group = {{"workload", workload}, {"variant", variant}, {"runs", count},
                            {"median", nlohmann::json::object()}, {"min", nlohmann::json::object()},
                            {"max", nlohmann::json::object()}, {"load_1min", loads.empty() ? NAN : median(loads)}};
    for (const auto& [metric, samples] : values) {
      group["median"][metric] = median(samples);
      group["min"][metric] = *std::min_element(samples.begin(), samples.end());
      group["max"][metric] = *std::max_element(samples.begin(), samples.end());
    }
    groups.push_back(group);
  }

  // The peak that MFU divides by.
  double peak = peak_flop_per_s;
  std::string peak_source = "--peak-gflops";
  if (peak <= 0) {
    peak = 0;
    peak_source = "";
    for (const nlohmann::json& group : groups) {
      const double rate = median_of(group, "flop_per_s");
      if (group.at("workload") == "peak" && !std::isnan(rate) && rate > peak) {
        peak = rate;
        peak_source = "peak workload, variant " + group.at("variant").get<std::string>();
      }
    }
  }
  for (nlohmann::json& group : groups) {
    const double model_rate = median_of(group, "model_flop_per_s");
    group["mfu"] = (peak > 0 && !std::isnan(model_rate)) ? nlohmann::json(model_rate / peak) : nlohmann::json(nullptr);
  }
  return {{"peak_flop_per_s", peak > 0 ? nlohmann::json(peak) : nlohmann::json(nullptr)},
          {"peak_source", peak_source},
          {"groups", groups}};
}

std::string format_summary_table(const nlohmann::json& summary) {
  std::ostringstream out;
  out << fmt::format("{:<16} {:<13} {:>4} {:>16} {:>6}  {:<58} {:>11} {:>9} {:>5} {:>5}\n", "workload", "variant", "runs",
                     "rate (median)", "MFU", "time split (medians)", "pad src/trg", "faults", "cores", "load");
  for (const nlohmann::json& group : summary.at("groups")) {
    const std::string workload = group.at("workload");
    const nlohmann::json& mfu = group.at("mfu");
    const std::string padding = is_training(workload) ? fmt::format("{:.0f}%/{:.0f}%", 100 * median_of(group, "padding_src"),
                                                                    100 * median_of(group, "padding_trg"))
                                                      : "-";
    double faults = median_of(group, "minor_faults_per_step");
    if (std::isnan(faults)) faults = median_of(group, "minor_faults_per_point");
    out << fmt::format("{:<16} {:<13} {:>4} {:>16} {:>6}  {:<58} {:>11} {:>9} {:>5} {:>5}\n", workload,
                       group.at("variant").get<std::string>(), group.at("runs").get<int64_t>(), format_rate(group),
                       mfu.is_number() ? fmt::format("{:.1f}%", 100 * mfu.get<double>()) : "-", format_split(group),
                       padding, format_optional(faults, "{:.0f}"), format_optional(median_of(group, "busy_cores"), "{:.2f}"),
                       format_optional(group.at("load_1min").is_number() ? group.at("load_1min").get<double>() : NAN, "{:.1f}"));
  }
  const nlohmann::json& peak = summary.at("peak_flop_per_s");
  if (peak.is_number()) {
    out << fmt::format("MFU = model FLOP/s (matrix products of the padded shapes, 3 x forward for training) / {:.1f} GFLOP/s "
                       "({})\n",
                       peak.get<double>() / 1e9, summary.at("peak_source").get<std::string>());
  }
  out << "faults: minor page faults per step or point; cores: CPU time / wall time; load: 1-minute load average before "
         "each run\n";
  return out.str();
}

std::string format_op_profiles(const nlohmann::json& runs, size_t top) {
  std::ostringstream out;
  std::set<std::pair<std::string, std::string>> shown;
  for (const nlohmann::json& run : runs) {
    const nlohmann::json& details = run.at("details");
    const char* key = details.contains("op_profile_per_step") ? "op_profile_per_step" : "op_profile_per_point";
    if (!details.contains(key) || details.at(key).is_null()) continue;
    const std::pair<std::string, std::string> key_pair = {run.at("workload"), run.at("variant")};
    if (!shown.insert(key_pair).second) continue;

    const nlohmann::json& profile = details.at(key);
    const char* unit = std::string(key) == "op_profile_per_step" ? "step" : "point";
    out << fmt::format("operator self time per {} in {} ({}), profiled: {:.1f} ms per {} in all operators\n", unit,
                       run.at("workload").get<std::string>(), run.at("variant").get<std::string>(),
                       profile.at("all_self_ms").get<double>(), unit);
    out << fmt::format("  {:>9} {:>9} {:>8}  {}\n", "self ms", "total ms", "calls", "operator");
    size_t row = 0;
    for (const nlohmann::json& entry : profile.at("operators")) {
      if (row++ >= top) break;
      out << fmt::format("  {:>9.1f} {:>9.1f} {:>8.0f}  {}\n", entry.at("self_ms").get<double>(),
                         entry.at("total_ms").get<double>(), entry.at("calls").get<double>(),
                         entry.at("name").get<std::string>());
    }
  }
  return out.str();
}

std::string format_settings(const nlohmann::json& machine, const nlohmann::json& runs) {
  std::ostringstream out;
  std::string extensions;
  for (const auto& extension : machine.at("vector_extensions")) extensions += " " + extension.get<std::string>();
  out << fmt::format("machine: {}, {} logical cores, vector extensions:{}\n", machine.at("cpu_model").get<std::string>(),
                     machine.at("logical_cores").get<int64_t>(), extensions);
  out << fmt::format("kernel {}, transparent huge pages: {}\n", machine.at("kernel").get<std::string>(),
                     machine.at("transparent_hugepage").get<std::string>());
  out << fmt::format("LibTorch {}\n", machine.at("libtorch_version").get<std::string>());

  std::set<std::string> described;
  for (const nlohmann::json& run : runs) {
    const std::string variant = run.at("variant");
    if (!described.insert(variant).second) continue;
    const nlohmann::json& process = run.at("process");
    if (described.size() == 1) {
      std::string libraries;
      for (const auto& library : process.at("numeric_libraries")) libraries += " " + library.get<std::string>();
      out << "BLAS and OpenMP libraries:" << libraries << "\n";
      const std::string blas_config = process.at("openblas_config");
      if (!blas_config.empty()) out << "OpenBLAS: " << blas_config << "\n";
    }
    std::string environment;
    for (const auto& [name, value] : process.at("environment").items()) {
      if (!value.is_null()) environment += " " + name + "=" + value.get<std::string>();
    }
    out << fmt::format("variant {}: {} intra-op / {} inter-op LibTorch threads, {} OpenBLAS threads, environment:{}\n",
                       variant, process.at("intra_op_threads").get<int64_t>(), process.at("inter_op_threads").get<int64_t>(),
                       process.at("openblas_threads").get<int64_t>(), environment.empty() ? " (none of the tuning variables)" : environment);
  }
  return out.str();
}

}  // namespace tlt::bench
