#include "tlt/util/run_info.h"

#include <ATen/Parallel.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <thread>

#include "tlt/util/torch_compat.h"

#ifndef TLT_VERSION
#define TLT_VERSION "unknown"
#endif
#ifndef TLT_GIT_REVISION
#define TLT_GIT_REVISION "unknown"
#endif

namespace tlt {

std::string tlt_version() { return TLT_VERSION; }

std::string git_revision() { return TLT_GIT_REVISION; }

int configure_threads(int threads) {
  if (threads <= 0) {
    // Ranks started on one machine (torchrun sets LOCAL_WORLD_SIZE) share its cores.
    int local_ranks = 1;
    if (const char* text = std::getenv("LOCAL_WORLD_SIZE")) local_ranks = std::max(1, std::atoi(text));
    threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency() / static_cast<unsigned>(local_ranks)));
  }
  at::set_num_threads(threads);
  return at::get_num_threads();
}

nlohmann::json describe_environment() {
  char host[256] = {0};
  ::gethostname(host, sizeof(host) - 1);
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char started[32];
  std::strftime(started, sizeof(started), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return {
      {"tlt_version", tlt_version()},
      {"git_revision", git_revision()},
      {"libtorch_version", compat::torch_version()},
      {"threads", at::get_num_threads()},
      {"hardware_threads", std::thread::hardware_concurrency()},
      {"hostname", host},
      {"started_utc", started},
  };
}

}  // namespace tlt
