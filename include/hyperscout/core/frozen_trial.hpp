// Trial states, study directions and FrozenTrial, the immutable snapshot of a trial that storage
// returns and samplers, pruners and callbacks read.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hyperscout/common/json.hpp"
#include "hyperscout/core/distribution.hpp"

namespace hyperscout {

// WAITING -> RUNNING -> COMPLETE | PRUNED | FAIL. Finished trials never change.
enum class TrialState { kWaiting, kRunning, kComplete, kPruned, kFail };

std::string ToString(TrialState state);  // "WAITING", "RUNNING", "COMPLETE", "PRUNED", "FAIL"
// Accepts either case ("complete", "COMPLETE"); throws InvalidArgumentError otherwise.
TrialState ParseTrialState(const std::string& text);
inline bool IsFinished(TrialState state) {
  return state != TrialState::kWaiting && state != TrialState::kRunning;
}

enum class StudyDirection { kMinimize, kMaximize };

std::string ToString(StudyDirection direction);  // "minimize" / "maximize"
StudyDirection ParseStudyDirection(const std::string& text);

struct FrozenTrial {
  int64_t id = -1;      // storage-wide identifier
  int64_t number = -1;  // 0, 1, 2, ... within its study, gapless
  TrialState state = TrialState::kRunning;
  std::vector<double> values;                         // one per objective when COMPLETE
  std::map<std::string, double> params;               // internal representation
  std::map<std::string, Distribution> distributions;  // same keys as params
  std::map<int64_t, double> intermediate_values;      // step -> reported value
  std::map<std::string, Json> user_attrs;
  std::map<std::string, Json> system_attrs;
  std::optional<double> datetime_start;     // seconds since the Unix epoch, database clock
  std::optional<double> datetime_complete;  // set when finished
  std::optional<double> heartbeat;          // last heartbeat, database clock

  // External value of a parameter; throws InvalidArgumentError when the trial has no such parameter.
  ParamValue Param(const std::string& name) const;
  std::map<std::string, ParamValue> ExternalParams() const;
  // The single objective value; throws InvalidArgumentError for multi-objective or unfinished trials.
  double Value() const;
  std::optional<int64_t> LastStep() const;
  std::optional<double> DurationSeconds() const;
  // The trial's constraint values (feasible when every one is <= 0), by name: the list Trial::SetConstraints stores
  // in system attribute "constraints" as "0", "1", ..., then each value Trial::SetConstraint stores in its own
  // attribute "constraints:<name>" (Optuna 5's format), in name order. A list holding a non-number is ignored.
  // Empty when the trial reported none.
  std::vector<std::pair<std::string, double>> Constraints() const;

  bool operator==(const FrozenTrial&) const = default;
};

Json FrozenTrialToJson(const FrozenTrial& trial);

}  // namespace hyperscout
