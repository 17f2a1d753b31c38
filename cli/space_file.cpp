#include "cli/space_file.hpp"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "hyperscout/common/error.hpp"

namespace hyperscout::cli {
namespace {

InvalidArgumentError ParamError(const std::string& source, const std::string& name, const std::string& message) {
  return InvalidArgumentError(fmt::format("{}: params.{}: {}", source, name, message));
}

std::string Num(double x) {
  return fmt::format("{}", x);
}

std::string TomlTypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date or time";
  }
}

// A choice or condition value: string, integer, float or boolean.
ParamValue ScalarValue(const toml::node& node, const std::string& source, const std::string& name,
                       const std::string& what) {
  if (const auto* s = node.as_string()) return s->get();
  if (const auto* i = node.as_integer()) return static_cast<int64_t>(i->get());
  if (const auto* f = node.as_floating_point()) return f->get();
  if (const auto* b = node.as_boolean()) return b->get();
  throw ParamError(source, name,
                   fmt::format("{} must be a string, integer, float or boolean, got {}", what, TomlTypeName(node)));
}

double NumberKey(const toml::table& table, const char* key, const std::string& source, const std::string& name) {
  const toml::node* node = table.get(key);
  if (node == nullptr) {
    throw ParamError(source, name, fmt::format("missing '{}'; a float parameter needs low and high", key));
  }
  if (const auto* i = node->as_integer()) return static_cast<double>(i->get());
  if (const auto* f = node->as_floating_point()) return f->get();
  throw ParamError(source, name, fmt::format("'{}' must be a number, got {}", key, TomlTypeName(*node)));
}

int64_t IntKey(const toml::table& table, const char* key, const std::string& source, const std::string& name) {
  const toml::node* node = table.get(key);
  if (node == nullptr) {
    throw ParamError(source, name, fmt::format("missing '{}'; an int parameter needs low and high", key));
  }
  if (const auto* i = node->as_integer()) return i->get();
  throw ParamError(source, name,
                   fmt::format("'{}' must be an integer for an int parameter, got {}; use type = \"float\" for "
                               "fractional values",
                               key, TomlTypeName(*node)));
}

bool BoolKey(const toml::table& table, const char* key, const std::string& source, const std::string& name) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return false;
  if (const auto* b = node->as_boolean()) return b->get();
  throw ParamError(source, name, fmt::format("'{}' must be true or false, got {}", key, TomlTypeName(*node)));
}

// Checks the range before the core validator so the space file gets its stricter rule (low < high) and a fix.
void CheckRange(double low, double high, bool log, const std::string& source, const std::string& name) {
  if (!std::isfinite(low) || !std::isfinite(high)) {
    throw ParamError(source, name, fmt::format("low ({}) and high ({}) must be finite numbers", Num(low), Num(high)));
  }
  if (low >= high) {
    throw ParamError(source, name,
                     fmt::format("low ({}) must be < high ({}); swap them or widen the range", Num(low), Num(high)));
  }
  if (log && low <= 0.0) {
    throw ParamError(source, name,
                     fmt::format("log = true needs low > 0, got low = {}; raise low or drop log", Num(low)));
  }
}

Distribution CheckedByCore(const Distribution& distribution, const std::string& source, const std::string& name) {
  try {
    return Validated(distribution);
  } catch (const InvalidArgumentError& e) {
    throw ParamError(source, name, fmt::format("{}; fix the parameter's definition", e.what()));
  }
}

std::vector<ParamCondition> ParseCondition(const toml::node& node, const std::string& source, const std::string& name) {
  const auto* table = node.as_table();
  if (table == nullptr || table->empty()) {
    throw ParamError(
        source, name,
        "condition must be a table such as { optimizer = \"sgd\" } or { optimizer = [\"sgd\", \"adam\"] }");
  }
  std::vector<ParamCondition> out;
  for (const auto& [key, value] : *table) {
    ParamCondition condition{std::string(key.str()), {}};
    if (const auto* array = value.as_array()) {
      if (array->empty()) {
        throw ParamError(source, name,
                         fmt::format("condition on '{}' lists no values; give at least one", condition.parent));
      }
      for (const auto& element : *array) {
        condition.values.push_back(ScalarValue(element, source, name, "a condition value"));
      }
    } else {
      condition.values.push_back(ScalarValue(value, source, name, "a condition value"));
    }
    out.push_back(std::move(condition));
  }
  return out;
}

