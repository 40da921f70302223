#include "data/sentencepiece_library.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <system_error>

#include "tlt/util/error.h"

#ifndef TLT_SENTENCEPIECE_MODULE_FILE
#define TLT_SENTENCEPIECE_MODULE_FILE "libtlt_sentencepiece.so"
#endif

namespace tlt::data {

namespace fs = std::filesystem;

std::vector<fs::path> sentencepiece_module_candidates() {
  if (const char* configured = std::getenv("TLT_SENTENCEPIECE_MODULE"); configured && *configured) {
    return {fs::path(configured)};
  }

  std::vector<fs::path> candidates;
  std::error_code error;
  const fs::path executable = fs::read_symlink("/proc/self/exe", error);
  if (!error) {
    // Build tree: build/tests/tlt_tests and build/apps/tlt, with the module in build/src. An installed
    // tree keeps it in lib/ beside bin/.
    const fs::path folder = executable.parent_path();
    candidates.push_back(folder / TLT_SENTENCEPIECE_MODULE_FILE);
    candidates.push_back((folder / ".." / "src" / TLT_SENTENCEPIECE_MODULE_FILE).lexically_normal());
    candidates.push_back((folder / ".." / "lib" / TLT_SENTENCEPIECE_MODULE_FILE).lexically_normal());
  }
#ifdef TLT_SENTENCEPIECE_MODULE_PATH
  candidates.push_back(TLT_SENTENCEPIECE_MODULE_PATH);
#endif
  return candidates;
}

const TltSentencePieceApi& open_sentencepiece_module(const fs::path& path) {
  // A new link namespace gives the module, libsentencepiece.so and every library they need (libc and
  // libstdc++ included) a symbol scope of their own, so neither protobuf copy can bind to the other.
  // dlopen(RTLD_LOCAL | RTLD_DEEPBIND) is not enough. Executables contain copy-relocated libstdc++ data
  // such as std::cerr, and a DEEPBIND library binds to libstdc++'s own, never constructed, std::cerr
  // instead, so SentencePiece's first log line crashes (seen with tlt_tests and SentencePiece 0.1.97).
  // A helper process would also work, but would cost a pipe round trip per sentence.
  void* handle = ::dlmopen(LM_ID_NEWLM, path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    throw DataError("failed to load the SentencePiece module '" + path.string() + "': " + ::dlerror() +
                    "; rebuild the tlt_sentencepiece target or point TLT_SENTENCEPIECE_MODULE at the file");
  }
  auto* function = reinterpret_cast<TltSentencePieceApiFunction>(::dlsym(handle, TLT_SENTENCEPIECE_API_SYMBOL));
  if (function == nullptr) {
    throw DataError("'" + path.string() + "' is not a tlt SentencePiece module: symbol '" +
                    TLT_SENTENCEPIECE_API_SYMBOL + "' not found");
  }
  const TltSentencePieceApi* api = function();
  if (api == nullptr || api->version != TLT_SENTENCEPIECE_API_VERSION) {
    throw DataError("the SentencePiece module '" + path.string() + "' has API version " +
                    (api ? std::to_string(api->version) : std::string("none")) + ", but this tlt expects " +
                    std::to_string(TLT_SENTENCEPIECE_API_VERSION) + "; rebuild the tlt_sentencepiece target");
  }
  // The handle is never closed: processors created by the module must outlive every Vocabulary.
  return *api;
}

namespace {

const TltSentencePieceApi& find_and_open_module() {
  const std::vector<fs::path> candidates = sentencepiece_module_candidates();
  for (const fs::path& candidate : candidates) {
    std::error_code error;
    if (fs::is_regular_file(candidate, error)) return open_sentencepiece_module(candidate);
  }

  std::string tried;
  for (const fs::path& candidate : candidates) tried += "\n  " + candidate.string();
  throw DataError("the SentencePiece module " TLT_SENTENCEPIECE_MODULE_FILE
                  " was not found; build the tlt_sentencepiece target or set TLT_SENTENCEPIECE_MODULE to its "
                  "path. Paths tried:" +
                  tried);
}

}  // namespace

const TltSentencePieceApi& sentencepiece_api() {
  static std::mutex mutex;
  static const TltSentencePieceApi* api = nullptr;
  std::lock_guard<std::mutex> lock(mutex);
  if (api == nullptr) api = &find_and_open_module();
  return *api;
}

}  // namespace tlt::data
