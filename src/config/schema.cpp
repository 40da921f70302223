#include "tlt/config/schema.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "tlt/util/error.h"

namespace tlt::config {

namespace {

std::string format_bound(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

std::string where(const std::string& source) { return source.empty() ? "" : " (in " + source + ")"; }

[[noreturn]] void throw_type_error(const std::string& key, const RawValue& raw, const std::string& expected) {
  throw ConfigError("invalid value '" + raw.text + "' for " + key + where(raw.source) + ": expected " + expected);
}

bool parse_bool(const std::string& text, bool& out) {
  if (text == "true" || text == "yes" || text == "on" || text == "1") {
    out = true;
    return true;
  }
  if (text == "false" || text == "no" || text == "off" || text == "0") {
    out = false;
    return true;
  }
  return false;
}

bool parse_int64(const std::string& text, int64_t& out) {
  if (text.empty()) return false;
  size_t used = 0;
  try {
    out = std::stoll(text, &used);
  } catch (const std::exception&) {
    return false;
  }
  return used == text.size();
}

bool parse_double(const std::string& text, double& out) {
  if (text.empty()) return false;
  size_t used = 0;
  try {
    out = std::stod(text, &used);
  } catch (const std::exception&) {
    return false;
  }
  return used == text.size();
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ',')) {
    const auto first = item.find_first_not_of(" \t");
    const auto last = item.find_last_not_of(" \t");
    items.push_back(first == std::string::npos ? "" : item.substr(first, last - first + 1));
  }
  return items;
}

std::string format_double(double value) {
  std::ostringstream out;
  out.precision(17);
  out << value;
  std::string text = out.str();
  // Keep a float recognisable as one in the dumped YAML.
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
  return text;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

void throw_invalid_choice(const std::string& what, const std::string& text, const std::string& valid,
                          const std::string& source) {
  throw ConfigError("invalid " + what + " '" + text + "'" + where(source) + ": expected one of " + valid);
}

Field::Field(std::string key, std::string help, std::string type_name)
    : key_(std::move(key)), help_(std::move(help)), type_name_(std::move(type_name)) {}

Field& Field::min(double bound) {
  min_ = bound;
  return *this;
}
Field& Field::max(double bound) {
  max_ = bound;
  return *this;
}
Field& Field::greater_than(double bound) {
  greater_than_ = bound;
  return *this;
}
Field& Field::less_than(double bound) {
  less_than_ = bound;
  return *this;
}

void Field::check_range(std::vector<std::string>& violations) const {
  for (double value : numbers()) {
    std::string allowed;
    if (min_ && !(value >= *min_)) allowed = ">= " + format_bound(*min_);
    if (greater_than_ && !(value > *greater_than_)) allowed = "> " + format_bound(*greater_than_);
    if (max_ && !(value <= *max_)) allowed = "<= " + format_bound(*max_);
    if (less_than_ && !(value < *less_than_)) allowed = "< " + format_bound(*less_than_);
    if (std::isnan(value)) allowed = "a number";
    if (!allowed.empty()) {
      violations.push_back(key_ + " = " + format_bound(value) + " is out of range: expected " + allowed);
      return;
    }
  }
}

Field& Schema::add(const std::string& key, const std::string& help, const std::string& type_name) {
  fields_.push_back(std::make_unique<Field>(key, help, type_name));
  by_key_[key] = fields_.back().get();
  return *fields_.back();
}

Field& Schema::field(const std::string& key, bool& target, const std::string& help) {
  Field& f = add(key, help, "bool");
  f.assign = [&target, key](const RawValue& raw) {
    if (raw.is_sequence || !parse_bool(raw.text, target)) throw_type_error(key, raw, "true or false");
  };
  f.format = [&target] { return std::string(target ? "true" : "false"); };
  f.numbers = [] { return std::vector<double>{}; };
  return f;
}

Field& Schema::field(const std::string& key, int& target, const std::string& help) {
  Field& f = add(key, help, "int");
  f.assign = [&target, key](const RawValue& raw) {
    int64_t value = 0;
    if (raw.is_sequence || !parse_int64(raw.text, value) || value < INT32_MIN || value > INT32_MAX) {
      throw_type_error(key, raw, "an integer");
    }
    target = static_cast<int>(value);
  };
  f.format = [&target] { return std::to_string(target); };
  f.numbers = [&target] { return std::vector<double>{static_cast<double>(target)}; };
  return f;
}

Field& Schema::field(const std::string& key, int64_t& target, const std::string& help) {
  Field& f = add(key, help, "int");
  f.assign = [&target, key](const RawValue& raw) {
    if (raw.is_sequence || !parse_int64(raw.text, target)) throw_type_error(key, raw, "an integer");
  };
  f.format = [&target] { return std::to_string(target); };
  f.numbers = [&target] { return std::vector<double>{static_cast<double>(target)}; };
  return f;
}

Field& Schema::field(const std::string& key, double& target, const std::string& help) {
  Field& f = add(key, help, "float");
  f.assign = [&target, key](const RawValue& raw) {
    if (raw.is_sequence || !parse_double(raw.text, target)) throw_type_error(key, raw, "a number");
  };
  f.format = [&target] { return format_double(target); };
  f.numbers = [&target] { return std::vector<double>{target}; };
  return f;
}

Field& Schema::field(const std::string& key, std::string& target, const std::string& help) {
  Field& f = add(key, help, "string");
  f.assign = [&target, key](const RawValue& raw) {
    if (raw.is_sequence) throw_type_error(key, raw, "a single string");
    target = raw.text;
  };
  f.format = [&target] {
    YAML::Emitter out;
    out << target;
    return std::string(out.c_str());
  };
  f.numbers = [] { return std::vector<double>{}; };
  return f;
}

Field& Schema::field(const std::string& key, std::vector<double>& target, const std::string& help) {
  Field& f = add(key, help, "float list");
  f.assign = [&target, key](const RawValue& raw) {
    std::vector<double> values;
    for (const std::string& item : split_list(raw.text)) {
      double value = 0;
      if (!parse_double(item, value)) throw_type_error(key, raw, "a number or a list of numbers");
      values.push_back(value);
    }
    if (values.empty()) throw_type_error(key, raw, "at least one number");
    target = std::move(values);
  };
  f.format = [&target] {
    std::string text = "[";
    for (size_t i = 0; i < target.size(); ++i) text += (i ? ", " : "") + format_double(target[i]);
    return text + "]";
  };
  f.numbers = [&target] { return target; };
  return f;
}

Field& Schema::field(const std::string& key, std::vector<int64_t>& target, const std::string& help) {
  Field& f = add(key, help, "int list");
  f.assign = [&target, key](const RawValue& raw) {
    std::vector<int64_t> values;
    if (!raw.text.empty()) {
      for (const std::string& item : split_list(raw.text)) {
        int64_t value = 0;
        if (!parse_int64(item, value)) throw_type_error(key, raw, "an integer or a list of integers");
        values.push_back(value);
      }
    }
    target = std::move(values);
  };
  f.format = [&target] {
    std::string text = "[";
    for (size_t i = 0; i < target.size(); ++i) text += (i ? ", " : "") + std::to_string(target[i]);
    return text + "]";
  };
  f.numbers = [&target] { return std::vector<double>(target.begin(), target.end()); };
  return f;
}

Field& Schema::field(const std::string& key, std::vector<std::string>& target, const std::string& help) {
  Field& f = add(key, help, "string list");
  f.assign = [&target](const RawValue& raw) {
    target = raw.text.empty() ? std::vector<std::string>{} : split_list(raw.text);
  };
  f.format = [&target] {
    YAML::Emitter out;
    out << YAML::Flow << target;
    return std::string(out.c_str());
  };
  f.numbers = [] { return std::vector<double>{}; };
  return f;
}

bool Schema::has(const std::string& key) const { return by_key_.count(key) > 0; }

void Schema::load_yaml_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError("cannot read config file '" + path + "': " + system_error_text());
  std::stringstream text;
  text << in.rdbuf();
  load_yaml_text(text.str(), path);
}

void Schema::load_yaml_text(const std::string& text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError("config file '" + source + "' is not valid YAML (line " + std::to_string(e.mark.line + 1) +
                      "): " + e.msg);
  }
  if (root.IsNull()) return;
  if (!root.IsMap()) {
    throw ConfigError("config file '" + source + "' must be a YAML mapping of sections (data, model, train, ...)");
  }
  apply_node(root, "", source);
}

