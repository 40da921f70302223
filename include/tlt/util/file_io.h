// File helpers: atomic writes, whole-file reads and gzip text reading.
//
// Every file that tlt writes goes through write_file_atomic, so an interrupted run never leaves a
// half-written CSV, checkpoint or cache entry behind: the bytes go to "PATH.tmp.PID" and are renamed
// over PATH only after a successful flush and fsync.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace tlt {

namespace fs = std::filesystem;

/// Writes `bytes` to `path` atomically, creating parent folders. Throws DataError with the OS reason.
void write_file_atomic(const fs::path& path, std::string_view bytes);

/// Reads a whole file. Throws DataError naming the path and the OS reason if it cannot be read.
std::string read_file(const fs::path& path);

/// Reads a gzip-compressed or plain text file into lines (without "\n"; a trailing "\r" is removed).
/// Throws DataError for a missing file, a truncated gzip stream or bytes that are not valid UTF-8
/// (the message gives the line number).
std::vector<std::string> read_text_lines(const fs::path& path);

/// Returns true if `text` is valid UTF-8.
bool is_valid_utf8(std::string_view text);

/// 64-bit FNV-1a hash of `bytes`, continuing from `seed`; used for cache keys, not for security.
uint64_t fnv1a_64(std::string_view bytes, uint64_t seed = 0xcbf29ce484222325ULL);

/// Formats a 64-bit value as 16 lowercase hexadecimal digits.
std::string to_hex(uint64_t value);

}  // namespace tlt
