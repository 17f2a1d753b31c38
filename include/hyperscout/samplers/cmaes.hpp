// cmaes: the Covariance Matrix Adaptation Evolution Strategy (Hansen 2016, "The CMA Evolution Strategy: A Tutorial",
// arXiv:1604.00772) as a sampler, with restarts, margin for discrete dimensions, a separable variant and warm start.
//
//   hyperscout::CmaEsOptions options;
//   options.restart_strategy = "ipop";
//   auto sampler = std::make_shared<hyperscout::CmaEsSampler>(options, /*seed=*/42);
//   auto study = hyperscout::CreateStudy({.study_name = "demo", .storage = storage, .sampler = sampler});
//   study->Optimize([](hyperscout::Trial& t) {
//     const double x = t.SuggestFloat("x", -5, 5);
//     const int64_t k = t.SuggestInt("k", 0, 10);
//     return x * x + (k - 3) * (k - 3);
//   }, {.n_trials = 200});
//
// Behaviour:
// - Search space: the float and int parameters present with one distribution in every finished trial (the
//   intersection space), mapped onto the unit cube on each distribution's own scale (log for log parameters). CMA-ES
//   samples that cube; categorical parameters, parameters outside the space, trials before n_startup_trials and
//   multi-objective studies use the independent sampler ("tpe" by default: univariate TPE, random for its first
//   trials; or "random"), never a warning.
// - Generations and workers: each trial is one candidate of one generation and carries the system attr
//   "cmaes:slot" = {"space", "restart", "generation", "index", "attempt"}. Candidate `index` of a generation is drawn
//   from an RNG seeded by (seed, space, restart, generation, index, attempt), so any worker draws the same candidate
//   for the same slot. When every index 0..popsize-1 has a finished trial (COMPLETE, or PRUNED with a value; FAIL
//   frees the slot for a new attempt), the worker that notices computes the next generation — a pure function of the
//   stored state and those trials, taking per index the earliest-finished one — and writes it to storage's
//   sampler-state table under "cmaes:<space>:<restart>". Workers that notice together write identical states, so
//   several processes drive one CMA-ES through a shared storage without locks. When every index is taken by a
//   running trial, a new trial doubles up on the index with the fewest trials (a fresh attempt).
// - The update uses each trial's actual parameter values: a candidate replaced by an enqueued value, or rounded
//   onto an integer grid, counts where it was evaluated (for grids: the unrounded candidate when it rounds to the
//   evaluated value, as CMA-ES with Margin prescribes).
// - margin (Hamano et al. 2022, GECCO): int and stepped-float dimensions keep a probability of at least
//   1 / (n * popsize) of leaving the mean's grid cell, so the search does not freeze on one integer.
// - use_separable_cma (Ros & Hansen 2008): diagonal covariance, O(n) per candidate; for many parameters.
// - lr_adapt (Nomura, Akimoto, Ono 2023, GECCO, arXiv:2304.03473): learning rates of the mean and covariance updates
//   adapted to keep the updates' signal-to-noise ratio constant, so the default population handles multimodal and
//   noisy objectives; reset at every restart; full covariance only (not with use_separable_cma).
// - restart_strategy "ipop" (Auger & Hansen 2005) or "bipop" (Hansen 2009): a run that meets a stopping criterion
//   (tolfun, tolx, noeffectaxis, noeffectcoord, conditioncov, stagnation, flatfitness) is followed by a run from a
//   random mean with a larger (or, for BIPOP's small regime, varied) population. "none" keeps one run going.
// - Warm start: x0 (parameter name -> external value) and sigma0 (on the unit cube, default 1/6) set the first
//   run's distribution; source_trials (or the registry option warm_start_study, read through the study's storage at
//   the first ask) fit it to the best 10% of another study's trials instead (WS-CMA-ES, Nomura et al. 2021, AAAI).
// - Maximization negates values; PRUNED trials count with their stored (last intermediate) value, unless
//   consider_pruned_trials is false (then they are redrawn, as FAIL ones are).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hyperscout/core/distribution.hpp"
#include "hyperscout/core/frozen_trial.hpp"
#include "hyperscout/samplers/sampler.hpp"

namespace hyperscout {

struct CmaEsOptions {
  std::map<std::string, ParamValue> x0;   // initial mean by parameter (external values); missing: the range's centre
  std::optional<double> sigma0;           // initial step size on the unit cube; default 1/6
  int64_t n_startup_trials = 1;           // finished trials sampled independently before CMA-ES starts
  int64_t popsize = 0;                    // 0: 4 + floor(3 ln n)
  std::string restart_strategy = "ipop";  // "none", "ipop" or "bipop"
  double inc_popsize = 2.0;               // population growth per (large) restart
  bool use_separable_cma = false;
  bool with_margin = true;  // margin for int and stepped-float dimensions
  bool lr_adapt = false;    // learning-rate adaptation (LRA-CMA-ES); not with use_separable_cma
  // PRUNED trials count with their last reported value; false leaves them out, and their candidates are drawn again
  // (Optuna's default).
  bool consider_pruned_trials = true;
  // Warm start: trials of a similar study (same parameter names; values in the same direction as this study).
  std::vector<FrozenTrial> source_trials;
  // Or the name of a study in this study's storage whose trials are the source (read at the first ask; a name that
  // is not there fails that ask).
  std::string warm_start_study;
  // A warm start whose source has no trial that fits the space (COMPLETE, with a value and every parameter inside its
  // range) fails the first ask, as Optuna's "No compatible source_trials" does; true starts cold instead (auto's
  // hand-over from its GP, whose own trials may predate a parameter).
  bool warm_start_optional = false;
  std::string independent_sampler = "tpe";  // "tpe" or "random"
};

class CmaEsSampler final : public Sampler {
 public:
  // Throws InvalidArgumentError for out-of-range options.
  explicit CmaEsSampler(CmaEsOptions options = {}, std::optional<uint64_t> seed = std::nullopt);
  ~CmaEsSampler() override;

  SearchSpace InferRelativeSearchSpace(const Study& study, const FrozenTrial& trial) override;
  std::map<std::string, double> SampleRelative(const Study& study, const FrozenTrial& trial,
                                               const SearchSpace& space) override;
  double SampleIndependent(const Study& study, const FrozenTrial& trial, const std::string& name,
                           const Distribution& distribution) override;
  void Reseed(uint64_t seed) override;
  std::string Name() const override { return "cmaes"; }

  const CmaEsOptions& options() const { return options_; }

 private:
  struct State;

  CmaEsOptions options_;
  uint64_t seed_;
  std::unique_ptr<Sampler> independent_;
  std::unique_ptr<State> state_;
};

}  // namespace hyperscout
