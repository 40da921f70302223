#include "process_environment.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace tlt::app {

void reexec_with_tuned_environment(char** argv) {
  if (std::getenv("TLT_KEEP_ENVIRONMENT") != nullptr) return;
  bool changed = false;
  if (std::getenv("OMP_WAIT_POLICY") == nullptr) {
    ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    changed = true;
  }
  if (std::getenv("GLIBC_TUNABLES") == nullptr) {
    ::setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 1);
    changed = true;
  }
  if (!changed) return;
  // The marker stops a loop if the variables do not survive the exec for some reason.
  ::setenv("TLT_KEEP_ENVIRONMENT", "1", 1);
  ::execv("/proc/self/exe", argv);
  // execv returned: keep running with the settings the process started with.
}

}  // namespace tlt::app
