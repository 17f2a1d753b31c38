#include "hyperscout/pruners/patient.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

#include "hyperscout/common/error.hpp"
#include "hyperscout/core/study.hpp"
#include "pruners/pruner_utils.hpp"

namespace hyperscout {

PatientPruner::PatientPruner(std::shared_ptr<Pruner> wrapped, int64_t patience, double min_delta)
    : wrapped_(std::move(wrapped)), patience_(patience), min_delta_(min_delta) {
  if (patience < 0) {
    throw InvalidArgumentError(fmt::format(
        "pruner 'patient': patience ({}) must be >= 0; 0 prunes at the first report that does not improve", patience));
  }
  if (!std::isfinite(min_delta) || min_delta < 0.0) {
    throw InvalidArgumentError(fmt::format("pruner 'patient': min_delta ({}) must be a finite number >= 0", min_delta));
  }
}

bool PatientPruner::Prune(const Study& study, const FrozenTrial& trial) {
  const auto& values = trial.intermediate_values;
  // The window is the last patience + 1 reports; it needs at least one report before it to compare with.
  const auto window = static_cast<size_t>(patience_) + 1;
  if (values.size() <= window) return false;

  const StudyDirection direction = study.directions().front();
  // NaN counts as the worst possible loss: a diverged report is never an improvement.
  auto loss = [direction](double value) {
    return std::isnan(value) ? std::numeric_limits<double>::infinity() : pruner_detail::ToLoss(value, direction);
  };
  const auto split = std::prev(values.end(), static_cast<std::ptrdiff_t>(window));
  double best_before = std::numeric_limits<double>::infinity();
  for (auto it = values.begin(); it != split; ++it) best_before = std::min(best_before, loss(it->second));
  double best_within = std::numeric_limits<double>::infinity();
  for (auto it = split; it != values.end(); ++it) best_within = std::min(best_within, loss(it->second));

  // Improvement means beating the earlier best by more than min_delta (strictly, so a plateau is not progress).
  const bool improved = best_within < best_before - min_delta_;
  if (improved) return false;
  return wrapped_ ? wrapped_->Prune(study, trial) : true;
}

}  // namespace hyperscout
