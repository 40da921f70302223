// Patterns over parameter names ("encoder.layer_stack.0.slf_attn.w_qs.weight") that select what is pruned.
#pragma once

#include <regex>
#include <string>

namespace tlt::prune {

/// A pattern that must match a whole parameter name. Two syntaxes:
///
///   glob   '*' matches any run of characters, dots included; '?' matches one character; "[abc]" and
///          "[0-3]" match one character of a set ("[!abc]" one character outside it). Every other
///          character matches itself. Example: "decoder.*.pos_ffn.*".
///   regex  text after the prefix "re:" is an ECMAScript regular expression that must match the whole
///          name. Example: "re:encoder\.layer_stack\.[0-2]\..*".
class NamePattern {
 public:
  /// Compiles `text`. Throws ConfigError naming the pattern for an invalid regex or an unclosed '['.
  explicit NamePattern(std::string text);

  bool matches(const std::string& name) const;

  /// The pattern as given, "re:" prefix included.
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::regex regex_;
};

}  // namespace tlt::prune
