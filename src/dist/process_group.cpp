#include "tlt/dist/process_group.h"

#include <spdlog/spdlog.h>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <cstdlib>
#include <thread>

#include "dist/collectives.h"
#include "dist/join_watchdog.h"
#include "tlt/dist/device.h"
#include "tlt/util/error.h"
#include "tlt/util/interrupt.h"
#include "tlt/util/torch_compat.h"

namespace tlt::dist {

namespace {

/// The store key that every rank increments once it has connected, so that rank 0 can count them.
constexpr const char* kJoinedKey = "tlt/ranks_joined";

std::string address_of(const LaunchEnvironment& launch) {
  return launch.master_addr + ":" + std::to_string(launch.master_port);
}

std::string seconds_text(std::chrono::milliseconds timeout) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) + " s";
}

/// The message of an exception from c10d or Gloo without c10's stack trace and final full stop, to be
/// followed by "; what to check".
std::string error_text(const std::exception& error) {
  const auto* c10_error = dynamic_cast<const c10::Error*>(&error);
  std::string text = c10_error != nullptr ? c10_error->what_without_backtrace() : error.what();
  const size_t end = text.find_last_not_of(" .\n");
  text.erase(end == std::string::npos ? 0 : end + 1);
  return text;
}

std::string joining_interrupted_text(const LaunchEnvironment& launch) {
  return "interrupted while rank " + std::to_string(launch.rank) + " was joining the rendezvous at " +
         address_of(launch);
}

/// Throws tlt::Interrupted if SIGINT or SIGTERM arrived while this rank was joining.
void throw_if_interrupted_joining(const LaunchEnvironment& launch) {
  if (interrupt_requested()) throw Interrupted(joining_interrupted_text(launch));
}

