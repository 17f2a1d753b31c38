// asha: asynchronous successive halving (Li et al. 2020, "A System for Massively Parallel Hyperparameter
// Tuning", MLSys; Algorithm 2). Rung k ends at step r * eta^(s + k) (r = min_resource, eta =
// reduction_factor, s = min_early_stopping_rate). When a trial reaches the end of a rung it is compared
// with every other trial that reached the same rung: it goes on when it ranks in the best 1/eta of them
// (the best one while fewer than eta have arrived), otherwise it is pruned, since trials cannot be
// paused and resumed later.
//
// Bookkeeping lives in the trial's system attributes so every worker sharing the storage agrees:
// "asha:rung_<k>" is the value the trial had at rung k (its first report at or after the rung's step)
// and "asha:promoted" counts the rungs it was promoted out of. A promotion is final: asking again
// later, with more competitors, never revisits it. With min_resource "auto" the first estimate,
// max(1, last step of the longest COMPLETE trial / 100), is kept in the study system attribute
// "asha:min_resource".
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "hyperscout/pruners/pruner.hpp"

namespace hyperscout {

class SuccessiveHalvingPruner final : public Pruner {
 public:
  // min_resource: nullopt = "auto". Throws InvalidArgumentError when min_resource < 1,
  // reduction_factor < 2, min_early_stopping_rate < 0, bootstrap_count < 0, or bootstrap_count > 0
  // with an automatic min_resource (the bootstrap would depend on when the estimate happens).
  explicit SuccessiveHalvingPruner(std::optional<int64_t> min_resource = std::nullopt, int64_t reduction_factor = 4,
                                   int64_t min_early_stopping_rate = 0, int64_t bootstrap_count = 0);

  bool Prune(const Study& study, const FrozenTrial& trial) override;
  std::string Name() const override { return "asha"; }

  // The step at which rung `rung` ends for a given min_resource; nullopt past int64 range.
  std::optional<int64_t> RungStep(int64_t min_resource, int64_t rung) const;

 private:
  std::optional<int64_t> MinResource(const Study& study, const std::vector<std::shared_ptr<const FrozenTrial>>& trials);

  std::optional<int64_t> min_resource_;
  int64_t reduction_factor_;
  int64_t min_early_stopping_rate_;
  int64_t bootstrap_count_;

  std::mutex mutex_;  // guards estimated_min_resource_
  std::optional<int64_t> estimated_min_resource_;
};

}  // namespace hyperscout
