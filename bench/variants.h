// Variants: named changes to the environment and thread count of the child processes that run the
// workloads. OpenMP (libgomp), glibc's malloc and OpenBLAS read their variables only at start-up, so each
// variant needs its own process.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tlt::bench {

struct Variant {
  std::string name;  ///< label in the table and the JSON
  /// Variable -> value to set, or std::nullopt to remove it from the child's environment. Variables not
  /// listed keep the parent's value.
  std::map<std::string, std::optional<std::string>> environment;
  int threads = -1;  ///< LibTorch intra-op threads of the child; -1 = the --threads value
};

/// The preset variants. Each sets or unsets OMP_WAIT_POLICY, GLIBC_TUNABLES, OPENBLAS_NUM_THREADS and
/// OMP_NUM_THREADS, so that the parent's environment does not leak into a comparison:
///   stock         all four unset: LibTorch's defaults (spinning OpenMP threads, ordinary malloc)
///   passive       OMP_WAIT_POLICY=PASSIVE: idle OpenMP threads sleep instead of spinning
///   hugetlb       GLIBC_TUNABLES=glibc.malloc.hugetlb=1: malloc asks for transparent huge pages
///   tlt           both, as the tlt executable sets them unless the user did (apps/process_environment.cpp)
///   tlt-blas1     tlt with OPENBLAS_NUM_THREADS=1: matrix products on one thread
///   tlt-threads1  tlt with one LibTorch intra-op thread
/// and "inherit", which changes nothing.
const std::vector<Variant>& preset_variants();

/// Parses a preset name, or "NAME:KEY=VALUE;KEY=VALUE;..." where KEY is an environment variable (an
/// empty VALUE unsets it) or "threads" (LibTorch intra-op threads, >= 0, 0 = all cores). Throws
/// ConfigError for an unknown preset or a malformed text, naming the valid forms.
Variant parse_variant(const std::string& text);

/// This process's environment with the changes of `variant`, as "KEY=VALUE" strings.
std::vector<std::string> child_environment(const Variant& variant);

/// The changes of `variant` as text, for example "OMP_WAIT_POLICY=PASSIVE GLIBC_TUNABLES unset threads=1".
std::string describe_variant(const Variant& variant);

}  // namespace tlt::bench
