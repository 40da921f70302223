#include "tlt/util/logging.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include "tlt/util/error.h"

namespace tlt {

namespace {

std::shared_ptr<spdlog::sinks::basic_file_sink_mt>& file_sink() {
  static std::shared_ptr<spdlog::sinks::basic_file_sink_mt> sink;
  return sink;
}

}  // namespace

void setup_logging(const std::string& level) {
  const auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    throw ConfigError("invalid log level '" + level + "': expected trace, debug, info, warn, error or off");
  }
  auto logger = spdlog::stderr_color_mt("tlt");
  logger->set_pattern("%Y-%m-%d %H:%M:%S %^%-5l%$ %v");
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

void add_log_file(const std::string& path) {
  auto logger = spdlog::default_logger();
  auto& sinks = logger->sinks();
  if (file_sink()) {
    sinks.erase(std::remove(sinks.begin(), sinks.end(), file_sink()), sinks.end());
  }
  try {
    file_sink() = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path);
  } catch (const spdlog::spdlog_ex& e) {
    throw DataError("cannot open log file '" + path + "': " + e.what());
  }
  file_sink()->set_pattern("%Y-%m-%d %H:%M:%S %-5l %v");
  sinks.push_back(file_sink());
}

}  // namespace tlt
