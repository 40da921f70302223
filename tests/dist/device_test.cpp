// The device each rank computes on, for every --device form, with the GPU count given so that the CUDA
// cases run on machines without a GPU.
#include <gtest/gtest.h>

#include <string>

#include "tlt/dist/device.h"
#include "tlt/util/error.h"

namespace tlt::dist {
namespace {

/// The message of the ConfigError that device_for_rank throws, or "" where it throws none.
std::string device_error(const std::string& name, int local_rank, int64_t gpus) {
  try {
    device_for_rank(name, local_rank, gpus);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(DeviceForRank, CpuNeedsNoGpu) {
  EXPECT_EQ(device_for_rank("cpu", 0, 0), c10::Device(c10::kCPU));
  EXPECT_EQ(device_for_rank("cpu", 3, 8), c10::Device(c10::kCPU));
}

TEST(DeviceForRank, CudaTakesGpuOfLocalRank) {
  EXPECT_EQ(device_for_rank("cuda", 0, 1), c10::Device(c10::kCUDA, 0));
  EXPECT_EQ(device_for_rank("cuda", 0, 4), c10::Device(c10::kCUDA, 0));
  EXPECT_EQ(device_for_rank("cuda", 3, 4), c10::Device(c10::kCUDA, 3));
}

TEST(DeviceForRank, SingleVisibleGpuServesAnyRank) {
  // Slurm's --gpus-per-task=1 shows each rank one GPU, numbered 0, whatever its local rank.
  EXPECT_EQ(device_for_rank("cuda", 2, 1), c10::Device(c10::kCUDA, 0));
}

TEST(DeviceForRank, ExplicitGpuNumber) {
  EXPECT_EQ(device_for_rank("cuda:1", 0, 2), c10::Device(c10::kCUDA, 1));
  EXPECT_EQ(device_for_rank("cuda:0", 1, 2), c10::Device(c10::kCUDA, 0));
}

TEST(DeviceForRank, LocalRankBeyondGpusIsRejected) {
  const std::string message = device_error("cuda", 2, 2);
  EXPECT_NE(message.find("LOCAL_RANK 2"), std::string::npos) << message;
  EXPECT_NE(message.find("2 GPUs are visible"), std::string::npos) << message;
}

TEST(DeviceForRank, CudaWithoutGpuIsRejected) {
  const std::string message = device_error("cuda", 0, 0);
  EXPECT_NE(message.find("--device cpu"), std::string::npos) << message;
  EXPECT_NE(device_error("cuda:0", 0, 0), "");
}

TEST(DeviceForRank, MissingGpuNumberIsRejected) {
  const std::string message = device_error("cuda:2", 0, 2);
  EXPECT_NE(message.find("cuda:2"), std::string::npos) << message;
  EXPECT_NE(message.find("2 GPUs are visible"), std::string::npos) << message;
}

TEST(DeviceForRank, MalformedNamesAreRejected) {
  for (const std::string name : {"gpu", "CUDA", "cuda:", "cuda:x", "cuda:-1", "cuda:1a", ""}) {
    const std::string message = device_error(name, 0, 2);
    EXPECT_NE(message.find("invalid --device '" + name + "'"), std::string::npos) << name << ": " << message;
  }
}

}  // namespace
}  // namespace tlt::dist
