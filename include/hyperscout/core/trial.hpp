// Trial: the live, define-by-run handle an objective receives. Suggest* calls choose parameter values
// (see samplers/sampler.hpp for the order of sources) and write them to storage at once, so a crash
// never loses what was suggested. A Trial is used by one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hyperscout/common/json.hpp"
#include "hyperscout/core/distribution.hpp"
#include "hyperscout/core/frozen_trial.hpp"

namespace hyperscout {

class Study;

class Trial {
 public:
  // Created by Study::Ask.
  Trial(Study* study, FrozenTrial snapshot, std::map<std::string, double> relative_params, SearchSpace relative_space);

  double SuggestFloat(const std::string& name, double low, double high, bool log = false,
                      std::optional<double> step = std::nullopt);
  int64_t SuggestInt(const std::string& name, int64_t low, int64_t high, bool log = false, int64_t step = 1);
  ParamValue SuggestCategorical(const std::string& name, const std::vector<ParamValue>& choices);
  std::string SuggestCategorical(const std::string& name, const std::vector<std::string>& choices);
  // Generic form behind the others; returns the external value.
  ParamValue Suggest(const std::string& name, const Distribution& distribution);

  // Records an intermediate objective value at a step (epoch, fold, ...). Reporting the same step
  // twice keeps the first value, as pruners assume a step's value does not move.
  void Report(int64_t step, double value);
  // Asks the study's pruner whether to stop now. Always false for multi-objective studies.
  bool ShouldPrune();

  // Constraint values of this trial (Optuna's convention: feasible when every value is <= 0), kept in system
  // attr "constraints" for samplers that model feasibility (gp). Throws InvalidArgumentError for an empty list
  // or a non-finite value.
  void SetConstraints(const std::vector<double>& values);
  // One named constraint value (Optuna 5's Trial.set_constraint), kept in system attr "constraints:<name>".
  // Returns false, keeping the first value, when the trial already has this name (as Optuna does). Throws
  // InvalidArgumentError for an empty name or a non-finite value.
  bool SetConstraint(const std::string& name, double value);

  void SetUserAttr(const std::string& key, const Json& value);
  void SetSystemAttr(const std::string& key, const Json& value);

  int64_t number() const { return snapshot_.number; }
  int64_t id() const { return snapshot_.id; }
  std::map<std::string, ParamValue> Params() const { return snapshot_.ExternalParams(); }
  const std::map<std::string, Distribution>& Distributions() const { return snapshot_.distributions; }
  const std::map<std::string, Json>& UserAttrs() const { return snapshot_.user_attrs; }
  // This process's view of the trial (params, reports, attrs) without a storage round trip.
  const FrozenTrial& Snapshot() const { return snapshot_; }
  Study& study() { return *study_; }

 private:
  Study* study_;
  FrozenTrial snapshot_;
  std::map<std::string, double> relative_params_;
  SearchSpace relative_space_;
};

// What Trial::SetConstraints accepts, for callers that store constraints another way (the CLI's tell and its
// objective protocol): at least one value, every one finite. Throws InvalidArgumentError naming the problem.
void CheckConstraintValues(const std::vector<double>& values);

}  // namespace hyperscout
