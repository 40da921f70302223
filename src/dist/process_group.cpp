#include "tlt/dist/process_group.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <vector>

#include "tlt/util/error.h"

#if TLT_HAVE_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

namespace tlt::dist {

namespace {

std::string address_of(const LaunchEnvironment& launch) {
  return launch.master_addr + ":" + std::to_string(launch.master_port);
}

std::string seconds_text(std::chrono::milliseconds timeout) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) + " s";
}

}  // namespace

struct ProcessGroup::Backend {
#if TLT_HAVE_GLOO
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
#endif
  std::chrono::milliseconds timeout{0};
};

ProcessGroup::ProcessGroup(int rank, int world_size, std::unique_ptr<Backend> backend)
    : rank_(rank), world_size_(world_size), backend_(std::move(backend)) {}

ProcessGroup::~ProcessGroup() = default;

#if TLT_HAVE_GLOO

std::unique_ptr<ProcessGroup> ProcessGroup::join(const LaunchEnvironment& launch, std::chrono::milliseconds timeout) {
  auto backend = std::make_unique<Backend>();
  backend->timeout = timeout;
  const std::string address = address_of(launch);

  // Rendezvous: rank 0 hosts the TCPStore and waits until all WORLD_SIZE ranks have connected. Under
  // torchrun the launcher's agent already hosts it (TORCHELASTIC_USE_AGENT_STORE=True), and every rank
  // connects as a client, as torch.distributed.init_process_group does.
  const char* agent_store = std::getenv("TORCHELASTIC_USE_AGENT_STORE");
  const bool hosted_by_agent = agent_store != nullptr && std::string(agent_store) == "True";
  c10d::TCPStoreOptions store_options;
  store_options.port = static_cast<uint16_t>(launch.master_port);
  store_options.isServer = launch.rank == 0 && !hosted_by_agent;
  store_options.numWorkers = static_cast<size_t>(launch.world_size);
  store_options.waitWorkers = true;
  store_options.timeout = timeout;
  try {
    backend->store = c10::make_intrusive<c10d::TCPStore>(launch.master_addr, store_options);
  } catch (const std::exception& e) {
    if (store_options.isServer) {
      throw DistributedError("rank 0 could not host the rendezvous at " + address + " or not all " +
                             std::to_string(launch.world_size) + " ranks (WORLD_SIZE) joined within " +
                             seconds_text(timeout) + ": " + e.what() +
                             "; check that the port is free (or choose another MASTER_PORT) and that WORLD_SIZE "
                             "processes are started");
    }
    throw DistributedError("rank " + std::to_string(launch.rank) + " could not join the rendezvous at " + address +
                           " within " + seconds_text(timeout) + ": " + e.what() +
                           "; check MASTER_ADDR and MASTER_PORT and that rank 0 is running");
  }

  // The Gloo process group. GLOO_SOCKET_IFNAME selects a network interface, as in PyTorch; a loopback
  // rendezvous keeps the connections on 127.0.0.1.
  auto group_options = c10d::ProcessGroupGloo::Options::create(timeout);
  const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
  const bool loopback = launch.master_addr == "localhost" || launch.master_addr.rfind("127.", 0) == 0;
  try {
    if (interface != nullptr && *interface != '\0') {
      group_options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
    } else if (loopback) {
      group_options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    } else {
      group_options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    backend->group = c10::make_intrusive<c10d::ProcessGroupGloo>(backend->store, launch.rank, launch.world_size,
                                                                 group_options);
  } catch (const std::exception& e) {
    throw DistributedError("rank " + std::to_string(launch.rank) + " could not connect the Gloo process group of " +
                           std::to_string(launch.world_size) + " ranks (rendezvous " + address + ") within " +
                           seconds_text(timeout) + ": " + e.what() + "; check that WORLD_SIZE processes were started "
                           "and can reach each other (GLOO_SOCKET_IFNAME selects the network interface)");
  }
  return std::unique_ptr<ProcessGroup>(new ProcessGroup(launch.rank, launch.world_size, std::move(backend)));
}

void ProcessGroup::all_reduce_sum(at::Tensor& tensor) {
  std::vector<at::Tensor> tensors = {tensor};
  try {
    backend_->group->allreduce(tensors)->wait();
  } catch (const std::exception& e) {
    throw DistributedError("rank " + std::to_string(rank_) + ": an all-reduce over " + std::to_string(world_size_) +
                           " ranks failed or timed out (TLT_DIST_TIMEOUT_S, " + seconds_text(backend_->timeout) +
                           "), probably because another rank stopped; see its log. " + e.what());
  }
}

void ProcessGroup::barrier() {
  try {
    backend_->group->barrier()->wait();
  } catch (const std::exception& e) {
    throw DistributedError("rank " + std::to_string(rank_) + ": a barrier over " + std::to_string(world_size_) +
                           " ranks failed or timed out (TLT_DIST_TIMEOUT_S, " + seconds_text(backend_->timeout) +
                           "), probably because another rank stopped; see its log. " + e.what());
  }
}

#else

std::unique_ptr<ProcessGroup> ProcessGroup::join(const LaunchEnvironment& launch, std::chrono::milliseconds) {
  throw DistributedError("WORLD_SIZE is " + std::to_string(launch.world_size) +
                         " but this tlt was built without the Gloo backend; install libgloo-dev and rebuild "
                         "(bash scripts/setup.sh), or run one process");
}

void ProcessGroup::all_reduce_sum(at::Tensor&) {}

void ProcessGroup::barrier() {}

#endif

std::unique_ptr<ProcessGroup> join_from_environment() {
  const LaunchEnvironment launch = read_launch_environment();
  if (!launch.distributed()) return nullptr;
  const std::chrono::milliseconds timeout = timeout_from_environment();
  spdlog::info("[dist] rank {} of {} joining at {} ({} variables, timeout {})", launch.rank, launch.world_size,
               address_of(launch), launch.source, seconds_text(timeout));
  std::unique_ptr<ProcessGroup> group = ProcessGroup::join(launch, timeout);
  spdlog::info("[dist] rank {} of {} joined", launch.rank, launch.world_size);
  if (launch.rank != 0 && spdlog::get_level() < spdlog::level::warn) spdlog::set_level(spdlog::level::warn);
  return group;
}

}  // namespace tlt::dist