SpaceParam ParseParamTable(const toml::table& table, const std::string& source, const std::string& name) {
  static const std::set<std::string> kKnownKeys = {"type", "low", "high", "log", "step", "choices", "condition"};
  const toml::node* type_node = table.get("type");
  if (type_node == nullptr) {
    throw ParamError(source, name, "missing 'type'; set type = \"float\", \"int\" or \"categorical\"");
  }
  const auto* type_value = type_node->as_string();
  if (type_value == nullptr) {
    throw ParamError(source, name,
                     fmt::format("'type' must be a string, got {}; use \"float\", \"int\" or \"categorical\"",
                                 TomlTypeName(*type_node)));
  }
  const std::string type = type_value->get();
  std::set<std::string> allowed;
  if (type == "float") {
    allowed = {"type", "low", "high", "log", "step", "condition"};
  } else if (type == "int") {
    allowed = {"type", "low", "high", "log", "step", "condition"};
  } else if (type == "categorical") {
    allowed = {"type", "choices", "condition"};
  } else {
    throw ParamError(source, name, fmt::format("unknown type '{}'; use float, int or categorical", type));
  }
  for (const auto& [key, value] : table) {
    const std::string k(key.str());
    if (kKnownKeys.count(k) == 0) {
      throw ParamError(
          source, name,
          fmt::format("unknown key '{}'; allowed keys for a {} parameter: {}", k, type, fmt::join(allowed, ", ")));
    }
    if (allowed.count(k) == 0) {
      throw ParamError(source, name, fmt::format("'{}' does not apply to a {} parameter; remove it", k, type));
    }
  }

  SpaceParam param;
  param.name = name;
  if (type == "float") {
    FloatDistribution d;
    d.low = NumberKey(table, "low", source, name);
    d.high = NumberKey(table, "high", source, name);
    d.log = BoolKey(table, "log", source, name);
    CheckRange(d.low, d.high, d.log, source, name);
    if (table.get("step") != nullptr) {
      d.step = NumberKey(table, "step", source, name);
      if (d.log) throw ParamError(source, name, "step and log = true cannot be combined; remove one of them");
      if (!(*d.step > 0.0)) throw ParamError(source, name, fmt::format("step must be > 0, got {}", Num(*d.step)));
    }
    param.distribution = CheckedByCore(d, source, name);
  } else if (type == "int") {
    IntDistribution d;
    d.low = IntKey(table, "low", source, name);
    d.high = IntKey(table, "high", source, name);
    d.log = BoolKey(table, "log", source, name);
    CheckRange(static_cast<double>(d.low), static_cast<double>(d.high), d.log, source, name);
    if (table.get("step") != nullptr) {
      d.step = IntKey(table, "step", source, name);
      if (d.log) throw ParamError(source, name, "step and log = true cannot be combined; remove one of them");
      if (d.step < 1) throw ParamError(source, name, fmt::format("step must be >= 1, got {}", d.step));
    }
    param.distribution = CheckedByCore(d, source, name);
  } else {
    const toml::node* choices_node = table.get("choices");
    if (choices_node == nullptr) {
      throw ParamError(source, name, "missing 'choices'; list the values, e.g. choices = [\"adam\", \"sgd\"]");
    }
    const auto* array = choices_node->as_array();
    if (array == nullptr) {
      throw ParamError(source, name, fmt::format("'choices' must be an array, got {}", TomlTypeName(*choices_node)));
    }
    if (array->empty()) throw ParamError(source, name, "choices is empty; list at least one value");
    CategoricalDistribution d;
    for (const auto& element : *array) d.choices.push_back(ScalarValue(element, source, name, "a choice"));
    param.distribution = CheckedByCore(d, source, name);
  }
  if (const toml::node* condition = table.get("condition")) param.conditions = ParseCondition(*condition, source, name);
  return param;
}

std::vector<std::string> SplitOn(const std::string& text, char separator) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t pos = text.find(separator, start);
    out.push_back(text.substr(start, pos - start));
    if (pos == std::string::npos) break;
    start = pos + 1;
  }
  return out;
}

// Parses a whole string as a number; nullopt when any character is left over.
std::optional<double> ParseDouble(const std::string& text) {
  if (text.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno == ERANGE) return std::nullopt;
  return value;
}

std::optional<int64_t> ParseInt(const std::string& text) {
  if (text.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (end != text.c_str() + text.size() || errno == ERANGE) return std::nullopt;
  return static_cast<int64_t>(value);
}

}  // namespace

const SpaceParam* Space::Find(const std::string& name) const {
  for (const auto& param : params_) {
    if (param.name == name) return &param;
  }
  return nullptr;
}

