#include "tlt/decode/tokenizer_13a.h"

#include <cstdint>

namespace tlt::decode {

namespace {

bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

bool is_period_or_comma(char c) { return c == '.' || c == ','; }

/// Returns true for the ASCII characters that rule 2 surrounds with spaces: 0x20-0x26, 0x28-0x2B,
/// 0x2F, 0x3A-0x40, 0x5B-0x60 and 0x7B-0x7E.
bool is_split_symbol(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 0x20 && u <= 0x26) || (u >= 0x28 && u <= 0x2B) || u == 0x2F || (u >= 0x3A && u <= 0x40) ||
         (u >= 0x5B && u <= 0x60) || (u >= 0x7B && u <= 0x7E);
}

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  size_t position = 0;
  while ((position = text.find(from, position)) != std::string::npos) {
    text.replace(position, from.size(), to);
    position += to.size();
  }
}

/// Python's str.isspace(): the Unicode White_Space characters plus the separators U+001C to U+001F.
bool is_python_space(uint32_t code_point) {
  return (code_point >= 0x09 && code_point <= 0x0D) || (code_point >= 0x1C && code_point <= 0x20) ||
         code_point == 0x85 || code_point == 0xA0 || code_point == 0x1680 ||
         (code_point >= 0x2000 && code_point <= 0x200A) || code_point == 0x2028 || code_point == 0x2029 ||
         code_point == 0x202F || code_point == 0x205F || code_point == 0x3000;
}

/// Decodes the code point at `position` and returns its length in bytes. An invalid byte counts as one
/// code point of its own value, which is never a space, so invalid input passes through unchanged.
size_t decode_code_point(std::string_view text, size_t position, uint32_t& code_point) {
  const auto lead = static_cast<unsigned char>(text[position]);
  size_t length = 1;
  if (lead >= 0xF0) {
    length = 4;
    code_point = lead & 0x07u;
  } else if (lead >= 0xE0) {
    length = 3;
    code_point = lead & 0x0Fu;
  } else if (lead >= 0xC0) {
    length = 2;
    code_point = lead & 0x1Fu;
  } else {
    code_point = lead;
    return 1;
  }
  if (position + length > text.size()) {
    code_point = lead;
    return 1;
  }
  for (size_t i = 1; i < length; ++i) {
    const auto next = static_cast<unsigned char>(text[position + i]);
    if ((next & 0xC0u) != 0x80u) {
      code_point = lead;
      return 1;
    }
    code_point = (code_point << 6) | (next & 0x3Fu);
  }
  return length;
}

}  // namespace

std::string_view trim_trailing_whitespace(std::string_view text) {
  size_t end = 0;
  size_t position = 0;
  while (position < text.size()) {
    uint32_t code_point = 0;
    const size_t length = decode_code_point(text, position, code_point);
    position += length;
    if (!is_python_space(code_point)) end = position;
  }
  return text.substr(0, end);
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::string current;
  size_t position = 0;
  while (position < text.size()) {
    uint32_t code_point = 0;
    const size_t length = decode_code_point(text, position, code_point);
    if (is_python_space(code_point)) {
      if (!current.empty()) words.push_back(std::move(current));
      current.clear();
    } else {
      current.append(text.substr(position, length));
    }
    position += length;
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

std::string tokenize_13a(std::string_view line) {
  // Rule 1: markup of the NIST evaluation files. The order of the unescaping matters: "&amp;lt;"
  // becomes "&lt;", then "<".
  std::string text(line);
  replace_all(text, "<skipped>", "");
  replace_all(text, "-\n", "");
  replace_all(text, "\n", " ");
  replace_all(text, "&quot;", "\"");
  replace_all(text, "&amp;", "&");
  replace_all(text, "&lt;", "<");
  replace_all(text, "&gt;", ">");

  // Rule 2: the padding spaces make "." and "," at either end of the line splittable by rule 3.
  std::string spaced;
  spaced.reserve(text.size() * 2 + 2);
  spaced += ' ';
  for (char c : text) {
    if (is_split_symbol(c)) {
      spaced += ' ';
      spaced += c;
      spaced += ' ';
    } else {
      spaced += c;
    }
  }
  spaced += ' ';

  // Rule 3, first half: a non-digit followed by "." or ",". Each match consumes both characters.
  std::string split;
  split.reserve(spaced.size() * 2);
  for (size_t i = 0; i < spaced.size(); ++i) {
    if (i + 1 < spaced.size() && !is_ascii_digit(spaced[i]) && is_period_or_comma(spaced[i + 1])) {
      split += spaced[i];
      split += ' ';
      split += spaced[i + 1];
      split += ' ';
      ++i;
    } else {
      split += spaced[i];
    }
  }

  // Rule 3, second half: "." or "," followed by a non-digit.
  std::string split_after;
  split_after.reserve(split.size() * 2);
  for (size_t i = 0; i < split.size(); ++i) {
    if (i + 1 < split.size() && is_period_or_comma(split[i]) && !is_ascii_digit(split[i + 1])) {
      split_after += ' ';
      split_after += split[i];
      split_after += ' ';
      split_after += split[i + 1];
      ++i;
    } else {
      split_after += split[i];
    }
  }

  // Rule 4: a digit followed by "-".
  std::string dashed;
  dashed.reserve(split_after.size() * 2);
  for (size_t i = 0; i < split_after.size(); ++i) {
    if (i + 1 < split_after.size() && is_ascii_digit(split_after[i]) && split_after[i + 1] == '-') {
      dashed += split_after[i];
      dashed += " - ";
      ++i;
    } else {
      dashed += split_after[i];
    }
  }

  // Rule 5.
  std::string joined;
  for (const std::string& word : split_words(dashed)) {
    if (!joined.empty()) joined += ' ';
    joined += word;
  }
  return joined;
}

}  // namespace tlt::decode
