#include "tlt/util/file_io.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "tlt/util/error.h"

namespace tlt {

void write_file_atomic(const fs::path& path, std::string_view bytes) {
  std::error_code error;
  if (path.has_parent_path()) {
    fs::create_directories(path.parent_path(), error);
    if (error) {
      throw DataError("cannot create folder '" + path.parent_path().string() + "': " + error.message());
    }
  }
  const fs::path temporary = path.string() + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw DataError("cannot write '" + temporary.string() + "': " + system_error_text());
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t count = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (count < 0) {
      if (errno == EINTR) continue;
      const std::string reason = system_error_text();
      ::close(fd);
      ::unlink(temporary.c_str());
      throw DataError("cannot write '" + temporary.string() + "': " + reason);
    }
    written += static_cast<size_t>(count);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string reason = system_error_text();
    ::unlink(temporary.c_str());
    throw DataError("cannot write '" + temporary.string() + "': " + reason);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string reason = system_error_text();
    ::unlink(temporary.c_str());
    throw DataError("cannot rename '" + temporary.string() + "' to '" + path.string() + "': " + reason);
  }
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError("cannot read '" + path.string() + "': " + system_error_text());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) throw DataError("cannot read '" + path.string() + "': " + system_error_text());
  return bytes.str();
}

namespace {

bool is_gzip(const std::string& bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

std::string gunzip(const std::string& compressed, const fs::path& path) {
  z_stream stream{};
  // 16 + MAX_WBITS selects gzip framing.
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) throw DataError("zlib initialisation failed");
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  std::string text;
  char buffer[1 << 16];
  int status = Z_OK;
  while (true) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof(buffer);
    status = inflate(&stream, Z_NO_FLUSH);
    text.append(buffer, sizeof(buffer) - stream.avail_out);
    if (status == Z_STREAM_END) {
      // Concatenated gzip members are valid gzip; continue with the next member if any.
      if (stream.avail_in == 0) break;
      inflateReset(&stream);
      continue;
    }
    if (status != Z_OK) break;
    if (stream.avail_in == 0 && stream.avail_out != 0) break;
  }
  inflateEnd(&stream);
  if (status != Z_STREAM_END) {
    throw DataError("'" + path.string() + "' is a truncated or corrupt gzip file (zlib status " +
                    std::to_string(status) + "); download or copy it again");
  }
  return text;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    uint32_t code_point = 0;
    if (byte < 0x80) {
      ++i;
      continue;
    } else if ((byte & 0xE0) == 0xC0) {
      length = 2;
      code_point = byte & 0x1F;
    } else if ((byte & 0xF0) == 0xE0) {
      length = 3;
      code_point = byte & 0x0F;
    } else if ((byte & 0xF8) == 0xF0) {
      length = 4;
      code_point = byte & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    // Reject overlong encodings, surrogates and values past U+10FFFF.
    if ((length == 2 && code_point < 0x80) || (length == 3 && code_point < 0x800) ||
        (length == 4 && code_point < 0x10000) || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

std::vector<std::string> read_text_lines(const fs::path& path) {
  if (!fs::exists(path)) throw DataError("data file '" + path.string() + "' not found");
  std::string bytes = read_file(path);
  if (is_gzip(bytes)) bytes = gunzip(bytes, path);
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < bytes.size()) {
    size_t end = bytes.find('\n', start);
    if (end == std::string::npos) end = bytes.size();
    std::string line = bytes.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!is_valid_utf8(line)) {
      throw DataError("'" + path.string() + "' line " + std::to_string(lines.size() + 1) +
                      " is not valid UTF-8; convert the file to UTF-8 (for example with iconv)");
    }
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

uint64_t fnv1a_64(std::string_view bytes, uint64_t seed) {
  uint64_t hash = seed;
  for (char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::string to_hex(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(value));
  return text;
}

}  // namespace tlt
