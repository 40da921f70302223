// Run-time loading of the tlt_sentencepiece module (see sentencepiece_api.h for why it is not linked).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "data/sentencepiece_api.h"

namespace tlt::data {

/// Returns the module's function table, loading the module on the first call (thread-safe). The module
/// is the first existing file of sentencepiece_module_candidates(). Throws DataError naming every path
/// tried, or the path and the dlerror() text if loading fails. A failed call is retried on the next one.
const TltSentencePieceApi& sentencepiece_api();

/// Paths searched for the module, in order: $TLT_SENTENCEPIECE_MODULE if set (then the only one), else
/// the running executable's folder, its ../src and ../lib folders, and the build tree's path.
std::vector<std::filesystem::path> sentencepiece_module_candidates();

/// Loads the module at `path` into a new link namespace with dlmopen(LM_ID_NEWLM) and checks its API
/// version. The module stays loaded for the rest of the process, and each successful call takes one of
/// glibc's 16 link namespaces, so call it once per file. Throws DataError with the dlerror() text.
const TltSentencePieceApi& open_sentencepiece_module(const std::filesystem::path& path);

}  // namespace tlt::data
