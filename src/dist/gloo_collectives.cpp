#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>

#include <cstdlib>

#include "dist/collectives.h"

namespace tlt::dist::detail {

std::unique_ptr<Collectives> make_gloo_collectives(const BackendSettings& settings) {
  auto options = c10d::ProcessGroupGloo::Options::create(settings.timeout);
  const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
  const bool loopback = settings.master_addr == "localhost" || settings.master_addr.rfind("127.", 0) == 0;
  if (interface != nullptr && *interface != '\0') {
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
  } else if (loopback) {
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  } else {
    options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  }
  auto group = c10::make_intrusive<c10d::ProcessGroupGloo>(settings.store, settings.rank, settings.world_size, options);
  return std::make_unique<GroupCollectives<c10d::ProcessGroupGloo>>(std::move(group));
}

}  // namespace tlt::dist::detail
