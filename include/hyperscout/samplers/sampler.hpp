// Sampler: decides the parameter values of new trials.
//
// LIFECYCLE OF ONE TRIAL (Study::Ask, then the objective's Suggest* calls, then Study::Tell):
//
// 1. The study creates (or claims an enqueued) trial and calls BeforeTrial(study, trial).
// 2. It calls InferRelativeSearchSpace(study, trial) and then SampleRelative(study, trial, space):
//    the sampler returns internal values for parameters it wants to choose jointly (e.g. multivariate
//    TPE, CMA-ES, GP). Relative sampling happens once per trial, before the objective runs.
// 3. Each Suggest*(name, distribution) in the objective takes, in order: the value already set for
//    this trial, an enqueued (fixed) value, the relative value when the distribution matches the one
//    in `space`, and otherwise SampleIndependent(study, trial, name, distribution) — the fallback for
//    parameters outside the relative space (conditional ones, or the first trials).
// 4. When the trial finishes the study calls AfterTrial(study, trial, state, values) before the state
//    is written to storage. An exception from AfterTrial reaches Tell's caller after the state is written.
//
// History comes from Study (GetTrials / TrialsSnapshot), which reads storage through an incremental
// cache; RUNNING trials are included, so parallel workers see pending points. A sampler keeps no
// state that another process would need, except through storage's sampler-state table.
//
// Reproducibility: a sampler with a fixed seed derives each trial's random stream from (seed, trial
// number, parameter name), never from call order, so sequential runs repeat exactly.
//
// Thread safety: the study serializes calls to one sampler instance, so implementations need no locks.
// All values crossing this interface are internal values (see distribution.hpp).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "hyperscout/core/distribution.hpp"
#include "hyperscout/core/frozen_trial.hpp"

namespace hyperscout {

class Study;

class Sampler {
 public:
  virtual ~Sampler() = default;

  virtual SearchSpace InferRelativeSearchSpace(const Study& /*study*/, const FrozenTrial& /*trial*/) { return {}; }
  virtual std::map<std::string, double> SampleRelative(const Study& /*study*/, const FrozenTrial& /*trial*/,
                                                       const SearchSpace& /*space*/) {
    return {};
  }
  virtual double SampleIndependent(const Study& study, const FrozenTrial& trial, const std::string& name,
                                   const Distribution& distribution) = 0;
  virtual void BeforeTrial(Study& /*study*/, const FrozenTrial& /*trial*/) {}
  virtual void AfterTrial(Study& /*study*/, const FrozenTrial& /*trial*/, TrialState /*state*/,
                          const std::vector<double>& /*values*/) {}
  virtual void Reseed(uint64_t seed) = 0;
  // The registry name ("random", "tpe", ...), used in logs and study attributes.
  virtual std::string Name() const = 0;
};

// Draws a seed from the operating system for samplers constructed without one.
uint64_t RandomSeed();

}  // namespace hyperscout