void Schema::apply_node(const YAML::Node& node, const std::string& prefix, const std::string& source) {
  for (const auto& entry : node) {
    const std::string key = prefix + entry.first.as<std::string>();
    const YAML::Node& value = entry.second;
    auto found = by_key_.find(key);
    if (value.IsMap()) {
      if (found != by_key_.end()) {
        throw ConfigError("invalid value for " + key + " (in " + source + "): expected a " +
                          found->second->type_name() + ", found a mapping");
      }
      bool is_section = false;
      for (const auto& [known, field] : by_key_) {
        if (known.rfind(key + ".", 0) == 0) is_section = true;
      }
      if (!is_section) throw_unknown_key(key, source);
      apply_node(value, key + ".", source);
      continue;
    }
    if (found == by_key_.end()) throw_unknown_key(key, source);
    RawValue raw;
    raw.source = source;
    if (value.IsSequence()) {
      raw.is_sequence = true;
      for (size_t i = 0; i < value.size(); ++i) {
        if (!value[i].IsScalar()) {
          throw ConfigError("invalid value for " + key + " (in " + source + "): expected a list of scalars");
        }
        raw.text += (i ? "," : "") + value[i].as<std::string>();
      }
      // A sequence is accepted only by list fields.
      if (found->second->type_name().find("list") == std::string::npos) {
        throw ConfigError("invalid value for " + key + " (in " + source + "): expected a " +
                          found->second->type_name() + ", found a list");
      }
      raw.is_sequence = false;
    } else if (value.IsNull()) {
      raw.text = "";
    } else {
      raw.text = value.as<std::string>();
    }
    found->second->assign(raw);
  }
}

