#include "tlt/decode/tokenizer_13a.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tlt::decode {
namespace {

struct TokenizerCase {
  std::string input;
  std::string expected;
};

class Tokenizer13a : public ::testing::TestWithParam<TokenizerCase> {};

// Each expected string applies the rules of mteval-v13a.pl by hand (see tokenizer_13a.h).
// clang-format off
INSTANTIATE_TEST_SUITE_P(
    Cases, Tokenizer13a,
    ::testing::Values(
        // "," after a letter splits; "!" is a symbol.
        TokenizerCase{"Hello, world!", "Hello , world !"},
        // "$" and "?" are symbols; "3.50" keeps its period (digits on both sides); the apostrophe stays.
        TokenizerCase{"It costs $3.50, doesn't it?", "It costs $ 3.50 , doesn't it ?"},
        // "1,000" stays whole; "-" after a digit splits; the final "." splits from "6" only because
        // the padding space follows it.
        TokenizerCase{"1,000 people in 2015-2016.", "1,000 people in 2015 - 2016 ."},
        // "-" between letters and a leading "-" before a digit stay.
        TokenizerCase{"well-known e-mail -5", "well-known e-mail -5"},
        // Entities are unescaped before the symbols split.
        TokenizerCase{"&quot;Hi&quot; &amp; bye", "\" Hi \" & bye"},
        TokenizerCase{"&amp;lt;", "<"},
        // Brackets of every kind are symbols.
        TokenizerCase{"(a)[b]{c}", "( a ) [ b ] { c }"},
        TokenizerCase{"A.B.C.", "A . B . C ."},
        // A period consumed by one match is not the left character of the next one.
        TokenizerCase{"x..", "x . ."},
        // ".5" at the start: the padding space before it is a non-digit, so the period splits.
        TokenizerCase{".5 m", ". 5 m"},
        // Non-ASCII letters count as non-digits; the no-break space U+00A0 is whitespace.
        TokenizerCase{"Stra\u00DFe,\u00A0caf\u00E9.", "Stra\u00DFe , caf\u00E9 ."},
        TokenizerCase{"rock 'n' roll", "rock 'n' roll"},
        TokenizerCase{"a<skipped>b", "ab"},
        TokenizerCase{"  many   spaces\there  ", "many spaces here"},
        TokenizerCase{"", ""}));
// clang-format on

TEST_P(Tokenizer13a, MatchesHandAppliedRules) { EXPECT_EQ(tokenize_13a(GetParam().input), GetParam().expected); }

TEST(SplitWords, SplitsAtUnicodeWhitespace) {
  // U+3000 ideographic space and U+2009 thin space are whitespace for Python's str.split().
  const std::vector<std::string> expected = {"a", "b", "c", "d"};
  EXPECT_EQ(split_words("a\xE3\x80\x80"
                        "b\xE2\x80\x89"
                        "c \x1F"
                        "d"),
            expected);
}

TEST(TrimTrailingWhitespace, KeepsLeadingAndInnerSpace) {
  EXPECT_EQ(trim_trailing_whitespace(" a b \t\xC2\xA0"), " a b");
  EXPECT_EQ(trim_trailing_whitespace("   "), "");
}

}  // namespace
}  // namespace tlt::decode
