// patient: early stopping on a trial's own curve. A trial is pruned when its last `patience` + 1 reports
// did not improve on the best value reported before them by more than `min_delta`, and, when a wrapped
// pruner is given, that pruner also says prune (so "stalled AND below the median" can be expressed).
// Holds no state of its own; thread safety is that of the wrapped pruner.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "hyperscout/pruners/pruner.hpp"

namespace hyperscout {

class PatientPruner final : public Pruner {
 public:
  // `wrapped` may be null (prune on stalling alone). Throws InvalidArgumentError when patience < 0 or
  // min_delta is negative or not finite.
  PatientPruner(std::shared_ptr<Pruner> wrapped, int64_t patience, double min_delta = 0.0);

  bool Prune(const Study& study, const FrozenTrial& trial) override;
  std::string Name() const override { return "patient"; }

 private:
  std::shared_ptr<Pruner> wrapped_;
  int64_t patience_;
  double min_delta_;
};

}  // namespace hyperscout
