#include "tlt/prune/name_pattern.h"

#include "tlt/util/error.h"

namespace tlt::prune {

namespace {

constexpr const char* kRegexPrefix = "re:";

/// Translates a glob into an equivalent ECMAScript regex.
std::string glob_to_regex(const std::string& glob) {
  std::string regex;
  for (size_t i = 0; i < glob.size(); ++i) {
    const char c = glob[i];
    if (c == '*') {
      regex += ".*";
    } else if (c == '?') {
      regex += '.';
    } else if (c == '[') {
      const size_t close = glob.find(']', i + 2);
      if (close == std::string::npos) {
        throw ConfigError("invalid name pattern '" + glob + "': the '[' at position " + std::to_string(i + 1) +
                          " has no closing ']'; write \"[[]\" for a literal '['");
      }
      std::string set = glob.substr(i + 1, close - i - 1);
      if (set[0] == '!') set[0] = '^';
      // Inside a set only the backslash is special to ECMAScript beyond '^', '-' and ']'.
      std::string escaped;
      for (char member : set) escaped += member == '\\' ? std::string("\\\\") : std::string(1, member);
      regex += "[" + escaped + "]";
      i = close;
    } else if (std::string(".^$|()+{}\\").find(c) != std::string::npos) {
      regex += '\\';
      regex += c;
    } else {
      regex += c;
    }
  }
  return regex;
}

}  // namespace

NamePattern::NamePattern(std::string text) : text_(std::move(text)) {
  const bool is_regex = text_.rfind(kRegexPrefix, 0) == 0;
  const std::string expression = is_regex ? text_.substr(3) : glob_to_regex(text_);
  try {
    regex_ = std::regex(expression, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw ConfigError("invalid name pattern '" + text_ + "': " + e.what() +
                      (is_regex ? "; write an ECMAScript regular expression after 're:'"
                                : "; use '*', '?' and '[...]' in a glob, or 're:' followed by a regex"));
  }
}

bool NamePattern::matches(const std::string& name) const { return std::regex_match(name, regex_); }

}  // namespace tlt::prune
