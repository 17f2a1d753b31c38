// median: the percentile rule at 50 — prune a trial whose best value so far is worse than the median of
// what other finished trials reported at the same step. The usual first choice: cheap, robust, no tuning.
#pragma once

#include <cstdint>
#include <string>

#include "hyperscout/pruners/percentile.hpp"

namespace hyperscout {

class MedianPruner final : public PercentilePruner {
 public:
  explicit MedianPruner(int64_t n_startup_trials = 5, int64_t n_warmup_steps = 0, int64_t interval_steps = 1,
                        int64_t n_min_trials = 1)
      : PercentilePruner("median", 50.0, n_startup_trials, n_warmup_steps, interval_steps, n_min_trials) {}

  std::string Name() const override { return "median"; }
};

}  // namespace hyperscout
