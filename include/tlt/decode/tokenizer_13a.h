// The "13a" tokenizer of BLEU: the rules of the NIST script mteval-v13a.pl, which sacreBLEU (Post 2018,
// "A Call for Clarity in Reporting BLEU Scores") uses by default, so that scores are comparable across
// papers. Tokens are separated by single spaces.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tlt::decode {

/// Tokenizes one line of UTF-8 text with the 13a rules, in order:
///   1. remove "<skipped>" and "-\n", turn "\n" into a space, and unescape &quot; &amp; &lt; &gt;;
///   2. surround the line with spaces, then put spaces around each ASCII symbol of
///      { | } ~ [ \ ] ^ _ ` space ! " # $ % & ( ) * + : ; < = > ? @ /
///      (the apostrophe, "-", "." and "," are not in the list);
///   3. split "." and "," from a preceding character that is not an ASCII digit, then from a following
///      one that is not an ASCII digit, so "3.5" and "1,000" stay whole;
///   4. split "-" from a preceding ASCII digit ("5-4" becomes "5 - 4", "well-known" stays whole);
///   5. collapse whitespace (Python's str.isspace set, Unicode spaces included) into single spaces and
///      trim the ends.
/// Steps 3 and 4 scan left to right and do not re-examine a character that a previous match consumed,
/// like the regular-expression substitutions of the original script.
std::string tokenize_13a(std::string_view line);

/// Removes trailing whitespace (Python's str.rstrip() without arguments).
std::string_view trim_trailing_whitespace(std::string_view text);

/// Splits UTF-8 text at runs of whitespace (Python's str.split() without arguments).
std::vector<std::string> split_words(std::string_view text);

}  // namespace tlt::decode