Space Space::Build(std::vector<SpaceParam> params, const std::string& source) {
  std::map<std::string, const SpaceParam*> by_name;
  for (const auto& param : params) {
    if (!by_name.emplace(param.name, &param).second) {
      throw ParamError(source, param.name, "declared twice; keep one definition");
    }
  }
  for (const auto& param : params) {
    for (const auto& condition : param.conditions) {
      const auto parent = by_name.find(condition.parent);
      if (parent == by_name.end()) {
        throw ParamError(source, param.name,
                         fmt::format("condition names '{}', which is not a parameter; declare [params.{}] or fix "
                                     "the name",
                                     condition.parent, condition.parent));
      }
      for (const auto& value : condition.values) {
        try {
          ToInternal(parent->second->distribution, value);
        } catch (const InvalidArgumentError& e) {
          throw ParamError(source, param.name,
                           fmt::format("condition value {} can never be taken by '{}' ({}); use one of its values",
                                       ParamValueToString(value), condition.parent, e.what()));
        }
      }
    }
  }
  // Kahn's algorithm; ties go to the smaller name so the order (and with it the trials) is deterministic.
  std::map<std::string, size_t> pending_parents;
  std::map<std::string, std::vector<std::string>> children;
  for (const auto& param : params) {
    std::set<std::string> parents;
    for (const auto& condition : param.conditions) parents.insert(condition.parent);
    pending_parents[param.name] = parents.size();
    for (const auto& parent : parents) children[parent].push_back(param.name);
  }
  std::set<std::string> ready;
  for (const auto& [name, count] : pending_parents) {
    if (count == 0) ready.insert(name);
  }
  Space space;
  while (!ready.empty()) {
    const std::string name = *ready.begin();
    ready.erase(ready.begin());
    space.params_.push_back(*by_name.at(name));
    for (const auto& child : children[name]) {
      if (--pending_parents[child] == 0) ready.insert(child);
    }
  }
  if (space.params_.size() != params.size()) {
    std::vector<std::string> cyclic;
    for (const auto& [name, count] : pending_parents) {
      if (count > 0) cyclic.push_back(name);
    }
    throw InvalidArgumentError(fmt::format("{}: params {}: conditions form a cycle; remove one of these conditions",
                                           source, fmt::join(cyclic, ", ")));
  }
  return space;
}

bool Space::IsActive(const SpaceParam& param, const std::map<std::string, ParamValue>& chosen,
                     const std::map<std::string, Distribution>& distributions) {
  for (const auto& condition : param.conditions) {
    const auto value = chosen.find(condition.parent);
    if (value == chosen.end()) return false;  // the parent is itself inactive
    const Distribution& parent = distributions.at(condition.parent);
    const double internal = ToInternal(parent, value->second);
    bool matched = false;
    for (const auto& wanted : condition.values) {
      if (ToInternal(parent, wanted) == internal) {
        matched = true;
        break;
      }
    }
    if (!matched) return false;
  }
  return true;
}

std::map<std::string, ParamValue> Space::SuggestAll(Trial& trial) const {
  std::map<std::string, ParamValue> chosen;
  std::map<std::string, Distribution> distributions;
  for (const auto& param : params_) {
    distributions[param.name] = param.distribution;
    if (!IsActive(param, chosen, distributions)) continue;
    chosen[param.name] = trial.Suggest(param.name, param.distribution);
  }
  return chosen;
}

SearchSpace Space::ToSearchSpace() const {
  SearchSpace out;
  for (const auto& param : params_) out[param.name] = param.distribution;
  return out;
}

Json Space::ToJson() const {
  Json params = Json::array();
  for (const auto& param : params_) {
    Json entry = {{"name", param.name}, {"distribution", DistributionToJson(param.distribution)}};
    if (!param.conditions.empty()) {
      Json condition = Json::object();
      for (const auto& c : param.conditions) {
        Json values = Json::array();
        for (const auto& v : c.values) values.push_back(ParamValueToJson(v));
        condition[c.parent] = values;
      }
      entry["condition"] = condition;
    }
    params.push_back(entry);
  }
  return Json{{"params", params}};
}

Space Space::FromJson(const Json& json) {
  std::vector<SpaceParam> params;
  try {
    for (const auto& entry : json.at("params")) {
      SpaceParam param;
      param.name = entry.at("name").get<std::string>();
      param.distribution = DistributionFromJson(entry.at("distribution"));
      if (entry.contains("condition")) {
        for (const auto& [parent, values] : entry.at("condition").items()) {
          ParamCondition condition{parent, {}};
          for (const auto& v : values) condition.values.push_back(ParamValueFromJson(v));
          param.conditions.push_back(std::move(condition));
        }
      }
      params.push_back(std::move(param));
    }
  } catch (const Json::exception& e) {
    throw InvalidArgumentError(
        fmt::format("the space stored on the study is malformed ({}); pass --space FILE to replace it", e.what()));
  }
  return Build(std::move(params), "stored space");
}

