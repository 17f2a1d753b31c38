#include "cli/trial_view.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "cli/common.hpp"
#include "cli/output.hpp"
#include "hyperscout/core/study.hpp"

namespace hyperscout::cli {

std::vector<std::string> ParamNames(const std::vector<FrozenTrial>& trials) {
  std::set<std::string> names;
  for (const auto& trial : trials) {
    for (const auto& [name, value] : trial.params) names.insert(name);
  }
  return {names.begin(), names.end()};
}

std::vector<std::string> ValueColumns(size_t n_objectives) {
  if (n_objectives == 1) return {"value"};
  std::vector<std::string> out;
  for (size_t i = 0; i < n_objectives; ++i) out.push_back(fmt::format("value_{}", i));
  return out;
}

namespace {

// The names of the trials' constraints (FrozenTrial::Constraints), listed ones ("0", "1", ...) first in numeric
// order, then named ones alphabetically.
std::vector<std::string> ConstraintNames(const std::vector<FrozenTrial>& trials) {
  std::set<std::string> named;
  size_t listed = 0;
  for (const auto& trial : trials) {
    size_t position = 0;
    for (const auto& [name, value] : trial.Constraints()) {
      if (name == std::to_string(position)) {
        listed = std::max(listed, ++position);
      } else {
        named.insert(name);
      }
    }
  }
  std::vector<std::string> out;
  for (size_t k = 0; k < listed; ++k) out.push_back(std::to_string(k));
  for (const auto& name : named) {
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out;
}

}  // namespace

TrialRows BuildTrialRows(const std::vector<FrozenTrial>& trials, size_t n_objectives, bool exact, bool verbose) {
  const auto number = [exact](double x) { return exact ? FormatValue(x) : ShortNumber(x); };
  const std::vector<std::string> names = ParamNames(trials);
  const std::vector<std::string> constraint_names = ConstraintNames(trials);  // none without constraints
  TrialRows out;
  out.header = {"number", "state"};
  for (const auto& column : ValueColumns(n_objectives)) out.header.push_back(column);
  for (const auto& name : constraint_names) out.header.push_back("constraint_" + name);
  for (const auto& name : names) out.header.push_back("params_" + name);
  out.header.push_back("duration_s");
  if (verbose) out.header.push_back("fail_reason");
  for (const auto& trial : trials) {
    std::vector<std::string> row = {std::to_string(trial.number), ToString(trial.state)};
    for (size_t i = 0; i < n_objectives; ++i) row.push_back(i < trial.values.size() ? number(trial.values[i]) : "");
    const auto constraints = trial.Constraints();
    for (const auto& name : constraint_names) {
      const auto it = std::find_if(constraints.begin(), constraints.end(),
                                   [&name](const auto& entry) { return entry.first == name; });
      row.push_back(it != constraints.end() ? number(it->second) : "");
    }
    for (const auto& name : names) {
      const auto it = trial.params.find(name);
      if (it == trial.params.end()) {
        row.emplace_back();
        continue;
      }
      const ParamValue value = ToExternal(trial.distributions.at(name), it->second);
      row.push_back(std::holds_alternative<double>(value) ? number(std::get<double>(value))
                                                          : ParamValueToString(value));
    }
    const auto duration = trial.DurationSeconds();
    row.push_back(duration ? (exact ? FormatValue(*duration) : fmt::format("{:.2f}", *duration)) : "");
    if (verbose) {
      const auto reason = trial.system_attrs.find("fail_reason");
      row.push_back(reason == trial.system_attrs.end() ? ""
                    : reason->second.is_string()       ? reason->second.get<std::string>()
                                                       : reason->second.dump());
    }
    out.rows.push_back(std::move(row));
  }
  return out;
}

std::vector<FrozenTrial> BestOf(const std::vector<FrozenTrial>& trials, const std::vector<StudyDirection>& directions) {
  std::vector<const FrozenTrial*> pointers;
  pointers.reserve(trials.size());
  for (const auto& trial : trials) pointers.push_back(&trial);
  std::vector<FrozenTrial> front = FeasibleParetoFront(pointers, directions);
  if (directions.size() == 1 && front.size() > 1) front.resize(1);  // the earliest of the ties, as Study::BestTrial
  return front;
}

}  // namespace hyperscout::cli
