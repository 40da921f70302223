// Running tlt_bench itself as a child process with another environment.
#pragma once

#include <string>
#include <vector>

namespace tlt::bench {

/// The path of the running executable (/proc/self/exe resolved). Throws DataError when it cannot be read.
std::string executable_path();

/// Runs `program` with `arguments` (argv[1:]) and the environment `environment` ("KEY=VALUE" strings),
/// sharing this process's stdout and stderr, and waits for it. Returns its exit code, or 128 + the
/// signal number when a signal ended it. Throws DataError when the process cannot be started.
int run_child(const std::string& program, const std::vector<std::string>& arguments,
              const std::vector<std::string>& environment);

}  // namespace tlt::bench
