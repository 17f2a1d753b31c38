// threshold: prunes a trial as soon as its latest intermediate value leaves [lower, upper] or is NaN.
// The bounds are absolute values, independent of the study's direction: use it to stop diverging runs
// (a loss above 1e3, an accuracy below chance). Stateless.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "hyperscout/pruners/pruner.hpp"

namespace hyperscout {

class ThresholdPruner final : public Pruner {
 public:
  // At least one bound is required and lower <= upper. Warm-up and interval work as in PercentilePruner.
  ThresholdPruner(std::optional<double> lower, std::optional<double> upper, int64_t n_warmup_steps = 0,
                  int64_t interval_steps = 1);

  bool Prune(const Study& study, const FrozenTrial& trial) override;
  std::string Name() const override { return "threshold"; }

 private:
  std::optional<double> lower_;
  std::optional<double> upper_;
  int64_t n_warmup_steps_;
  int64_t interval_steps_;
};

}  // namespace hyperscout
