#include "hyperscout/core/trial.hpp"

#include <fmt/format.h>

#include <cmath>

#include "hyperscout/common/error.hpp"
#include "hyperscout/core/study.hpp"

namespace hyperscout {

Trial::Trial(Study* study, FrozenTrial snapshot, std::map<std::string, double> relative_params,
             SearchSpace relative_space)
    : study_(study),
      snapshot_(std::move(snapshot)),
      relative_params_(std::move(relative_params)),
      relative_space_(std::move(relative_space)) {}

double Trial::SuggestFloat(const std::string& name, double low, double high, bool log, std::optional<double> step) {
  return std::get<double>(Suggest(name, FloatDistribution{low, high, log, step}));
}

int64_t Trial::SuggestInt(const std::string& name, int64_t low, int64_t high, bool log, int64_t step) {
  return std::get<int64_t>(Suggest(name, IntDistribution{low, high, log, step}));
}

ParamValue Trial::SuggestCategorical(const std::string& name, const std::vector<ParamValue>& choices) {
  return Suggest(name, CategoricalDistribution{choices});
}

std::string Trial::SuggestCategorical(const std::string& name, const std::vector<std::string>& choices) {
  std::vector<ParamValue> values(choices.begin(), choices.end());
  return std::get<std::string>(Suggest(name, CategoricalDistribution{values}));
}

ParamValue Trial::Suggest(const std::string& name, const Distribution& distribution) {
  Distribution d;
  try {
    d = Validated(distribution);
  } catch (const InvalidArgumentError& e) {
    throw InvalidArgumentError(fmt::format("parameter '{}': {}", name, e.what()));
  }
  if (const auto it = snapshot_.params.find(name); it != snapshot_.params.end()) {
    const Distribution& existing = snapshot_.distributions.at(name);
    if (!SameKind(existing, d)) {
      throw InvalidArgumentError(fmt::format("parameter '{}' was suggested as {} and now as {} in the same trial", name,
                                             KindName(existing), KindName(d)));
    }
    return ToExternal(existing, it->second);
  }

  double internal = 0.0;
  bool chosen = false;
  if (const auto fixed = snapshot_.system_attrs.find("fixed_params"); fixed != snapshot_.system_attrs.end()) {
    if (fixed->second.contains(name)) {
      try {
        internal = ToInternal(d, ParamValueFromJson(fixed->second.at(name)));
      } catch (const InvalidArgumentError& e) {
        throw InvalidArgumentError(fmt::format("enqueued value for parameter '{}': {}", name, e.what()));
      }
      chosen = true;
    }
  }
  if (!chosen) {
    const auto rel = relative_params_.find(name);
    const auto space = relative_space_.find(name);
    if (rel != relative_params_.end() && space != relative_space_.end() && space->second == d &&
        Contains(d, rel->second)) {
      internal = rel->second;
      chosen = true;
    }
  }
  if (!chosen) internal = study_->SampleIndependentLocked(snapshot_, name, d);

  study_->storage().SetTrialParam(snapshot_.id, name, internal, d);
  snapshot_.params[name] = internal;
  snapshot_.distributions[name] = d;
  return ToExternal(d, internal);
}

void Trial::Report(int64_t step, double value) {
  if (snapshot_.intermediate_values.count(step) != 0) return;
  study_->storage().SetTrialIntermediateValue(snapshot_.id, step, value);
  snapshot_.intermediate_values[step] = value;
}

bool Trial::ShouldPrune() {
  if (study_->IsMultiObjective()) return false;
  return study_->PruneTrial(snapshot_);
}

void CheckConstraintValues(const std::vector<double>& values) {
  if (values.empty()) {
    throw InvalidArgumentError("constraints: pass at least one value (a trial is feasible when every value is <= 0)");
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      throw InvalidArgumentError(fmt::format(
          "constraints: value {} is {}; every constraint value must be a finite number (<= 0 means satisfied)", i,
          values[i]));
    }
  }
}

void Trial::SetConstraints(const std::vector<double>& values) {
  CheckConstraintValues(values);
  SetSystemAttr("constraints", Json(values));
}

bool Trial::SetConstraint(const std::string& name, double value) {
  if (name.empty()) throw InvalidArgumentError("constraint: pass a name, e.g. \"memory\"");
  if (!std::isfinite(value)) {
    throw InvalidArgumentError(fmt::format(
        "constraint '{}' is {}; a constraint value must be a finite number (<= 0 means satisfied)", name, value));
  }
  const std::string key = "constraints:" + name;
  if (snapshot_.system_attrs.count(key) != 0) return false;
  SetSystemAttr(key, value);
  return true;
}

void Trial::SetUserAttr(const std::string& key, const Json& value) {
  study_->storage().SetTrialUserAttr(snapshot_.id, key, value);
  snapshot_.user_attrs[key] = value;
}

void Trial::SetSystemAttr(const std::string& key, const Json& value) {
  study_->storage().SetTrialSystemAttr(snapshot_.id, key, value);
  snapshot_.system_attrs[key] = value;
}

}  // namespace hyperscout
