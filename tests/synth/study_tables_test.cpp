#include "tlt/synth/study_tables.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "support/test_support.h"
#include "tlt/util/error.h"

namespace tlt::synth {
namespace {

std::vector<EpochRecord> sample_records() {
  return {
      {0, 1.1, 0.3, 1.2, 0.30, 0.1, false},
      {1, 0.9, 0.5, 0.8, 0.60, 0.1, true},
      {2, 0.7, 0.6, 0.8, 0.65, 0.05, false},
      {3, 0.6, 0.7, 0.9, 0.65, 0.05, false},
  };
}

TEST(StudyTables, EpochTableRoundTrips) {
  const std::string text = format_epoch_table(sample_records());
  EXPECT_EQ(text.substr(0, text.find('\n')), "epoch,train_loss,train_acc,valid_loss,valid_acc,lr,lr_reduced");
  EXPECT_NE(text.find("\n1,0.9,0.5,0.8,0.6,0.1,1\n"), std::string::npos) << text;
  const std::vector<EpochRecord> parsed = parse_epoch_table(text, "x.csv");
  ASSERT_EQ(parsed.size(), 4u);
  EXPECT_EQ(parsed[2].epoch, 2);
  EXPECT_DOUBLE_EQ(parsed[2].lr, 0.05);
  EXPECT_TRUE(parsed[1].lr_reduced);
  EXPECT_EQ(format_epoch_table(parsed), text);
}

TEST(StudyTables, NanIsWrittenAndRead) {
  std::vector<EpochRecord> records = sample_records();
  records[3].valid_loss = NAN;
  const std::vector<EpochRecord> parsed = parse_epoch_table(format_epoch_table(records), "x.csv");
  EXPECT_TRUE(std::isnan(parsed[3].valid_loss));
}

TEST(StudyTables, MalformedTableThrowsDataError) {
  EXPECT_THROW(parse_epoch_table("epoch,loss\n0,1\n", "x.csv"), DataError);
  const std::string header = format_epoch_table({});
  EXPECT_THROW(parse_epoch_table(header + "0,1,2,3\n", "x.csv"), DataError);
  try {
    parse_epoch_table(header + "0,1,2,3,4,5,6\n1,1,2,x3,4,5,0\n", "runs/a/sgd.csv");
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("runs/a/sgd.csv' line 3"), std::string::npos) << message;
  }
}

TEST(StudyTables, CompletenessNeedsEveryEpoch) {
  const std::vector<EpochRecord> records = sample_records();
  EXPECT_TRUE(is_complete_table(records, 3));
  EXPECT_FALSE(is_complete_table(records, 4));
  EXPECT_FALSE(is_complete_table({records[0], records[2], records[3]}, 2));
  EXPECT_FALSE(is_complete_table({}, 0));
}

TEST(StudyTables, SummaryTakesEarliestBest) {
  const SettingSummary summary = summarize_setting("sgd", sample_records(), 0.85);
  EXPECT_DOUBLE_EQ(summary.best_valid_loss, 0.8);
  EXPECT_EQ(summary.best_valid_loss_epoch, 1);
  EXPECT_DOUBLE_EQ(summary.best_valid_acc, 0.65);
  EXPECT_EQ(summary.best_valid_acc_epoch, 2);
  EXPECT_DOUBLE_EQ(summary.final_valid_loss, 0.9);
  EXPECT_EQ(summary.first_epoch_below_threshold, 1);
}

TEST(StudyTables, SummarySkipsNanAndMissedThreshold) {
  std::vector<EpochRecord> records = sample_records();
  records[1].valid_loss = NAN;
  const SettingSummary summary = summarize_setting("adam", records, 0.1);
  EXPECT_DOUBLE_EQ(summary.best_valid_loss, 0.8);
  EXPECT_EQ(summary.best_valid_loss_epoch, 2);
  EXPECT_FALSE(summary.first_epoch_below_threshold.has_value());
  const std::string text = format_summary_table({summary});
  EXPECT_NE(text.find("\nadam,0.8,2,0.65,2,0.9,0.65,,\n"), std::string::npos) << text;
}

TEST(StudyTables, WallTimesAreReadBack) {
  SettingSummary first = summarize_setting("sgd", sample_records(), 0.5);
  first.wall_s = 12.34;
  const SettingSummary second = summarize_setting("nag", sample_records(), 0.5);
  tlt::testing::TempDir dir("tables");
  tlt::testing::write_text(dir / "summary.csv", format_summary_table({first, second}));
  const std::map<std::string, double> wall_times = read_summary_wall_times(dir / "summary.csv");
  ASSERT_EQ(wall_times.size(), 1u);
  EXPECT_DOUBLE_EQ(wall_times.at("sgd"), 12.3);
  EXPECT_TRUE(read_summary_wall_times(dir / "missing.csv").empty());
}

}  // namespace
}  // namespace tlt::synth
