#include "machine_info.h"

#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <dlfcn.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "tlt/util/torch_compat.h"

namespace tlt::bench {

namespace {

/// The first line of a text file, or "" when it cannot be read.
std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

/// The value of the first "key : value" line of /proc/cpuinfo with this key, or "".
std::string cpuinfo_value(const std::string& key) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    name.erase(name.find_last_not_of(" \t") + 1);
    if (name == key) return colon + 2 <= line.size() ? line.substr(colon + 2) : "";
  }
  return "";
}

/// The vector extensions that decide the speed of fp32 matrix products, in the order listed.
std::vector<std::string> vector_extensions() {
  std::istringstream flags(" " + cpuinfo_value("flags") + " ");
  std::set<std::string> present;
  std::string flag;
  while (flags >> flag) present.insert(flag);
  std::vector<std::string> found;
  for (const char* wanted : {"avx", "avx2", "fma", "avx512f", "avx512_bf16", "amx_tile"}) {
    if (present.count(wanted) > 0) found.emplace_back(wanted);
  }
  return found;
}

/// The shared libraries mapped into this process whose file name mentions BLAS, LAPACK, OpenMP, oneDNN or
/// MKL, as real paths (the maps file resolves the libblas.so.3 alternative).
std::vector<std::string> numeric_libraries() {
  static const std::regex pattern("blas|lapack|gomp|libomp|iomp|dnnl|mkl");
  std::ifstream in("/proc/self/maps");
  std::set<std::string> libraries;
  std::string line;
  while (std::getline(in, line)) {
    const size_t slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    const std::string file = path.substr(path.find_last_of('/') + 1);
    if (std::regex_search(file, pattern)) libraries.insert(path);
  }
  return {libraries.begin(), libraries.end()};
}

/// Calls OpenBLAS's int-returning query `name` when the library is loaded; -1 otherwise.
int openblas_query(const char* name) {
  using Query = int (*)();
  auto* query = reinterpret_cast<Query>(::dlsym(RTLD_DEFAULT, name));
  return query != nullptr ? query() : -1;
}

/// OpenBLAS's build description, for example "OpenBLAS 0.3.21 DYNAMIC_ARCH ... SkylakeX MAX_THREADS=64".
std::string openblas_config() {
  using Query = char* (*)();
  auto* query = reinterpret_cast<Query>(::dlsym(RTLD_DEFAULT, "openblas_get_config"));
  return query != nullptr ? std::string(query()) : "";
}

}  // namespace

const std::vector<std::string>& tuning_variables() {
  static const std::vector<std::string> names = {"OMP_WAIT_POLICY", "GLIBC_TUNABLES", "OPENBLAS_NUM_THREADS",
                                                 "OMP_NUM_THREADS", "MKL_NUM_THREADS", "GOMP_SPINCOUNT"};
  return names;
}

nlohmann::json describe_machine() {
  struct utsname system {};
  ::uname(&system);
  return {
      {"cpu_model", cpuinfo_value("model name")},
      {"logical_cores", std::thread::hardware_concurrency()},
      {"cores_per_socket", cpuinfo_value("cpu cores")},
      {"vector_extensions", vector_extensions()},
      {"kernel", std::string(system.release)},
      {"transparent_hugepage", read_first_line("/sys/kernel/mm/transparent_hugepage/enabled")},
      {"libtorch_version", compat::torch_version()},
      {"libtorch_config", at::show_config()},
  };
}

nlohmann::json describe_process() {
  nlohmann::json environment = nlohmann::json::object();
  for (const std::string& name : tuning_variables()) {
    const char* value = std::getenv(name.c_str());
    environment[name] = value != nullptr ? nlohmann::json(value) : nlohmann::json(nullptr);
  }
  return {
      {"intra_op_threads", at::get_num_threads()},
      {"inter_op_threads", at::get_num_interop_threads()},
      {"openblas_threads", openblas_query("openblas_get_num_threads")},
      {"openblas_config", openblas_config()},
      {"parallel_info", at::get_parallel_info()},
      {"numeric_libraries", numeric_libraries()},
      {"environment", environment},
  };
}

nlohmann::json load_average() {
  double values[3];
  if (::getloadavg(values, 3) != 3) return nlohmann::json::array();
  return {values[0], values[1], values[2]};
}

int64_t max_rss_bytes() {
  struct rusage usage {};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;  // Linux reports kibibytes
}

int64_t current_rss_bytes() {
  std::ifstream in("/proc/self/statm");
  int64_t size_pages = 0;
  int64_t resident_pages = 0;
  if (!(in >> size_pages >> resident_pages)) return -1;
  return resident_pages * static_cast<int64_t>(::sysconf(_SC_PAGESIZE));
}

int64_t minor_page_faults() {
  struct rusage usage {};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_minflt);
}

double process_cpu_s() {
  struct rusage usage {};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& time) { return static_cast<double>(time.tv_sec) + 1e-6 * static_cast<double>(time.tv_usec); };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace tlt::bench
