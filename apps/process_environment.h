// Process-level settings that must be in the environment before LibTorch's libraries load.
#pragma once

namespace tlt::app {

/// Re-executes the program once with OMP_WAIT_POLICY=PASSIVE and glibc's transparent huge pages for malloc
/// (GLIBC_TUNABLES=glibc.malloc.hugetlb=1) unless the user set those variables. OpenMP and glibc read them
/// only at start-up, so setting them later has no effect. Idle OpenMP threads that spin compete with
/// OpenBLAS's own threads and with other processes on small machines; see docs/benchmarks.md for the
/// measurements. TLT_KEEP_ENVIRONMENT=1 disables this. Returns normally if no re-exec was needed or it failed.
void reexec_with_tuned_environment(char** argv);

}  // namespace tlt::app
