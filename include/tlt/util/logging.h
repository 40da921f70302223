// Process-wide logging through spdlog, to stderr. Results go to files or stdout, never through the logger.
//
// Messages carry a component prefix such as "[data]" or "[train]" so that a log of a long study can be
// filtered with grep.
#pragma once

#include <spdlog/spdlog.h>

#include <string>

namespace tlt {

/// Sets up the default spdlog logger once per process: stderr, "time level message" lines, and the
/// given level ("trace", "debug", "info", "warn", "error"). Throws ConfigError for an unknown level.
void setup_logging(const std::string& level);

/// Also appends every log line to `path` (for example RUN/train.log). Safe to call more than once;
/// the latest file replaces the previous one.
void add_log_file(const std::string& path);

}  // namespace tlt
