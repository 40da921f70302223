// Guarding `tlt prune` output folders: a folder is written only when it is new, contains the same request, or
// contains nothing but an interrupted attempt of ours, unless the user passes --force.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace tlt::prune {

/// What an output folder contains before a pruning writes it.
enum class FolderState {
  kEmpty,        ///< missing, empty, or only our own files without a record (an interrupted attempt)
  kSameRequest,  ///< its record file contains the same request: keep it and continue
  kReplace,      ///< contains something else, and force allows replacing our files in it
};

/// Names that a pruning writes into its folder: exact names, and folder names with a numbered suffix.
struct OwnNames {
  std::vector<std::string> exact;     ///< for example "init.pt", "train"
  std::vector<std::string> prefixes;  ///< for example "round_" (round_01, round_02, ...)
  bool contains(const std::string& name) const;
};

/// Decides whether `out` may receive the pruning `request`, recorded in out/record_file under "request".
/// Throws ConfigError when the folder contains another request or foreign files and `force` is false; the
/// message lists the differences (or a foreign file) and says to choose another --out or pass --force.
FolderState inspect_output_folder(const std::filesystem::path& out, const std::string& record_file,
                                  const nlohmann::json& request, const OwnNames& own, bool force);

/// Removes the entries of `out` that `own` names (files and whole folders); leaves other files alone.
void remove_own_entries(const std::filesystem::path& out, const OwnNames& own);

/// Reads a JSON file written by tlt. Throws CheckpointError naming the file if it cannot be parsed.
nlohmann::json read_json_file(const std::filesystem::path& path);

}  // namespace tlt::prune
