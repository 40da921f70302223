#include "variants.h"

#include <unistd.h>

#include <sstream>

#include "tlt/util/error.h"

extern char** environ;

namespace tlt::bench {

namespace {

constexpr const char* kHugePages = "glibc.malloc.hugetlb=1";

/// A preset: the four variables it controls start unset, then `settings` are applied.
Variant make_preset(const std::string& name, const std::map<std::string, std::string>& settings, int threads = -1) {
  Variant variant;
  variant.name = name;
  for (const char* controlled : {"OMP_WAIT_POLICY", "GLIBC_TUNABLES", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"}) {
    variant.environment[controlled] = std::nullopt;
  }
  for (const auto& [key, value] : settings) variant.environment[key] = value;
  variant.threads = threads;
  return variant;
}

std::string preset_list() {
  std::string list;
  for (const Variant& preset : preset_variants()) list += (list.empty() ? "" : ", ") + preset.name;
  return list;
}

}  // namespace

const std::vector<Variant>& preset_variants() {
  static const std::vector<Variant> presets = {
      make_preset("stock", {}),
      make_preset("passive", {{"OMP_WAIT_POLICY", "PASSIVE"}}),
      make_preset("hugetlb", {{"GLIBC_TUNABLES", kHugePages}}),
      make_preset("tlt", {{"OMP_WAIT_POLICY", "PASSIVE"}, {"GLIBC_TUNABLES", kHugePages}}),
      make_preset("tlt-blas1",
                  {{"OMP_WAIT_POLICY", "PASSIVE"}, {"GLIBC_TUNABLES", kHugePages}, {"OPENBLAS_NUM_THREADS", "1"}}),
      make_preset("tlt-threads1", {{"OMP_WAIT_POLICY", "PASSIVE"}, {"GLIBC_TUNABLES", kHugePages}}, 1),
      Variant{"inherit", {}, -1},
  };
  return presets;
}

Variant parse_variant(const std::string& text) {
  const size_t colon = text.find(':');
  if (colon == std::string::npos) {
    for (const Variant& preset : preset_variants()) {
      if (preset.name == text) return preset;
    }
    throw ConfigError("unknown variant '" + text + "'; use a preset (" + preset_list() +
                      ") or NAME:KEY=VALUE;KEY=VALUE with environment variables or threads");
  }

  Variant variant;
  variant.name = text.substr(0, colon);
  if (variant.name.empty()) throw ConfigError("variant '" + text + "' has no name before ':'");
  std::istringstream settings(text.substr(colon + 1));
  std::string setting;
  while (std::getline(settings, setting, ';')) {
    const size_t equals = setting.find('=');
    if (setting.empty() || equals == 0 || equals == std::string::npos) {
      throw ConfigError("invalid setting '" + setting + "' in variant '" + text +
                        "'; expected KEY=VALUE (an empty VALUE unsets the variable)");
    }
    const std::string key = setting.substr(0, equals);
    const std::string value = setting.substr(equals + 1);
    if (key == "threads") {
      size_t used = 0;
      int threads = -1;
      try {
        threads = std::stoi(value, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != value.size() || value.empty() || threads < 0) {
        throw ConfigError("invalid threads '" + value + "' in variant '" + text + "'; expected a whole number >= 0");
      }
      variant.threads = threads;
    } else {
      variant.environment[key] = value.empty() ? std::nullopt : std::optional<std::string>(value);
    }
  }
  return variant;
}

std::vector<std::string> child_environment(const Variant& variant) {
  std::vector<std::string> result;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text(*entry);
    const std::string key = text.substr(0, text.find('='));
    if (variant.environment.count(key) == 0) result.push_back(text);
  }
  for (const auto& [key, value] : variant.environment) {
    if (value) result.push_back(key + "=" + *value);
  }
  return result;
}

std::string describe_variant(const Variant& variant) {
  std::string text;
  for (const auto& [key, value] : variant.environment) {
    text += (text.empty() ? "" : " ") + (value ? key + "=" + *value : key + " unset");
  }
  if (variant.threads >= 0) text += (text.empty() ? "" : " ") + std::string("threads=") + std::to_string(variant.threads);
  return text.empty() ? "(environment unchanged)" : text;
}

}  // namespace tlt::bench