void Schema::apply_override(const std::string& assignment) {
  const auto equals = assignment.find('=');
  if (equals == std::string::npos || equals == 0) {
    throw ConfigError("invalid override '" + assignment + "': expected KEY=VALUE, for example train.epochs=3");
  }
  const std::string key = assignment.substr(0, equals);
  auto found = by_key_.find(key);
  if (found == by_key_.end()) throw_unknown_key(key, "--set");
  RawValue raw;
  raw.text = assignment.substr(equals + 1);
  // Accept "[a, b]" as well as "a,b" for list fields.
  if (raw.text.size() >= 2 && raw.text.front() == '[' && raw.text.back() == ']') {
    raw.text = raw.text.substr(1, raw.text.size() - 2);
  }
  raw.source = "--set";
  found->second->assign(raw);
}

void Schema::throw_unknown_key(const std::string& key, const std::string& source) const {
  std::vector<std::string> keys;
  for (const auto& [known, field] : by_key_) keys.push_back(known);
  const std::string suggestion = closest_key(key, keys);
  std::string message = "unknown config key '" + key + "'" + where(source);
  message += suggestion.empty() ? "." : ": did you mean '" + suggestion + "'?";
  message += " Run 'tlt config --list' for every valid key.";
  throw ConfigError(message);
}

void Schema::validate(std::vector<std::string> extra) const {
  std::vector<std::string> violations;
  for (const auto& f : fields_) f->check_range(violations);
  violations.insert(violations.end(), extra.begin(), extra.end());
  if (violations.empty()) return;
  std::string message = "invalid configuration: ";
  for (size_t i = 0; i < violations.size(); ++i) message += (i ? "; " : "") + violations[i];
  throw ConfigError(message);
}

std::string Schema::to_yaml() const {
  // Keys are registered section by section, so consecutive keys share their section prefix.
  std::ostringstream out;
  std::vector<std::string> open_sections;
  for (const auto& f : fields_) {
    std::vector<std::string> parts;
    std::stringstream key_stream(f->key());
    std::string part;
    while (std::getline(key_stream, part, '.')) parts.push_back(part);
    size_t common = 0;
    while (common < open_sections.size() && common + 1 < parts.size() && open_sections[common] == parts[common]) {
      ++common;
    }
    open_sections.resize(common);
    for (size_t depth = common; depth + 1 < parts.size(); ++depth) {
      out << std::string(2 * depth, ' ') << parts[depth] << ":\n";
      open_sections.push_back(parts[depth]);
    }
    out << std::string(2 * (parts.size() - 1), ' ') << parts.back() << ": " << f->format() << "\n";
  }
  return out.str();
}

std::string Schema::describe() const {
  std::ostringstream out;
  for (const auto& f : fields_) {
    out << f->key() << " (" << f->type_name();
    if (!f->choices.empty()) {
      out << ": ";
      for (size_t i = 0; i < f->choices.size(); ++i) out << (i ? " | " : "") << f->choices[i];
    }
    out << ") = " << f->format() << "\n    " << f->help() << "\n";
  }
  return out.str();
}

std::string closest_key(const std::string& key, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::string::npos;
  for (const std::string& candidate : candidates) {
    // Compare against the whole key and against its last component, so "train.epoch" finds
    // "train.epochs" and "train.d_model" finds "model.d_model".
    size_t distance = edit_distance(key, candidate);
    const auto dot = candidate.rfind('.');
    const auto key_dot = key.rfind('.');
    if (dot != std::string::npos) {
      const std::string leaf = candidate.substr(dot + 1);
      const std::string key_leaf = key_dot == std::string::npos ? key : key.substr(key_dot + 1);
      distance = std::min(distance, edit_distance(key_leaf, leaf) + 1);
    }
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  const size_t limit = std::max<size_t>(3, key.size() / 3);
  return best_distance <= limit ? best : "";
}

}  // namespace tlt::config
