#include "hyperscout/pruners/successive_halving.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "hyperscout/common/error.hpp"
#include "hyperscout/core/study.hpp"
#include "pruners/pruner_utils.hpp"

namespace hyperscout {
namespace {

constexpr const char* kPromotedKey = "asha:promoted";
constexpr const char* kMinResourceKey = "asha:min_resource";

std::string RungKey(int64_t rung) {
  return fmt::format("asha:rung_{}", rung);
}

// A trial's value at a rung: what it stored when it reached the rung, else its first report at or after
// the rung's step. Reports never change once made, so every worker derives the same value.
std::optional<double> RungValue(const FrozenTrial& trial, const std::map<std::string, Json>& attrs, int64_t rung,
                                int64_t rung_step) {
  if (const auto it = attrs.find(RungKey(rung)); it != attrs.end() && it->second.is_number()) {
    return it->second.get<double>();
  }
  const auto it = trial.intermediate_values.lower_bound(rung_step);
  if (it == trial.intermediate_values.end()) return std::nullopt;
  return it->second;
}

// Writes bookkeeping for a trial that may have been finished meanwhile (a caller asking about a trial it
// already told); the decision does not depend on the write, so a finished trial simply keeps what it has.
void SetAttr(const Study& study, int64_t trial_id, const std::string& key, const Json& value) {
  try {
    study.storage().SetTrialSystemAttr(trial_id, key, value);
  } catch (const UpdateFinishedTrialError&) {
  }
}

}  // namespace

SuccessiveHalvingPruner::SuccessiveHalvingPruner(std::optional<int64_t> min_resource, int64_t reduction_factor,
                                                 int64_t min_early_stopping_rate, int64_t bootstrap_count)
    : min_resource_(min_resource),
      reduction_factor_(reduction_factor),
      min_early_stopping_rate_(min_early_stopping_rate),
      bootstrap_count_(bootstrap_count) {
  if (min_resource && *min_resource < 1) {
    throw InvalidArgumentError(fmt::format(
        "pruner 'asha': min_resource ({}) must be >= 1 or \"auto\" (the steps of the first rung)", *min_resource));
  }
  if (reduction_factor < 2) {
    throw InvalidArgumentError(
        fmt::format("pruner 'asha': reduction_factor ({}) must be >= 2; 3 or 4 are usual", reduction_factor));
  }
  if (min_early_stopping_rate < 0) {
    throw InvalidArgumentError(
        fmt::format("pruner 'asha': min_early_stopping_rate ({}) must be >= 0", min_early_stopping_rate));
  }
  if (bootstrap_count < 0) {
    throw InvalidArgumentError(fmt::format("pruner 'asha': bootstrap_count ({}) must be >= 0", bootstrap_count));
  }
  if (bootstrap_count > 0 && !min_resource) {
    throw InvalidArgumentError(fmt::format(
        "pruner 'asha': bootstrap_count ({}) needs an explicit min_resource; set min_resource to an integer",
        bootstrap_count));
  }
}

std::optional<int64_t> SuccessiveHalvingPruner::RungStep(int64_t min_resource, int64_t rung) const {
  // Li et al. 2020, Algorithm 2: rung k trains each configuration for r * eta^(s + k) resource units.
  int64_t step = min_resource;
  for (int64_t i = 0; i < min_early_stopping_rate_ + rung; ++i) {
    if (step > std::numeric_limits<int64_t>::max() / reduction_factor_) return std::nullopt;
    step *= reduction_factor_;
  }
  return step;
}

std::optional<int64_t> SuccessiveHalvingPruner::MinResource(
    const Study& study, const std::vector<std::shared_ptr<const FrozenTrial>>& trials) {
  if (min_resource_) return min_resource_;
  std::lock_guard lock(mutex_);
  if (estimated_min_resource_) return estimated_min_resource_;
  std::optional<int64_t> longest;
  for (const auto& t : trials) {
    if (t->state != TrialState::kComplete) continue;
    if (const auto last = t->LastStep(); last && (!longest || *last > *longest)) longest = last;
  }
  // Nothing to estimate from until a trial has run to the end; until then nothing is pruned.
  if (!longest) return std::nullopt;
  const auto stored = study.storage().GetStudySystemAttrs(study.id());
  if (const auto it = stored.find(kMinResourceKey);
      it != stored.end() && it->second.is_number_integer() && it->second.get<int64_t>() >= 1) {
    estimated_min_resource_ = it->second.get<int64_t>();
  } else {
    // Optuna's heuristic: the first rung is 1% of a full run.
    estimated_min_resource_ = std::max<int64_t>(1, *longest / 100);
    study.storage().SetStudySystemAttr(study.id(), kMinResourceKey, *estimated_min_resource_);
  }
  return estimated_min_resource_;
}

bool SuccessiveHalvingPruner::Prune(const Study& study, const FrozenTrial& trial) {
  const std::optional<int64_t> last_step = trial.LastStep();
  if (!last_step) return false;
  const auto trials = study.TrialsSnapshot();
  const std::optional<int64_t> min_resource = MinResource(study, trials);
  if (!min_resource) return false;

  // Rung bookkeeping written by any worker is in the stored copy; the caller's copy has the freshest reports.
  std::map<std::string, Json> attrs = trial.system_attrs;
  for (const auto& t : trials) {
    if (t->number != trial.number) continue;
    for (const auto& [key, value] : t->system_attrs) attrs[key] = value;
  }
  int64_t promoted = 0;
  if (const auto it = attrs.find(kPromotedKey); it != attrs.end() && it->second.is_number_integer()) {
    promoted = std::max<int64_t>(0, it->second.get<int64_t>());
  }

  const StudyDirection direction = study.directions().front();
  // NaN ranks last among competitors: a diverged trial never blocks another's promotion.
  auto loss = [direction](double value) {
    return std::isnan(value) ? std::numeric_limits<double>::infinity() : pruner_detail::ToLoss(value, direction);
  };
  for (int64_t rung = promoted;; ++rung) {
    const std::optional<int64_t> rung_step = RungStep(*min_resource, rung);
    if (!rung_step || *last_step < *rung_step) return false;
    const std::optional<double> value = RungValue(trial, attrs, rung, *rung_step);
    if (!value) return false;  // unreachable: the last step is at or past the rung's step
    if (std::isnan(*value)) return true;
    // JSON has no infinities, so only finite values are stored; others are re-derived from the reports.
    if (attrs.count(RungKey(rung)) == 0 && std::isfinite(*value)) SetAttr(study, trial.id, RungKey(rung), *value);

    std::vector<double> rung_losses = {loss(*value)};
    for (const auto& other : trials) {
      if (other->number == trial.number || other->state == TrialState::kWaiting) continue;
      if (const auto v = RungValue(*other, other->system_attrs, rung, *rung_step)) rung_losses.push_back(loss(*v));
    }
    // Without pausing, a trial that may not go on yet has to stop: the first bootstrap_count arrivals
    // at a rung only set the bar for later ones.
    if (static_cast<int64_t>(rung_losses.size()) <= bootstrap_count_) return true;
    // Algorithm 2's get_job promotes the top floor(n / eta) of a rung; while that is zero we let the
    // best one so far through, since it cannot wait for the rung to fill.
    const auto n_promotable = std::max<size_t>(1, rung_losses.size() / static_cast<size_t>(reduction_factor_));
    std::nth_element(rung_losses.begin(), rung_losses.begin() + static_cast<std::ptrdiff_t>(n_promotable - 1),
                     rung_losses.end());
    if (loss(*value) > rung_losses[n_promotable - 1]) return true;
    SetAttr(study, trial.id, kPromotedKey, rung + 1);
    attrs[kPromotedKey] = rung + 1;
  }
}

}  // namespace hyperscout
