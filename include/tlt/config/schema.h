// Binding of typed options structs to YAML keys and command-line overrides.
//
// Each component declares its options as a plain struct with defaults as member initialisers, and one
// bind function that registers every field with a dotted key, a help line and its allowed range:
//
//   void bind(Schema& schema, const std::string& prefix, TrainOptions& o) {
//     schema.field(prefix + "epochs", o.epochs, "number of passes over the training data").min(1);
//   }
//
// Precedence is: member initialiser < YAML file < "--set key=value". Unknown keys, values of the wrong
// type and values out of range raise ConfigError naming the key, the value, the source and what is
// allowed; range violations are collected so that one error lists all of them.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace YAML {
class Node;
}

namespace tlt::config {

/// A value as read from YAML or the command line, before conversion to the field's type.
struct RawValue {
  std::string text;          ///< scalar text, or a comma-separated list for sequences
  bool is_sequence = false;  ///< true for a YAML sequence
  std::string source;        ///< "FILE" or "--set", for messages
};

/// One registered field; the fluent setters add range checks and return *this.
class Field {
 public:
  Field(std::string key, std::string help, std::string type_name);

  Field& min(double bound);            ///< value >= bound
  Field& max(double bound);            ///< value <= bound
  Field& greater_than(double bound);   ///< value > bound
  Field& less_than(double bound);      ///< value < bound

  const std::string& key() const { return key_; }
  const std::string& help() const { return help_; }
  const std::string& type_name() const { return type_name_; }

  // Set by Schema::field; not for callers.
  std::function<void(const RawValue&)> assign;       ///< converts and stores, throws ConfigError
  std::function<std::string()> format;               ///< current value as YAML text
  std::function<std::vector<double>()> numbers;      ///< current numeric values for range checks
  std::vector<std::string> choices;                  ///< valid names of an enum field

  /// Appends a message for each range violation of the current value.
  void check_range(std::vector<std::string>& violations) const;

 private:
  std::string key_;
  std::string help_;
  std::string type_name_;
  std::optional<double> min_, max_, greater_than_, less_than_;
};

/// Registry of fields under dotted keys ("model.d_model").
class Schema {
 public:
  Field& field(const std::string& key, bool& target, const std::string& help);
  Field& field(const std::string& key, int& target, const std::string& help);
  Field& field(const std::string& key, int64_t& target, const std::string& help);
  Field& field(const std::string& key, double& target, const std::string& help);
  Field& field(const std::string& key, std::string& target, const std::string& help);
  Field& field(const std::string& key, std::vector<double>& target, const std::string& help);
  /// An integer list; an empty list ("[]" in YAML, "key=" on the command line) is valid. Range checks apply
  /// to every element.
  Field& field(const std::string& key, std::vector<int64_t>& target, const std::string& help);
  Field& field(const std::string& key, std::vector<std::string>& target, const std::string& help);

  /// Registers an enum class field; `names` maps every valid spelling to its value.
  template <class E>
  Field& choice(const std::string& key, E& target, const std::vector<std::pair<std::string, E>>& names,
                const std::string& help);

  /// Applies a YAML file. Throws ConfigError for a missing file, invalid YAML, unknown keys (with the
  /// closest valid key), and values of the wrong type.
  void load_yaml_file(const std::string& path);

  /// Applies a YAML document given as text; `source` names it in messages.
  void load_yaml_text(const std::string& text, const std::string& source);

  /// Applies one "key=value" override from the command line.
  void apply_override(const std::string& assignment);

  /// Throws ConfigError listing every range violation, or returns if there are none. `extra` holds
  /// violations found by cross-field checks of the caller.
  void validate(std::vector<std::string> extra = {}) const;

  /// The resolved configuration as YAML text, sections nested by the dotted keys.
  std::string to_yaml() const;

  /// One line per field: key, type, default/current value and help. For `tlt config --list`.
  std::string describe() const;

  /// Returns true if a field with this key is registered.
  bool has(const std::string& key) const;

 private:
  Field& add(const std::string& key, const std::string& help, const std::string& type_name);
  void apply_node(const YAML::Node& node, const std::string& prefix, const std::string& source);
  [[noreturn]] void throw_unknown_key(const std::string& key, const std::string& source) const;

  std::vector<std::unique_ptr<Field>> fields_;
  std::map<std::string, Field*> by_key_;
};

/// Returns the valid key closest to `key` by edit distance, or "" if none is reasonably close.
std::string closest_key(const std::string& key, const std::vector<std::string>& candidates);

/// Parses `text` as one of `names`; throws ConfigError listing every valid name. `what` names the
/// setting, for example "optimizer name".
template <class E>
E parse_choice(const std::string& text, const std::vector<std::pair<std::string, E>>& names,
               const std::string& what);

/// Joins the names of a choice list as "a | b | c".
template <class E>
std::string join_choices(const std::vector<std::pair<std::string, E>>& names) {
  std::string joined;
  for (const auto& [name, value] : names) joined += (joined.empty() ? "" : " | ") + name;
  return joined;
}

// ---- template definitions ----

[[noreturn]] void throw_invalid_choice(const std::string& what, const std::string& text,
                                       const std::string& valid, const std::string& source);

template <class E>
E parse_choice(const std::string& text, const std::vector<std::pair<std::string, E>>& names,
               const std::string& what) {
  for (const auto& [name, value] : names) {
    if (name == text) return value;
  }
  throw_invalid_choice(what, text, join_choices(names), "");
}

template <class E>
Field& Schema::choice(const std::string& key, E& target, const std::vector<std::pair<std::string, E>>& names,
                      const std::string& help) {
  Field& f = add(key, help, "choice");
  for (const auto& entry : names) f.choices.push_back(entry.first);
  f.assign = [&target, names, key](const RawValue& raw) {
    for (const auto& [name, value] : names) {
      if (name == raw.text) {
        target = value;
        return;
      }
    }
    throw_invalid_choice("value of " + key, raw.text, join_choices(names), raw.source);
  };
  f.format = [&target, names]() {
    for (const auto& [name, value] : names) {
      if (value == target) return name;
    }
    return std::string("?");
  };
  f.numbers = [] { return std::vector<double>{}; };
  return f;
}

}  // namespace tlt::config
