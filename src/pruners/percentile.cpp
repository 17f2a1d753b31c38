#include "hyperscout/pruners/percentile.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "hyperscout/common/error.hpp"
#include "hyperscout/core/study.hpp"
#include "pruners/pruner_utils.hpp"

namespace hyperscout {

using pruner_detail::ToLoss;

double PercentileOf(std::vector<double> values, double percentile) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return std::isnan(v); }), values.end());
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  // Hyndman & Fan (1996) definition 7: h = (n - 1) p, interpolate between the order statistics around h.
  const double h = static_cast<double>(values.size() - 1) * percentile / 100.0;
  const auto lo = static_cast<size_t>(std::floor(h));
  const double fraction = h - static_cast<double>(lo);
  if (lo + 1 >= values.size() || fraction == 0.0) return values[lo];
  const double a = values[lo];
  const double b = values[lo + 1];
  if (a == b) return a;  // also covers two equal infinities
  // (1 - f) a + f b keeps a one-sided infinity infinite; -inf with +inf gives NaN (undefined), as intended.
  return (1.0 - fraction) * a + fraction * b;
}

PercentilePruner::PercentilePruner(double percentile, int64_t n_startup_trials, int64_t n_warmup_steps,
                                   int64_t interval_steps, int64_t n_min_trials)
    : PercentilePruner("percentile", percentile, n_startup_trials, n_warmup_steps, interval_steps, n_min_trials) {}

PercentilePruner::PercentilePruner(const std::string& name, double percentile, int64_t n_startup_trials,
                                   int64_t n_warmup_steps, int64_t interval_steps, int64_t n_min_trials)
    : percentile_(percentile),
      n_startup_trials_(n_startup_trials),
      n_warmup_steps_(n_warmup_steps),
      interval_steps_(interval_steps),
      n_min_trials_(n_min_trials) {
  if (!(percentile >= 0.0 && percentile <= 100.0)) {
    throw InvalidArgumentError(
        fmt::format("pruner '{}': percentile ({}) must be in [0, 100]; 25 keeps the best quarter, 50 is the median",
                    name, percentile));
  }
  if (n_startup_trials < 0) {
    throw InvalidArgumentError(fmt::format("pruner '{}': n_startup_trials ({}) must be >= 0", name, n_startup_trials));
  }
  pruner_detail::CheckWarmupAndInterval(name, n_warmup_steps, interval_steps);
  if (n_min_trials < 1) {
    throw InvalidArgumentError(fmt::format("pruner '{}': n_min_trials ({}) must be >= 1", name, n_min_trials));
  }
}

bool PercentilePruner::Prune(const Study& study, const FrozenTrial& trial) {
  const std::optional<int64_t> step = trial.LastStep();
  if (!step) return false;
  if (!pruner_detail::IsPruningCheck(trial, *step, n_warmup_steps_, interval_steps_)) return false;

  const auto finished = study.TrialsSnapshot({TrialState::kComplete, TrialState::kPruned});
  const auto n_complete =
      std::count_if(finished.begin(), finished.end(), [](const auto& t) { return t->state == TrialState::kComplete; });
  if (n_complete < n_startup_trials_) return false;

  // A trial whose latest report is NaN has diverged; no history can make that worth continuing.
  if (std::isnan(trial.intermediate_values.at(*step))) return true;

  const StudyDirection direction = study.directions().front();
  double best = std::numeric_limits<double>::infinity();
  for (const auto& [s, value] : trial.intermediate_values) {
    if (!std::isnan(value)) best = std::min(best, ToLoss(value, direction));
  }

  std::vector<double> others;
  for (const auto& other : finished) {
    if (other->number == trial.number) continue;
    const auto it = other->intermediate_values.find(*step);
    if (it != other->intermediate_values.end() && !std::isnan(it->second)) {
      others.push_back(ToLoss(it->second, direction));
    }
  }
  if (others.empty() || static_cast<int64_t>(others.size()) < n_min_trials_) return false;

  const double cutoff = PercentileOf(std::move(others), percentile_);
  if (std::isnan(cutoff)) return false;
  return best > cutoff;
}

}  // namespace hyperscout
