// Pruner: decides whether a RUNNING trial should stop early, from the intermediate values it and
// other trials reported (Trial::Report). Trial::ShouldPrune calls Prune with the worker's own view of the
// trial (its params and reports; attributes written by other processes may be missing — read them through
// study.TrialsSnapshot() when a pruner keeps bookkeeping in storage); the pruner reads the other trials
// through the study. Pruners never sample and samplers
// never prune. Pruners must be safe to call from several threads at once (they are stateless over
// storage, or lock their own state). Multi-objective studies cannot be pruned: Prune is not called.
#pragma once

#include <string>

#include "hyperscout/core/frozen_trial.hpp"

namespace hyperscout {

class Study;

class Pruner {
 public:
  virtual ~Pruner() = default;
  virtual bool Prune(const Study& study, const FrozenTrial& trial) = 0;
  virtual std::string Name() const = 0;
};

// Never prunes.
class NopPruner final : public Pruner {
 public:
  bool Prune(const Study& /*study*/, const FrozenTrial& /*trial*/) override { return false; }
  std::string Name() const override { return "none"; }
};

}  // namespace hyperscout
