// What a benchmark number depends on besides the code: the CPU, the LibTorch build, the BLAS library, the
// thread pools, the allocator settings and the load of a shared machine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tlt::bench {

/// Environment variables that change LibTorch's or the allocator's behaviour at process start-up. Each
/// run records their values and variants set or unset them.
const std::vector<std::string>& tuning_variables();

/// The machine and the LibTorch build: CPU model and vector extensions from /proc/cpuinfo, logical
/// cores, kernel, LibTorch version and build configuration, and the transparent huge page mode.
nlohmann::json describe_machine();

/// The settings this process runs with: intra-op and inter-op threads, OpenBLAS threads (when OpenBLAS is
/// loaded), ATen's parallel backend, the BLAS and OpenMP libraries mapped into the process, and the
/// values of tuning_variables() (null when unset).
nlohmann::json describe_process();

/// The 1, 5 and 15 minute load averages, or an empty array when getloadavg fails.
nlohmann::json load_average();

/// Peak resident set size of this process in bytes (getrusage's ru_maxrss).
int64_t max_rss_bytes();

/// Current resident set size of this process in bytes (/proc/self/statm), or -1 when unreadable.
int64_t current_rss_bytes();

/// Minor page faults of this process so far (getrusage's ru_minflt).
int64_t minor_page_faults();

/// Seconds of CPU time of this process so far, user plus system.
double process_cpu_s();

}  // namespace tlt::bench
