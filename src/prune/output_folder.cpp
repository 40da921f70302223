#include "output_folder.h"

#include "tlt/util/error.h"
#include "tlt/util/file_io.h"
#include "tlt/util/logging.h"

namespace tlt::prune {

namespace fs = std::filesystem;

namespace {

/// Appends "key: A in the folder, B now" for each differing leaf of two JSON objects.
void list_differences(const nlohmann::json& recorded, const nlohmann::json& requested, const std::string& prefix,
                      std::vector<std::string>& differences) {
  if (recorded.is_object() && requested.is_object()) {
    nlohmann::json keys = nlohmann::json::object();
    for (const auto& item : recorded.items()) keys[item.key()] = true;
    for (const auto& item : requested.items()) keys[item.key()] = true;
    for (const auto& item : keys.items()) {
      const nlohmann::json none;
      const auto& a = recorded.contains(item.key()) ? recorded.at(item.key()) : none;
      const auto& b = requested.contains(item.key()) ? requested.at(item.key()) : none;
      list_differences(a, b, prefix.empty() ? item.key() : prefix + "." + item.key(), differences);
    }
    return;
  }
  if (recorded != requested) {
    differences.push_back(prefix + ": " + recorded.dump() + " in the folder, " + requested.dump() + " now");
  }
}

std::string join_first(const std::vector<std::string>& items, size_t count) {
  std::string text;
  for (size_t i = 0; i < items.size() && i < count; ++i) text += (i ? "; " : "") + items[i];
  if (items.size() > count) text += "; and " + std::to_string(items.size() - count) + " more";
  return text;
}

}  // namespace

bool OwnNames::contains(const std::string& name) const {
  for (const std::string& own : exact) {
    if (name == own) return true;
  }
  for (const std::string& prefix : prefixes) {
    if (name.rfind(prefix, 0) == 0 && name.size() > prefix.size() &&
        name.find_first_not_of("0123456789", prefix.size()) == std::string::npos) {
      return true;
    }
  }
  return false;
}

nlohmann::json read_json_file(const fs::path& path) {
  try {
    return nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError("'" + path.string() + "' is not valid JSON (" + e.what() +
                          "); the file is damaged: remove the folder or pass --force to replace it");
  }
}

FolderState inspect_output_folder(const fs::path& out, const std::string& record_file, const nlohmann::json& request,
                                  const OwnNames& own, bool force) {
  if (!fs::exists(out)) return FolderState::kEmpty;
  if (!fs::is_directory(out)) {
    throw ConfigError("output folder '" + out.string() + "' exists and is not a folder; choose another --out");
  }

  const fs::path record = out / record_file;
  if (fs::exists(record)) {
    const nlohmann::json recorded = read_json_file(record);
    const nlohmann::json recorded_request = recorded.contains("request") ? recorded.at("request") : nlohmann::json();
    if (recorded_request == request) return FolderState::kSameRequest;
    if (force) return FolderState::kReplace;
    std::vector<std::string> differences;
    list_differences(recorded_request, request, "", differences);
    throw ConfigError("output folder '" + out.string() + "' contains a different pruning (" +
                      join_first(differences, 4) + "); choose another --out, or pass --force to replace it");
  }

  for (const auto& entry : fs::directory_iterator(out)) {
    const std::string name = entry.path().filename().string();
    if (own.contains(name)) continue;
    if (force) return FolderState::kReplace;
    throw ConfigError("output folder '" + out.string() + "' is not empty and contains no pruning (it has '" + name +
                      "'); choose another --out, or pass --force to write into it");
  }
  return FolderState::kEmpty;
}

void remove_own_entries(const fs::path& out, const OwnNames& own) {
  if (!fs::exists(out)) return;
  for (const auto& entry : fs::directory_iterator(out)) {
    const std::string name = entry.path().filename().string();
    if (!own.contains(name)) continue;
    std::error_code error;
    fs::remove_all(entry.path(), error);
    if (error) {
      throw DataError("cannot remove '" + entry.path().string() + "' to replace it: " + error.message());
    }
    spdlog::info("[prune] removed {}, left by an earlier pruning in this folder", entry.path().string());
  }
}

}  // namespace tlt::prune