/// Waits on rank 0 until all WORLD_SIZE ranks have counted themselves in the store, so that a missing rank
/// is reported as such, after `timeout`.
void wait_for_all_ranks(c10d::Store& store, const LaunchEnvironment& launch, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const int64_t joined = store.add(kJoinedKey, 0);
    if (joined == launch.world_size) return;
    if (joined > launch.world_size) {
      throw DistributedError(std::to_string(joined) + " processes joined the rendezvous at " + address_of(launch) +
                             ", more than WORLD_SIZE " + std::to_string(launch.world_size) +
                             "; check that every process has its own RANK, and that no other job uses MASTER_PORT " +
                             std::to_string(launch.master_port));
    }
    throw_if_interrupted_joining(launch);
    if (std::chrono::steady_clock::now() >= deadline) {
      throw DistributedError("only " + std::to_string(joined) + " of " + std::to_string(launch.world_size) +
                             " ranks (WORLD_SIZE) joined the rendezvous at " + address_of(launch) + " within " +
                             seconds_text(timeout) + "; start WORLD_SIZE processes, or set WORLD_SIZE to the "
                             "number of processes started");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

/// Connects to the rendezvous: rank 0 hosts the TCPStore and waits until all WORLD_SIZE ranks have
/// connected. Under torchrun the launcher's agent already hosts it (TORCHELASTIC_USE_AGENT_STORE=True),
/// and every rank connects as a client, as torch.distributed.init_process_group does.
c10::intrusive_ptr<c10d::Store> connect_store(const LaunchEnvironment& launch, std::chrono::milliseconds timeout) {
  const char* agent_store = std::getenv("TORCHELASTIC_USE_AGENT_STORE");
  const bool hosted_by_agent = agent_store != nullptr && std::string(agent_store) == "True";
  c10d::TCPStoreOptions options;
  options.port = static_cast<uint16_t>(launch.master_port);
  options.isServer = launch.rank == 0 && !hosted_by_agent;
  options.numWorkers = static_cast<size_t>(launch.world_size);
  // TCPStore's own wait for the workers ends silently at the timeout, so rank 0 counts the ranks itself.
  options.waitWorkers = false;
  options.timeout = timeout;
  const std::string address = address_of(launch);
  c10::intrusive_ptr<c10d::Store> store;
  try {
    store = c10::make_intrusive<c10d::TCPStore>(launch.master_addr, options);
    // torchrun's agent has started every rank of its node already, and its store outlives restarts, which
    // would make the count wrong.
    if (!hosted_by_agent) store->add(kJoinedKey, 1);
  } catch (const std::exception& e) {
    throw_if_interrupted_joining(launch);
    if (options.isServer) {
      throw DistributedError("rank 0 could not host the rendezvous at " + address + ": " + error_text(e) +
                             "; check that the port is free, or choose another MASTER_PORT");
    }
    throw DistributedError("rank " + std::to_string(launch.rank) + " could not join the rendezvous at " + address +
                           " within " + seconds_text(timeout) + ": " + error_text(e) +
                           "; check MASTER_ADDR and MASTER_PORT and that rank 0 is running");
  }
  if (options.isServer) wait_for_all_ranks(*store, launch, timeout);
  return store;
}

}  // namespace

/// The backends of the group: Gloo for CPU tensors and, in a LibTorch with CUDA and NCCL, NCCL for CUDA
/// tensors. A tensor that no built backend takes is copied to one that does (a CUDA tensor to the CPU for
/// Gloo, a CPU tensor to this rank's GPU for NCCL) and back.
struct ProcessGroup::Backend {
  detail::BackendSettings settings;
  int local_rank = 0;
  std::unique_ptr<detail::Collectives> gloo;
  std::unique_ptr<detail::Collectives> nccl;  ///< created at the first collective that needs it

#if TLT_HAVE_NCCL
  detail::Collectives& nccl_collectives() {
    if (!nccl) nccl = detail::make_nccl_collectives(settings);
    return *nccl;
  }
#endif

  void all_reduce_sum(at::Tensor& tensor) {
#if TLT_HAVE_NCCL
    if (tensor.is_cuda()) {
      nccl_collectives().all_reduce_sum(tensor);
      return;
    }
    if (!gloo) {
      at::Tensor on_gpu = tensor.to(device_for_rank("cuda", local_rank, compat::cuda_device_count()));
      nccl_collectives().all_reduce_sum(on_gpu);
      tensor.copy_(on_gpu);
      return;
    }
#endif
    if (tensor.is_cuda()) {
      at::Tensor on_cpu = tensor.cpu();
      gloo->all_reduce_sum(on_cpu);
      tensor.copy_(on_cpu);
      return;
    }
    gloo->all_reduce_sum(tensor);
  }

  void barrier() {
#if TLT_HAVE_NCCL
    if (!gloo) {
      nccl_collectives().barrier();
      return;
    }
#endif
    gloo->barrier();
  }
};

ProcessGroup::ProcessGroup(int rank, int world_size, int local_rank, std::unique_ptr<Backend> backend)
    : rank_(rank), world_size_(world_size), local_rank_(local_rank), backend_(std::move(backend)) {}

ProcessGroup::~ProcessGroup() = default;

std::unique_ptr<ProcessGroup> ProcessGroup::join(const LaunchEnvironment& launch,
                                                 [[maybe_unused]] std::chrono::milliseconds timeout) {
#if !TLT_HAVE_GLOO && !TLT_HAVE_NCCL
  throw DistributedError("WORLD_SIZE is " + std::to_string(launch.world_size) +
                         " but this tlt was built without the Gloo backend; install libgloo-dev and rebuild "
                         "(bash scripts/setup.sh), or run one process");
#else
  auto backend = std::make_unique<Backend>();
  backend->settings.store = connect_store(launch, timeout);
  backend->settings.rank = launch.rank;
  backend->settings.world_size = launch.world_size;
  backend->settings.master_addr = launch.master_addr;
  backend->settings.timeout = timeout;
  backend->local_rank = launch.local_rank;
#if TLT_HAVE_GLOO
  try {
    backend->gloo = detail::make_gloo_collectives(backend->settings);
  } catch (const std::exception& e) {
    throw_if_interrupted_joining(launch);
    throw DistributedError("rank " + std::to_string(launch.rank) + " could not connect the Gloo process group of " +
                           std::to_string(launch.world_size) + " ranks (rendezvous " + address_of(launch) +
                           ") within " + seconds_text(timeout) + ": " + error_text(e) +
                           "; check that WORLD_SIZE processes were started, that no other job uses MASTER_PORT, "
                           "and that the ranks can reach each other (GLOO_SOCKET_IFNAME selects the network "
                           "interface)");
  }
#endif
  return std::unique_ptr<ProcessGroup>(
      new ProcessGroup(launch.rank, launch.world_size, launch.local_rank, std::move(backend)));
#endif
}

void ProcessGroup::all_reduce_sum(at::Tensor& tensor) {
  try {
    backend_->all_reduce_sum(tensor);
  } catch (const std::exception& e) {
    throw DistributedError("rank " + std::to_string(rank_) + ": an all-reduce over " + std::to_string(world_size_) +
                           " ranks failed or timed out (TLT_DIST_TIMEOUT_S, " +
                           seconds_text(backend_->settings.timeout) +
                           "), probably because another rank stopped; "
                           "see its log (" +
                           error_text(e) + ")");
  }
}

void ProcessGroup::barrier() {
  try {
    backend_->barrier();
  } catch (const std::exception& e) {
    throw DistributedError("rank " + std::to_string(rank_) + ": a barrier over " + std::to_string(world_size_) +
                           " ranks failed or timed out (TLT_DIST_TIMEOUT_S, " +
                           seconds_text(backend_->settings.timeout) +
                           "), probably because another rank stopped; "
                           "see its log (" +
                           error_text(e) + ")");
  }
}

std::unique_ptr<ProcessGroup> join_from_environment() {
  const LaunchEnvironment launch = read_launch_environment();
  if (!launch.distributed()) return nullptr;
  const std::chrono::milliseconds timeout = timeout_from_environment();
  if (launch.rank != 0 && spdlog::get_level() < spdlog::level::warn) spdlog::set_level(spdlog::level::warn);
  spdlog::info("[dist] rank {} of {} joining at {} ({} variables, timeout {})", launch.rank, launch.world_size,
               address_of(launch), launch.source, seconds_text(timeout));

  // Joining waits at most `timeout` for the rendezvous and again for the Gloo connections; the watchdog
  // ends a join that blocks beyond both, or that a signal should stop.
  const std::chrono::milliseconds limit = 2 * timeout + std::chrono::seconds(10);
  const std::string rank = std::to_string(launch.rank);
  detail::JoinWatchdog watchdog(
      limit, joining_interrupted_text(launch),
      "rank " + rank + " did not finish joining the process group at " + address_of(launch) + " within " +
          seconds_text(limit) + " (twice TLT_DIST_TIMEOUT_S plus 10 s); check that MASTER_PORT is the port of "
          "this job's rank 0 and not of another program, and that WORLD_SIZE processes were started");
  std::unique_ptr<ProcessGroup> group = ProcessGroup::join(launch, timeout);
  spdlog::info("[dist] rank {} of {} joined", launch.rank, launch.world_size);
  return group;
}

}  // namespace tlt::dist
