#include "hyperscout/pruners/threshold.hpp"

#include <fmt/format.h>

#include <cmath>

#include "hyperscout/common/error.hpp"
#include "pruners/pruner_utils.hpp"

namespace hyperscout {

ThresholdPruner::ThresholdPruner(std::optional<double> lower, std::optional<double> upper, int64_t n_warmup_steps,
                                 int64_t interval_steps)
    : lower_(lower), upper_(upper), n_warmup_steps_(n_warmup_steps), interval_steps_(interval_steps) {
  if (!lower && !upper) {
    throw InvalidArgumentError(
        "pruner 'threshold': needs 'lower', 'upper' or both; e.g. upper = 1e3 stops a loss that diverges");
  }
  if ((lower && std::isnan(*lower)) || (upper && std::isnan(*upper))) {
    throw InvalidArgumentError("pruner 'threshold': lower and upper must be numbers, not NaN");
  }
  if (lower && upper && *lower > *upper) {
    throw InvalidArgumentError(fmt::format("pruner 'threshold': lower ({}) must be <= upper ({})", *lower, *upper));
  }
  pruner_detail::CheckWarmupAndInterval("threshold", n_warmup_steps, interval_steps);
}

bool ThresholdPruner::Prune(const Study& /*study*/, const FrozenTrial& trial) {
  const std::optional<int64_t> step = trial.LastStep();
  if (!step) return false;
  if (!pruner_detail::IsPruningCheck(trial, *step, n_warmup_steps_, interval_steps_)) return false;
  const double latest = trial.intermediate_values.at(*step);
  if (std::isnan(latest)) return true;
  return (lower_ && latest < *lower_) || (upper_ && latest > *upper_);
}

}  // namespace hyperscout
