#include "tlt/landscape/grid.h"

#include <gtest/gtest.h>

#include "tlt/util/error.h"

namespace tlt::landscape {
namespace {

TEST(AxisRange, ValuesAreEvenlySpacedLikeLinspace) {
  const AxisRange range = parse_axis_range("-1:1:5", "--x-range");
  const std::vector<double> values = range.values();
  ASSERT_EQ(values.size(), 5u);
  EXPECT_EQ(values[0], -1.0);
  EXPECT_EQ(values[1], -0.5);
  EXPECT_EQ(values[2], 0.0);
  EXPECT_EQ(values[3], 0.5);
  EXPECT_EQ(values[4], 1.0);
}

TEST(AxisRange, LastValueIsMaxExactly) {
  const AxisRange range = parse_axis_range("0:0.3:7", "--x-range");
  EXPECT_EQ(range.values().back(), 0.3);
  EXPECT_EQ(range.values()[2], 0.0 + 2 * (0.3 / 6));
}

TEST(AxisRange, SinglePointIsItsValue) {
  const AxisRange range = parse_axis_range("0.5:0.5:1", "--y-range");
  EXPECT_EQ(range.values(), std::vector<double>{0.5});
}

TEST(AxisRange, RoundTripsThroughText) {
  const AxisRange range = parse_axis_range("-0.25:2:11", "--x-range");
  const AxisRange again = parse_axis_range(range.to_string(), "--x-range");
  EXPECT_EQ(again.min, range.min);
  EXPECT_EQ(again.max, range.max);
  EXPECT_EQ(again.points, range.points);
}

class MalformedRange : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(MalformedRange, ThrowsConfigErrorNamingValue) {
  const auto& [text, fragment] = GetParam();
  try {
    parse_axis_range(text, "--x-range");
    FAIL() << "expected ConfigError for '" << text << "'";
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("--x-range '" + text + "'"), std::string::npos) << message;
    EXPECT_NE(message.find(fragment), std::string::npos) << message;
    EXPECT_NE(message.find("MIN:MAX:POINTS"), std::string::npos) << message;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, MalformedRange,
                         ::testing::Values(std::pair<std::string, std::string>{"1:-1:5", "not less than MAX"},
                                           std::pair<std::string, std::string>{"1:1:3", "not less than MAX"},
                                           std::pair<std::string, std::string>{"-1:1:0", "whole number"},
                                           std::pair<std::string, std::string>{"-1:1:2.5", "whole number"},
                                           std::pair<std::string, std::string>{"a:1:3", "'a' is not a finite number"},
                                           std::pair<std::string, std::string>{"-1:1", "2 colon-separated fields"},
                                           std::pair<std::string, std::string>{"", "1 colon-separated fields"},
                                           std::pair<std::string, std::string>{"-1:nan:3", "not a finite number"},
                                           std::pair<std::string, std::string>{"0:1:1", "single point"}));

TEST(Grid, SizeCountsBothAxes) {
  Grid grid;
  grid.x = parse_axis_range("-1:1:3", "--x-range");
  EXPECT_EQ(grid.size(), 3);
  grid.y = parse_axis_range("-1:1:4", "--y-range");
  EXPECT_EQ(grid.size(), 12);
  EXPECT_EQ(grid.to_json()["y"]["points"], 4);
}

}  // namespace
}  // namespace tlt::landscape
