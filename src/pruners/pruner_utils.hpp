// Helpers shared by the pruners in this folder (private).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "hyperscout/common/json.hpp"
#include "hyperscout/core/frozen_trial.hpp"

namespace hyperscout::pruner_detail {

// Pruners compare "losses": the value itself when minimizing, its negation when maximizing. Negation is
// exact in IEEE arithmetic, so a maximized study and its mirrored minimized twin take identical decisions.
inline double ToLoss(double value, StudyDirection direction) {
  return direction == StudyDirection::kMinimize ? value : -value;
}

// True when `step` (the trial's latest) is the first report at or after a pruning point, i.e. at
// n_warmup_steps + k * interval_steps for some k >= 0. A check whose step was never reported moves to the
// next report, so sparse reporting does not skip checks, and a point is never checked twice.
bool IsPruningCheck(const FrozenTrial& trial, int64_t step, int64_t n_warmup_steps, int64_t interval_steps);

// Shared validation for warm-up and interval options.
void CheckWarmupAndInterval(const std::string& pruner, int64_t n_warmup_steps, int64_t interval_steps);

// Typed reads of registry options (already resolved against their declarations, so only a null can be
// wrong here); a null throws InvalidArgumentError naming the option.
int64_t IntOption(const std::string& pruner, const Json& options, const std::string& key);
double FloatOption(const std::string& pruner, const Json& options, const std::string& key);
std::optional<double> OptionalFloatOption(const Json& options, const std::string& key);
std::string StringOption(const std::string& pruner, const Json& options, const std::string& key);

}  // namespace hyperscout::pruner_detail
