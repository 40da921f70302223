// tlt_bench: measures training and landscape throughput, MFU and where the time goes (docs/benchmarks.md).
//
// The parent process runs each workload in a child process of the same executable, once per variant and
// repeat, alternating variants (A B A B ...) so that a noisy shared machine affects them alike. It prints
// the medians as a table with the machine and thread settings, and writes every run to --json.
//
// Exit codes: 0 success; 1 internal error, or tensors that differ (--compare-tensors); 2 invalid command line;
// 3 data or file error, or a failed child.

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include "child_process.h"
#include "machine_info.h"
#include "report.h"
#include "tensor_dump.h"
#include "tlt/util/error.h"
#include "tlt/util/file_io.h"
#include "tlt/util/logging.h"
#include "tlt/util/run_info.h"
#include "variants.h"
#include "workloads.h"

namespace {

namespace fs = std::filesystem;
using namespace tlt;
using namespace tlt::bench;

struct BenchOptions {
  std::vector<std::string> workloads = {"train-small", "landscape-small", "peak"};
  std::vector<std::string> variants = {"tlt"};
  int64_t repeats = 1;
  int threads = 0;
  double peak_gflops = 0;
  std::string json_path;
  std::string log_level = "warn";
  std::string dump_path;
  std::vector<std::string> compare_paths;
  WorkloadSettings settings;
  // Set only in child processes.
  std::string child_workload;
  std::string child_variant;
  std::string child_output;
};

/// Child mode: runs one workload in this process and writes its JSON to options.child_output.
int run_as_child(const BenchOptions& options) {
  configure_threads(options.threads);
  nlohmann::json result = {{"workload", options.child_workload}, {"variant", options.child_variant},
                           {"load_average_before", load_average()}, {"process", describe_process()}};
  nlohmann::json measured = run_workload(options.child_workload, options.settings);
  result["metrics"] = measured.at("metrics");
  result["details"] = measured.at("details");
  result["max_rss_bytes"] = max_rss_bytes();
  result["load_average_after"] = load_average();
  write_file_atomic(options.child_output, result.dump(2) + "\n");
  return 0;
}

/// Arguments that make a child run `workload` with the parent's settings and `threads`.
std::vector<std::string> child_arguments(const BenchOptions& options, const std::string& workload,
                                         const Variant& variant, const fs::path& output) {
  const int threads = variant.threads >= 0 ? variant.threads : options.threads;
  std::vector<std::string> arguments = {"--child", workload, "--child-variant", variant.name, "--child-output", output.string(),
          "--threads", std::to_string(threads), "--steps", std::to_string(options.settings.steps),
          "--warmup-steps", std::to_string(options.settings.warmup_steps), "--data-dir", options.settings.data_dir,
          "--cache-dir", options.settings.cache_dir, "--log-level", options.log_level};
  if (options.settings.profile_ops) arguments.push_back("--profile-ops");
  return arguments;
}

/// One line per finished child on stderr, so that a long session shows progress.
void report_run(const nlohmann::json& run, int64_t index, int64_t total) {
  const nlohmann::json& metrics = run.at("metrics");
  std::string rate;
  if (metrics.contains("tokens_per_s")) rate = fmt::format("{:.0f} tok/s", metrics.at("tokens_per_s").get<double>());
  if (metrics.contains("points_per_s")) rate = fmt::format("{:.3f} points/s", metrics.at("points_per_s").get<double>());
  if (metrics.contains("flop_per_s")) rate = fmt::format("{:.1f} GFLOP/s", metrics.at("flop_per_s").get<double>() / 1e9);
  const nlohmann::json& load = run.at("load_average_before");
  std::fprintf(stderr, "[bench] %lld/%lld %s %s: %s (load %.1f)\n", static_cast<long long>(index),
               static_cast<long long>(total), run.at("workload").get<std::string>().c_str(),
               run.at("variant").get<std::string>().c_str(), rate.c_str(), load.empty() ? -1.0 : load.at(0).get<double>());
}

/// Parent mode: runs every workload x repeat x variant in child processes, then prints and saves the summary.
int run_as_parent(const BenchOptions& options) {
  const std::vector<std::string>& workloads = options.workloads;
  for (const std::string& workload : workloads) check_workload_name(workload);
  std::vector<Variant> variants;
  for (const std::string& text : options.variants) variants.push_back(parse_variant(text));
  if (workloads.empty() || variants.empty()) throw ConfigError("--workloads and --variant must name at least one each");

  const std::string program = executable_path();
  const fs::path scratch = fs::temp_directory_path() / ("tlt_bench_" + std::to_string(::getpid()));
  fs::create_directories(scratch);
  const nlohmann::json machine = describe_machine();

  // Workload by workload; within one, repeat r runs every variant before repeat r + 1.
  nlohmann::json runs = nlohmann::json::array();
  const int64_t total = static_cast<int64_t>(workloads.size()) * options.repeats * static_cast<int64_t>(variants.size());
  for (const std::string& workload : workloads) {
    for (int64_t repeat = 0; repeat < options.repeats; ++repeat) {
      for (const Variant& variant : variants) {
        const fs::path output = scratch / fmt::format("run_{:03d}.json", runs.size());
        const int code = run_child(program, child_arguments(options, workload, variant, output), child_environment(variant));
        if (code != 0) {
          throw DataError("workload " + workload + " (variant " + variant.name + ") failed with exit code " +
                          std::to_string(code) + "; see its messages above");
        }
        nlohmann::json run = nlohmann::json::parse(read_file(output));
        run["repeat"] = repeat;
        run["variant_settings"] = describe_variant(variant);
        runs.push_back(run);
        report_run(run, static_cast<int64_t>(runs.size()), total);
      }
    }
  }
  fs::remove_all(scratch);

  // Summary, table and JSON.
  const nlohmann::json summary = summarise_runs(runs, options.peak_gflops * 1e9);
  std::printf("%s\n%s", format_settings(machine, runs).c_str(), format_summary_table(summary).c_str());
  if (options.settings.profile_ops) std::printf("\n%s", format_op_profiles(runs).c_str());
  if (!options.json_path.empty()) {
    const nlohmann::json document = {{"tlt_version", tlt_version()}, {"git_revision", git_revision()},
                                     {"machine", machine},           {"summary", summary},
                                     {"runs", runs}};
    write_file_atomic(options.json_path, document.dump(2) + "\n");
    std::printf("wrote %s\n", options.json_path.c_str());
  }
  return 0;
}

int print_error(const char* kind, const std::exception& e, int code) {
  std::fprintf(stderr, "tlt_bench: %s%s\n", kind, e.what());
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  BenchOptions options;
  CLI::App app{"tlt_bench: training and loss-landscape throughput, MFU and time splits of tlt on this machine.\n"
               "Each workload runs in a child process per variant and repeat; the table shows medians."};
  app.add_option("--workloads", options.workloads,
                 "comma-separated workloads: train-small, train-paper, landscape-small, attention-bmm, peak")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--variant", options.variants,
                 "environment variant (repeatable): a preset (stock, passive, hugetlb, tlt, tlt-blas1, tlt-threads1, "
                 "inherit) or NAME:KEY=VALUE;KEY=VALUE with environment variables or threads=N")
      ->capture_default_str();
  app.add_option("--repeats", options.repeats, "runs of each workload per variant; the table shows medians")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--steps", options.settings.steps,
                 "timed steps (train), points (landscape) or products (attention-bmm, peak); 0 = each workload's default")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--warmup-steps", options.settings.warmup_steps,
                 "untimed steps, points or products first; -1 = each workload's default")
      ->check(CLI::Range(-1, 1000))
      ->capture_default_str();
  app.add_option("--threads", options.threads, "LibTorch intra-op threads; 0 = all cores")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--peak-gflops", options.peak_gflops,
                 "peak GFLOP/s for MFU; 0 = the median of this session's peak workload")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_flag("--profile-ops", options.settings.profile_ops,
               "record LibTorch's operator profile of the timed part and print the operators with the most self time "
               "(the profiler inflates the timings of those runs)");
  app.add_option("--json", options.json_path, "write every run and the summary to this JSON file");
  app.add_option("--data-dir", options.settings.data_dir, "folder with Multi30k's SPLIT.LANG.gz files")
      ->capture_default_str();
  app.add_option("--cache-dir", options.settings.cache_dir,
                 "cache of the SentencePiece model and encoded corpus (shared with tlt train)")
      ->capture_default_str();
  app.add_option("--dump-tensors", options.dump_path,
                 "instead of benchmarking, save the logits, loss and gradients of one seeded training step and an "
                 "evaluation to this file (compare dumps taken before and after a speed change)");
  app.add_option("--compare-tensors", options.compare_paths,
                 "instead of benchmarking, compare two --dump-tensors files bit for bit; exit code 1 if any differs")
      ->expected(2);
  app.add_option("--log-level", options.log_level, "trace, debug, info, warn or error")->capture_default_str();
  app.add_option("--child", options.child_workload)->group("");
  app.add_option("--child-variant", options.child_variant)->group("");
  app.add_option("--child-output", options.child_output)->group("");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  try {
    setup_logging(options.log_level);
    if (!options.compare_paths.empty()) {
      return compare_reference_tensors(options.compare_paths[0], options.compare_paths[1]) ? 0 : 1;
    }
    if (!options.dump_path.empty()) {
      configure_threads(options.threads);
      dump_reference_tensors(options.settings, options.dump_path);
      return 0;
    }
    return options.child_workload.empty() ? run_as_parent(options) : run_as_child(options);
  } catch (const ConfigError& e) {
    return print_error("error: ", e, 2);
  } catch (const DataError& e) {
    return print_error("error: ", e, 3);
  } catch (const CheckpointError& e) {
    return print_error("error: ", e, 3);
  } catch (const std::exception& e) {
    return print_error("internal error: ", e, 1);
  }
}
