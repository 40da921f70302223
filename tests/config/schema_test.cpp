#include "tlt/config/schema.h"

#include <gtest/gtest.h>

#include "tlt/util/error.h"

namespace tlt::config {
namespace {

enum class Color { kRed, kGreen };

struct Sample {
  int epochs = 10;
  double lr = 0.5;
  bool flag = false;
  std::string name = "base";
  std::vector<double> min_lr = {0.0};
  Color color = Color::kRed;
};

void bind(Schema& schema, Sample& s) {
  schema.field("train.epochs", s.epochs, "number of epochs").min(1);
  schema.field("train.lr", s.lr, "learning rate").min(0);
  schema.field("train.flag", s.flag, "a switch");
  schema.field("train.name", s.name, "a name");
  schema.field("train.min_lr", s.min_lr, "floors").min(0);
  schema.choice("model.color", s.color, {{"red", Color::kRed}, {"green", Color::kGreen}}, "a color");
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Schema, YamlOverridesDefaults) {
  Sample s;
  Schema schema;
  bind(schema, s);
  schema.load_yaml_text("train:\n  epochs: 3\n  min_lr: [0.1, 0.2]\nmodel:\n  color: green\n", "test.yaml");
  EXPECT_EQ(s.epochs, 3);
  EXPECT_EQ(s.min_lr, (std::vector<double>{0.1, 0.2}));
  EXPECT_EQ(s.color, Color::kGreen);
  EXPECT_DOUBLE_EQ(s.lr, 0.5);
}

TEST(Schema, CommandLineOverridesYaml) {
  Sample s;
  Schema schema;
  bind(schema, s);
  schema.load_yaml_text("train:\n  epochs: 3\n", "test.yaml");
  schema.apply_override("train.epochs=7");
  schema.apply_override("train.flag=true");
  schema.apply_override("train.min_lr=[0.5,0.25]");
  EXPECT_EQ(s.epochs, 7);
  EXPECT_TRUE(s.flag);
  EXPECT_EQ(s.min_lr, (std::vector<double>{0.5, 0.25}));
}

TEST(Schema, UnknownKeySuggestsClosest) {
  Sample s;
  Schema schema;
  bind(schema, s);
  const std::string message = error_of([&] { schema.load_yaml_text("train:\n  epoch: 3\n", "x.yaml"); });
  EXPECT_NE(message.find("unknown config key 'train.epoch'"), std::string::npos) << message;
  EXPECT_NE(message.find("x.yaml"), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean 'train.epochs'"), std::string::npos) << message;
}

TEST(Schema, WrongTypeNamesKeyAndValue) {
  Sample s;
  Schema schema;
  bind(schema, s);
  const std::string message = error_of([&] { schema.apply_override("train.epochs=three"); });
  EXPECT_NE(message.find("'three'"), std::string::npos) << message;
  EXPECT_NE(message.find("train.epochs"), std::string::npos) << message;
  EXPECT_NE(message.find("integer"), std::string::npos) << message;
}

TEST(Schema, InvalidChoiceListsValidNames) {
  Sample s;
  Schema schema;
  bind(schema, s);
  const std::string message = error_of([&] { schema.apply_override("model.color=blue"); });
  EXPECT_NE(message.find("'blue'"), std::string::npos) << message;
  EXPECT_NE(message.find("red | green"), std::string::npos) << message;
}

TEST(Schema, ValidateReportsEveryViolation) {
  Sample s;
  Schema schema;
  bind(schema, s);
  schema.apply_override("train.epochs=0");
  schema.apply_override("train.lr=-1");
  const std::string message = error_of([&] { schema.validate({"extra problem"}); });
  EXPECT_NE(message.find("train.epochs = 0"), std::string::npos) << message;
  EXPECT_NE(message.find("train.lr = -1"), std::string::npos) << message;
  EXPECT_NE(message.find("extra problem"), std::string::npos) << message;
}

TEST(Schema, NotYamlIsRejected) {
  Sample s;
  Schema schema;
  bind(schema, s);
  const std::string message = error_of([&] { schema.load_yaml_text("train: [unclosed\n", "bad.yaml"); });
  EXPECT_NE(message.find("not valid YAML"), std::string::npos) << message;
  const std::string scalar = error_of([&] { schema.load_yaml_text("just text", "text.yaml"); });
  EXPECT_NE(scalar.find("mapping"), std::string::npos) << scalar;
}

TEST(Schema, ResolvedYamlRoundTrips) {
  Sample s;
  Schema schema;
  bind(schema, s);
  schema.apply_override("train.name=run one");
  schema.apply_override("model.color=green");
  const std::string dumped = schema.to_yaml();

  Sample t;
  Schema reloaded;
  bind(reloaded, t);
  reloaded.load_yaml_text(dumped, "dump");
  EXPECT_EQ(t.name, "run one");
  EXPECT_EQ(t.color, Color::kGreen);
  EXPECT_EQ(reloaded.to_yaml(), dumped);
}

}  // namespace
}  // namespace tlt::config
