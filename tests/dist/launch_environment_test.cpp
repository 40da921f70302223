#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <string>

#include "tlt/dist/process_group.h"
#include "tlt/util/error.h"

namespace tlt::dist {
namespace {

/// Sets the launch variables of one test and restores the previous values afterwards.
class LaunchVariables {
 public:
  explicit LaunchVariables(const std::map<std::string, std::string>& values) {
    for (const char* name : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "SLURM_PROCID",
                             "SLURM_NTASKS", "SLURM_LOCALID", "TLT_DIST_TIMEOUT_S"}) {
      const char* old = std::getenv(name);
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
      ::unsetenv(name);
    }
    for (const auto& [name, value] : values) ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~LaunchVariables() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

TEST(LaunchEnvironment, NoVariablesMeansOneProcess) {
  LaunchVariables variables({});
  const LaunchEnvironment launch = read_launch_environment();
  EXPECT_FALSE(launch.distributed());
  EXPECT_EQ(launch.source, "none");
  EXPECT_EQ(timeout_from_environment(), std::chrono::seconds(300));
}

TEST(LaunchEnvironment, ReadsTorchrunVariables) {
  LaunchVariables variables({{"RANK", "1"}, {"WORLD_SIZE", "2"}, {"LOCAL_RANK", "1"}, {"MASTER_ADDR", "127.0.0.1"},
                             {"MASTER_PORT", "29555"}, {"TLT_DIST_TIMEOUT_S", "7"}});
  const LaunchEnvironment launch = read_launch_environment();
  EXPECT_TRUE(launch.distributed());
  EXPECT_EQ(launch.source, "torchrun");
  EXPECT_EQ(launch.rank, 1);
  EXPECT_EQ(launch.world_size, 2);
  EXPECT_EQ(launch.local_rank, 1);
  EXPECT_EQ(launch.master_port, 29555);
  EXPECT_EQ(timeout_from_environment(), std::chrono::seconds(7));
}

TEST(LaunchEnvironment, FallsBackToSlurm) {
  LaunchVariables variables({{"SLURM_PROCID", "3"}, {"SLURM_NTASKS", "4"}, {"SLURM_LOCALID", "1"},
                             {"MASTER_ADDR", "127.0.0.1"}});
  const LaunchEnvironment launch = read_launch_environment();
  EXPECT_EQ(launch.source, "slurm");
  EXPECT_EQ(launch.rank, 3);
  EXPECT_EQ(launch.world_size, 4);
  EXPECT_EQ(launch.local_rank, 1);
}

TEST(LaunchEnvironment, TorchrunVariablesWinOverSlurm) {
  LaunchVariables variables({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"SLURM_PROCID", "5"}, {"SLURM_NTASKS", "8"}});
  const LaunchEnvironment launch = read_launch_environment();
  EXPECT_EQ(launch.source, "torchrun");
  EXPECT_EQ(launch.world_size, 2);
}

TEST(LaunchEnvironment, RejectsInvalidValues) {
  const std::vector<std::pair<std::map<std::string, std::string>, std::string>> cases = {
      {{{"RANK", "2"}, {"WORLD_SIZE", "2"}}, "invalid RANK '2'"},
      {{{"RANK", "0"}, {"WORLD_SIZE", "two"}}, "invalid WORLD_SIZE 'two'"},
      {{{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "70000"}}, "invalid MASTER_PORT '70000'"},
      {{{"WORLD_SIZE", "2"}}, "RANK is not set"},
      {{{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}}, "MASTER_ADDR is not set"},
  };
  for (const auto& [values, message] : cases) {
    LaunchVariables variables(values);
    try {
      read_launch_environment();
      ADD_FAILURE() << "no error for " << message;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  }
  LaunchVariables variables(std::map<std::string, std::string>{{"TLT_DIST_TIMEOUT_S", "0"}});
  EXPECT_THROW(timeout_from_environment(), ConfigError);
}

}  // namespace
}  // namespace tlt::dist
