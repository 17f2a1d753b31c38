#include "hyperscout/core/frozen_trial.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string_view>
#include <utility>

#include "hyperscout/common/error.hpp"

namespace hyperscout {

std::string ToString(TrialState state) {
  switch (state) {
    case TrialState::kWaiting:
      return "WAITING";
    case TrialState::kRunning:
      return "RUNNING";
    case TrialState::kComplete:
      return "COMPLETE";
    case TrialState::kPruned:
      return "PRUNED";
    case TrialState::kFail:
      return "FAIL";
  }
  return "UNKNOWN";
}

TrialState ParseTrialState(const std::string& text) {
  std::string upper = text;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  for (auto state :
       {TrialState::kWaiting, TrialState::kRunning, TrialState::kComplete, TrialState::kPruned, TrialState::kFail}) {
    if (ToString(state) == upper) return state;
  }
  throw InvalidArgumentError(
      fmt::format("unknown trial state '{}'; expected one of waiting, running, complete, pruned, fail", text));
}

std::string ToString(StudyDirection direction) {
  return direction == StudyDirection::kMinimize ? "minimize" : "maximize";
}

StudyDirection ParseStudyDirection(const std::string& text) {
  if (text == "minimize" || text == "min") return StudyDirection::kMinimize;
  if (text == "maximize" || text == "max") return StudyDirection::kMaximize;
  throw InvalidArgumentError(fmt::format("unknown direction '{}'; expected minimize or maximize", text));
}

ParamValue FrozenTrial::Param(const std::string& name) const {
  const auto it = params.find(name);
  if (it == params.end()) throw InvalidArgumentError(fmt::format("trial {} has no parameter '{}'", number, name));
  return ToExternal(distributions.at(name), it->second);
}

std::map<std::string, ParamValue> FrozenTrial::ExternalParams() const {
  std::map<std::string, ParamValue> out;
  for (const auto& [name, internal] : params) out.emplace(name, ToExternal(distributions.at(name), internal));
  return out;
}

std::vector<std::pair<std::string, double>> FrozenTrial::Constraints() const {
  std::vector<std::pair<std::string, double>> out;
  if (const auto it = system_attrs.find("constraints"); it != system_attrs.end() && it->second.is_array()) {
    const Json& list = it->second;
    if (std::all_of(list.begin(), list.end(), [](const Json& v) { return v.is_number(); })) {
      for (size_t i = 0; i < list.size(); ++i) out.emplace_back(std::to_string(i), list[i].get<double>());
    }
  }
  constexpr std::string_view kPrefix = "constraints:";
  for (auto it = system_attrs.lower_bound(std::string(kPrefix)); it != system_attrs.end(); ++it) {
    if (it->first.compare(0, kPrefix.size(), kPrefix) != 0) break;
    if (it->second.is_number()) out.emplace_back(it->first.substr(kPrefix.size()), it->second.get<double>());
  }
  return out;
}

double FrozenTrial::Value() const {
  if (values.size() != 1) {
    throw InvalidArgumentError(fmt::format("trial {} has {} values; Value() needs exactly one", number, values.size()));
  }
  return values[0];
}

std::optional<int64_t> FrozenTrial::LastStep() const {
  if (intermediate_values.empty()) return std::nullopt;
  return intermediate_values.rbegin()->first;
}

std::optional<double> FrozenTrial::DurationSeconds() const {
  if (!datetime_start || !datetime_complete) return std::nullopt;
  return *datetime_complete - *datetime_start;
}

Json FrozenTrialToJson(const FrozenTrial& trial) {
  Json params = Json::object();
  for (const auto& [name, value] : trial.ExternalParams()) params[name] = ParamValueToJson(value);
  Json distributions = Json::object();
  for (const auto& [name, d] : trial.distributions) distributions[name] = DistributionToJson(d);
  Json intermediate = Json::object();
  for (const auto& [step, value] : trial.intermediate_values) intermediate[std::to_string(step)] = value;
  Json user_attrs = Json::object();
  for (const auto& [k, v] : trial.user_attrs) user_attrs[k] = v;
  Json system_attrs = Json::object();
  for (const auto& [k, v] : trial.system_attrs) system_attrs[k] = v;
  auto opt = [](const std::optional<double>& t) { return t ? Json(*t) : Json(nullptr); };
  return Json{{"number", trial.number},
              {"state", ToString(trial.state)},
              {"values", trial.values},
              {"params", params},
              {"distributions", distributions},
              {"intermediate_values", intermediate},
              {"user_attrs", user_attrs},
              {"system_attrs", system_attrs},
              {"datetime_start", opt(trial.datetime_start)},
              {"datetime_complete", opt(trial.datetime_complete)}};
}

}  // namespace hyperscout
