#include <spdlog/spdlog.h>

#include <cstdlib>
#include <string>

#include "tlt/dist/process_group.h"
#include "tlt/util/error.h"

namespace tlt::dist {

namespace {

const char* find_variable(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

/// The whole number in environment variable `name`, within [minimum, maximum].
long parse_number(const char* name, const char* text, long minimum, long maximum) {
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < minimum || value > maximum) {
    throw ConfigError(std::string("invalid ") + name + " '" + text + "': expected a whole number from " +
                      std::to_string(minimum) + " to " + std::to_string(maximum));
  }
  return value;
}

}  // namespace

LaunchEnvironment read_launch_environment() {
  LaunchEnvironment launch;
  const char* rank_name = "RANK";
  const char* world_name = "WORLD_SIZE";
  const char* local_name = "LOCAL_RANK";
  if (!find_variable("WORLD_SIZE") && find_variable("SLURM_NTASKS")) {
    rank_name = "SLURM_PROCID";
    world_name = "SLURM_NTASKS";
    local_name = "SLURM_LOCALID";
    launch.source = "slurm";
  } else if (find_variable("WORLD_SIZE")) {
    launch.source = "torchrun";
  } else {
    if (find_variable("RANK")) {
      spdlog::warn("RANK is set but WORLD_SIZE is not, so tlt runs as one process; set WORLD_SIZE as well, or "
                   "launch with torchrun or scripts/launch_local.sh");
    }
    return launch;
  }

  launch.world_size = static_cast<int>(parse_number(world_name, find_variable(world_name), 1, 65536));
  const char* rank = find_variable(rank_name);
  if (launch.world_size > 1 && rank == nullptr) {
    throw ConfigError(std::string(world_name) + " is " + std::to_string(launch.world_size) + " but " + rank_name +
                      " is not set; launch with torchrun, srun or scripts/launch_local.sh, which set both");
  }
  if (rank != nullptr) launch.rank = static_cast<int>(parse_number(rank_name, rank, 0, launch.world_size - 1));
  if (const char* local = find_variable(local_name)) {
    launch.local_rank = static_cast<int>(parse_number(local_name, local, 0, 65535));
  }
  if (const char* address = find_variable("MASTER_ADDR")) launch.master_addr = address;
  if (const char* port = find_variable("MASTER_PORT")) {
    launch.master_port = static_cast<int>(parse_number("MASTER_PORT", port, 1, 65535));
  }
  if (launch.distributed() && launch.source == "slurm" && !find_variable("MASTER_ADDR")) {
    throw ConfigError("SLURM_NTASKS is " + std::to_string(launch.world_size) +
                      " but MASTER_ADDR is not set; export MASTER_ADDR (the first node's host name) and "
                      "MASTER_PORT in the job script");
  }
  return launch;
}

std::chrono::milliseconds timeout_from_environment() {
  const char* text = find_variable("TLT_DIST_TIMEOUT_S");
  if (text == nullptr) return std::chrono::seconds(300);
  return std::chrono::seconds(parse_number("TLT_DIST_TIMEOUT_S", text, 1, 86400));
}

}  // namespace tlt::dist