Space ParseSpaceToml(std::string_view text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    throw InvalidArgumentError(fmt::format("{}:{}:{}: {}; fix the TOML syntax", source, begin.line, begin.column,
                                           std::string(e.description())));
  }
  for (const auto& [key, value] : root) {
    if (key.str() != "params") {
      throw InvalidArgumentError(
          fmt::format("{}: unknown top-level key '{}'; a space file has only [params.NAME] tables", source, key.str()));
    }
  }
  const toml::node* params_node = root.get("params");
  if (params_node == nullptr || !params_node->is_table() || params_node->as_table()->empty()) {
    throw InvalidArgumentError(
        fmt::format("{}: no parameters; declare at least one [params.NAME] table with a type", source));
  }
  std::vector<SpaceParam> params;
  for (const auto& [key, value] : *params_node->as_table()) {
    const std::string name(key.str());
    const auto* table = value.as_table();
    if (table == nullptr) {
      throw ParamError(
          source, name,
          fmt::format("must be a table, got {}; write [params.{}] followed by its keys", TomlTypeName(value), name));
    }
    params.push_back(ParseParamTable(*table, source, name));
  }
  return Space::Build(std::move(params), source);
}

Space LoadSpaceFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InvalidArgumentError(fmt::format(
        "{}: cannot read the space file ({}); pass --space FILE or --param NAME=SPEC", path, std::strerror(errno)));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return ParseSpaceToml(buffer.str(), path);
}

SpaceParam ParseParamSpec(const std::string& text) {
  const std::string source = fmt::format("--param '{}'", text);
  const auto usage = [&](const std::string& why) {
    return InvalidArgumentError(fmt::format(
        "{}: {}; write NAME=float:LOW:HIGH[:log][:step=S], NAME=int:LOW:HIGH[:log][:step=S] or NAME=cat:A,B,C", source,
        why));
  };
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) throw usage("missing NAME=");
  SpaceParam param;
  param.name = text.substr(0, eq);
  const std::string spec = text.substr(eq + 1);
  const size_t colon = spec.find(':');
  if (colon == std::string::npos) throw usage("missing the type");
  const std::string type = spec.substr(0, colon);
  const std::string rest = spec.substr(colon + 1);
  if (type == "cat" || type == "categorical") {
    CategoricalDistribution d;
    for (const auto& choice : SplitOn(rest, ',')) {
      if (choice == "true" || choice == "false") {
        d.choices.emplace_back(choice == "true");
      } else if (auto i = ParseInt(choice)) {
        d.choices.emplace_back(*i);
      } else if (auto f = ParseDouble(choice)) {
        d.choices.emplace_back(*f);
      } else {
        d.choices.emplace_back(choice);
      }
    }
    if (rest.empty()) throw usage("no choices");
    param.distribution = CheckedByCore(d, source, param.name);
    return param;
  }
  if (type != "float" && type != "int") throw usage(fmt::format("unknown type '{}'", type));
  const std::vector<std::string> fields = SplitOn(rest, ':');
  if (fields.size() < 2) throw usage("missing LOW:HIGH");
  bool log = false;
  std::optional<std::string> step;
  for (size_t i = 2; i < fields.size(); ++i) {
    if (fields[i] == "log") {
      log = true;
    } else if (fields[i].rfind("step=", 0) == 0) {
      step = fields[i].substr(5);
    } else {
      throw usage(fmt::format("unknown flag '{}'", fields[i]));
    }
  }
  if (type == "float") {
    const auto low = ParseDouble(fields[0]);
    const auto high = ParseDouble(fields[1]);
    if (!low || !high) throw usage("LOW and HIGH must be numbers");
    FloatDistribution d{*low, *high, log, std::nullopt};
    CheckRange(d.low, d.high, d.log, source, param.name);
    if (step) {
      const auto s = ParseDouble(*step);
      if (!s || !(*s > 0.0)) throw usage("step must be a number > 0");
      if (log) throw usage("step and log cannot be combined");
      d.step = *s;
    }
    param.distribution = CheckedByCore(d, source, param.name);
  } else {
    const auto low = ParseInt(fields[0]);
    const auto high = ParseInt(fields[1]);
    if (!low || !high) throw usage("LOW and HIGH must be integers for an int parameter");
    IntDistribution d{*low, *high, log, 1};
    CheckRange(static_cast<double>(d.low), static_cast<double>(d.high), d.log, source, param.name);
    if (step) {
      const auto s = ParseInt(*step);
      if (!s || *s < 1) throw usage("step must be an integer >= 1");
      if (log) throw usage("step and log cannot be combined");
      d.step = *s;
    }
    param.distribution = CheckedByCore(d, source, param.name);
  }
  return param;
}

}  // namespace hyperscout::cli
