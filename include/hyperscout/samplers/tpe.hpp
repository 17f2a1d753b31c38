// tpe: the Tree-structured Parzen Estimator (Bergstra et al. 2011, "Algorithms for Hyper-Parameter Optimization";
// Watanabe 2023, "Tree-structured Parzen estimator: understanding its algorithm components", arXiv:2304.11127).
//
// Finished trials are split into a small "below" set (the best gamma(n)) and the "above" rest; each set becomes a
// Parzen estimator (l for below, g for above), and a trial takes the best of n_ei_candidates draws from l by
// l(x) / g(x), the TPE form of expected improvement (Watanabe 2023, eq. (2)).
//
//   auto sampler = std::make_shared<hyperscout::TpeSampler>(hyperscout::TpeOptions{}, /*seed=*/42);
//   auto study = hyperscout::CreateStudy({.study_name = "demo", .storage = storage, .sampler = sampler});
//   study->Optimize([](hyperscout::Trial& t) { double x = t.SuggestFloat("x", -5, 5); return x * x; },
//                   {.n_trials = 100});
//
// Behaviour, with the choices the paper discusses:
// - multivariate: the relative search space is modelled jointly (one kernel per trial across all its parameters),
//   which captures interactions that independent per-parameter models miss (section 3.4).
// - group: the relative space is split into groups of parameters that always occur together, so each branch of a
//   conditional space is modelled jointly (section 3.5). Parameters outside every group (e.g. first seen in this
//   trial) fall back to univariate TPE in SampleIndependent, and to random sampling only during startup.
// - constant_liar: RUNNING trials of other workers join the "above" set as if they had the worst value, so parallel
//   workers spread out instead of proposing the same point. A RUNNING trial that a later-asked trial has overtaken
//   is left out: it runs long or was never told, and as a permanent "worst" it would keep every later trial away.
// - Multi-objective studies rank COMPLETE trials by nondomination; see split.hpp for the tie-break.
// - PRUNED trials rank after every COMPLETE one, among themselves by the deepest reported step then by the value
//   there, as Optuna does; FAIL trials are ignored.
// - Each trial's random stream depends only on (seed, trial number, parameter or group name).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hyperscout/samplers/random.hpp"
#include "hyperscout/samplers/sampler.hpp"

namespace hyperscout {

struct TpeOptions {
  int64_t n_startup_trials = 10;  // finished trials sampled at random before the model takes over
  int64_t n_ei_candidates = 24;   // draws from l(x) compared by l(x) / g(x)
  bool multivariate = true;
  bool group = true;  // only meaningful with multivariate
  bool constant_liar = true;
  bool consider_prior = true;
  double prior_weight = 1.0;
  bool consider_magic_clip = true;
  bool consider_endpoints = false;
  // Size of the "below" set out of n finished trials: ceil(gamma * n), capped at gamma_cap (0 = no cap) for
  // single-objective studies; multi-objective studies use ceil(gamma * n) uncapped, as Optuna does.
  double gamma = 0.1;
  int64_t gamma_cap = 25;
  // Bandwidth rule for multivariate kernels: "neighbor" (per-dimension neighbour gaps, Optuna's rule) or "scott".
  std::string bandwidth = "neighbor";
  // Optional overrides, C++ only. gamma_fn(n) -> number of below trials; weights_fn(n) -> n weights for
  // observations in trial-number order.
  std::function<int64_t(int64_t)> gamma_fn;
  std::function<std::vector<double>(int64_t)> weights_fn;
};

class TpeSampler final : public Sampler {
 public:
  // Throws InvalidArgumentError for out-of-range options.
  explicit TpeSampler(TpeOptions options = {}, std::optional<uint64_t> seed = std::nullopt);
  ~TpeSampler() override;

  SearchSpace InferRelativeSearchSpace(const Study& study, const FrozenTrial& trial) override;
  std::map<std::string, double> SampleRelative(const Study& study, const FrozenTrial& trial,
                                               const SearchSpace& space) override;
  double SampleIndependent(const Study& study, const FrozenTrial& trial, const std::string& name,
                           const Distribution& distribution) override;
  void Reseed(uint64_t seed) override;
  std::string Name() const override { return "tpe"; }

  const TpeOptions& options() const { return options_; }

 private:
  struct State;

  TpeOptions options_;
  uint64_t seed_;
  RandomSampler random_;
  std::unique_ptr<State> state_;
};

}  // namespace hyperscout
