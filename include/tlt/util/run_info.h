// Identity of a run: tlt version, git revision, LibTorch version, threads and device, written to
// run.json in every output folder so that a result can be traced to the code and machine behind it.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace tlt {

/// tlt's version string, for example "0.1.0".
std::string tlt_version();

/// The git commit tlt was built from, or "unknown" outside a git checkout.
std::string git_revision();

/// A JSON object with version, git revision, LibTorch version, thread count, hostname and start time.
nlohmann::json describe_environment();

/// Sets LibTorch's intra-op threads; 0 means all cores, divided among the LOCAL_WORLD_SIZE ranks of a
/// multi-process run on one machine. Returns the count in use.
int configure_threads(int threads);

}  // namespace tlt
