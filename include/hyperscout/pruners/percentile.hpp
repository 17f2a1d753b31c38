// percentile: prunes a trial whose best intermediate value so far is worse than the given percentile of
// the values other finished (COMPLETE or PRUNED) trials reported at the same step. Stateless: every
// decision is a pure function of the study's history, so any number of threads and workers agree.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hyperscout/pruners/pruner.hpp"

namespace hyperscout {

class PercentilePruner : public Pruner {
 public:
  // percentile in [0, 100]: 25 keeps trials in the best quarter at each step, 50 is the median rule.
  // Pruning starts once `n_startup_trials` trials are COMPLETE; a trial is never pruned before step
  // `n_warmup_steps`; after that it is checked at the first report of every `interval_steps` steps; and
  // a step is only judged when at least `n_min_trials` other trials reported a value there.
  // Throws InvalidArgumentError for values out of range.
  explicit PercentilePruner(double percentile, int64_t n_startup_trials = 5, int64_t n_warmup_steps = 0,
                            int64_t interval_steps = 1, int64_t n_min_trials = 1);

  bool Prune(const Study& study, const FrozenTrial& trial) override;
  std::string Name() const override { return "percentile"; }

  double percentile() const { return percentile_; }

 protected:
  // Lets MedianPruner name itself in validation messages.
  PercentilePruner(const std::string& name, double percentile, int64_t n_startup_trials, int64_t n_warmup_steps,
                   int64_t interval_steps, int64_t n_min_trials);

 private:
  double percentile_;
  int64_t n_startup_trials_;
  int64_t n_warmup_steps_;
  int64_t interval_steps_;
  int64_t n_min_trials_;
};

// Linear-interpolation percentile of `values` (Hyndman & Fan 1996, definition 7, numpy's default),
// NaN entries ignored; NaN when nothing is left or infinities of both signs make it undefined.
double PercentileOf(std::vector<double> values, double percentile);

}  // namespace hyperscout
