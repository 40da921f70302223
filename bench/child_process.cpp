#include "child_process.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "tlt/util/error.h"

namespace tlt::bench {

namespace {

/// Pointers into `strings` followed by the terminating null pointer that exec expects.
std::vector<char*> to_pointer_array(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

std::string executable_path() {
  std::error_code error;
  const std::filesystem::path path = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) throw DataError("cannot find the tlt_bench executable through /proc/self/exe: " + error.message());
  return path.string();
}

int run_child(const std::string& program, const std::vector<std::string>& arguments,
              const std::vector<std::string>& environment) {
  std::vector<std::string> argv_strings = {program};
  argv_strings.insert(argv_strings.end(), arguments.begin(), arguments.end());
  std::vector<std::string> env_strings = environment;
  std::vector<char*> argv = to_pointer_array(argv_strings);
  std::vector<char*> envp = to_pointer_array(env_strings);

  pid_t pid = 0;
  const int spawn_error = ::posix_spawn(&pid, program.c_str(), nullptr, nullptr, argv.data(), envp.data());
  if (spawn_error != 0) {
    throw DataError("cannot start '" + program + "': " + std::strerror(spawn_error));
  }

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw DataError("waiting for benchmark process " + std::to_string(pid) + " failed: " + system_error_text());
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

}  // namespace tlt::bench
