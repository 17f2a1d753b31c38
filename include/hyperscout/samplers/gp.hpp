// gp: Bayesian optimization with a Gaussian-process model and log expected improvement.
//
//   auto sampler = std::make_shared<hyperscout::GpSampler>(hyperscout::GpOptions{}, /*seed=*/42);
//   auto study = hyperscout::CreateStudy({.study_name = "demo", .storage = storage, .sampler = sampler});
//   study->Optimize(
//       [](hyperscout::Trial& t) {
//         const double x = t.SuggestFloat("x", -5, 5);
//         const int64_t n = t.SuggestInt("n", 1, 8);
//         t.SetConstraints({x - 2.0});  // optional: feasible when every value is <= 0
//         return (x - 3) * (x - 3) + static_cast<double>(n);
//       },
//       {.n_trials = 60});
//
// What each suggestion does (src/samplers/gp/ holds one file per step):
// - Space: the parameters every COMPLETE trial has with one distribution (the intersection space), mapped to the
//   unit cube by math::ToUnit (log and stepped scales, integers as cell centres); categoricals keep their choice
//   index. Parameters outside it (conditional branches) come from an internal TPE sampler's univariate model, not
//   from uniform noise. Single-value parameters are left out.
// - Startup: until n_startup_trials trials are COMPLETE, trials come from scrambled Sobol points (the qmc sampler);
//   when the categoricals have at most n_startup_trials joint choices, each start-up trial takes one the study has
//   used least, so every combination is seen before the model takes over.
// - Outputs: minimization internally (maximize flips the sign); far-out bad values are compressed above Tukey's
//   fence, then standardized (gp.hpp).
// - Model: exact GP, Matérn-5/2 (kernel = "matern32": Matérn-3/2; "auto": at each full fit the one of higher log
//   posterior) with one length-scale per dimension plus a Hamming term per categorical (kernel.hpp);
//   length-scales, signal and noise variance by maximum a posteriori with a dimension-scaled log-normal length-scale
//   prior (Hvarfner et al. 2024) and a horseshoe noise prior (Snoek et al. 2012), so a deterministic objective is
//   interpolated and a noisy one smoothed as its data show, by L-BFGS-B: a full fit from the previous trial's estimate,
//   the prior's mode and n_restarts prior draws up to 100 observations; above that one iteration from the previous
//   estimate, and about every 20% more observations (or with no previous estimate) the fresh starts on a random subset
//   of 100 observations, refined on all of them (prior.hpp, gp_sampler.cpp). deterministic_objective fixes the noise
//   at 1e-6. Input warping passes each numerical coordinate through a Kumaraswamy CDF whose two shapes are fitted
//   with the rest (kernel.hpp), so the model can stretch one end of a range. With input_warping = "auto" (the
//   default) each full fit fits the plain and the warped kernel and keeps the warped one only when its log posterior
//   is higher by more than ½ log n per extra hyperparameter (BIC, prior.hpp); "on" always warps, "off" never.
// - Acquisition: log expected improvement over the best posterior mean at a (feasible) observed point, computed
//   stably far into the tails (Ament et al. 2023), plus the log probability of feasibility when trials report
//   constraints (Gardner et al. 2014); with no feasible trial yet, the probability of feasibility alone.
//   Maximized over n_candidates Sobol points and perturbations of the best trials, then L-BFGS-B over continuous
//   coordinates alternating with a neighbour search over integer, stepped and categorical ones
//   (optimize_acquisition.hpp). One Cholesky factor serves every acquisition evaluation.
//   replicate_penalty multiplies EI by 1 − σ_n / √(s² + σ_n²) (augmented EI, Huang et al. 2006) so a noisy study
//   stops re-measuring the point its posterior mean favours (acquisition.hpp); off by default.
// - Boundary probe (boundary_probe = k > 0): trial number n_startup_trials + j·k − 1 (j = 1, 2, ...), when the best
//   feasible COMPLETE trial has a numeric parameter on a bound of its range, is that trial with one such parameter
//   (chosen at random) redrawn uniformly, instead of the acquisition's choice; a GP that models a trend extrapolates
//   it to the bound and its EI never looks back inside (gp_sampler.cpp, BoundaryProbe). k = 10 by default; 0 turns
//   the probes off.
// - Stall share (stall_share = p > 0, off by default): while the best feasible value has not improved for
//   max(20, n / 4) of the n COMPLETE trials and no other trial is running, the trial is a Sobol point with
//   probability p instead of the acquisition's choice (SMAC's interleaved random configurations, but only after a
//   stall). It helps where EI keeps returning to a plateau of equal values (gp_sampler.cpp).
// - No repeats: when some parameter is discrete, a configuration some other trial of the study has (finished,
//   running, pruned or failed) is never proposed again while the candidates hold another: the acquisition's local
//   searches start from new candidates only and never step onto a taken point, and a start-up point that collides
//   is redrawn. Once a small discrete space is exhausted, repeats are allowed.
// - Pending trials: RUNNING trials of other workers (and of earlier asks without a tell) join the model as
//   fantasies valued max(posterior mean, mean observed value): the constant liar "CL-mean" of Ginsbourger, Le Riche
//   and Carraro 2010 ("Kriging is well-suited to parallelize optimization"), never more optimistic than the model.
//   Hyperparameters are not refitted. The mean and variance near a pending point rise and fall, so a batch of asks
//   spreads out (a liar at the incumbent value left eight asks within 0.03 of each other on a 2-D quadratic). A
//   pending trial that a later-asked trial has overtaken (finished before it) is not part of the batch being asked:
//   it runs long, or it was asked and never told and would stay RUNNING for ever. It gets the posterior mean instead
//   (the "kriging believer" of the same paper), which leaves the model's picture of its region as it was. That lie
//   barely spreads asks (a batch of eight lied to that way landed within 1e-3 of each other on a 2-D quadratic), so a
//   new ask may land next to such a trial: a repeat at worst, where the CL-mean lie of an untold trial near the
//   optimum kept the GP away from it for good.
// - Constraints: Trial::SetConstraints stores floats in system attr "constraints"; the sampler fits one GP per
//   constraint on the COMPLETE trials that have them.
// - Several objectives: the GP model is single-objective; multi-objective studies are sampled by the internal TPE
//   sampler (its multi-objective split), documented in docs/samplers.md.
// - Reproducibility: candidates and prior draws come from (seed, trial number). The warm start from the previous fit
//   is state of this sampler object (per study), so a sequential run with a fixed seed repeats exactly with a fresh
//   sampler; a study resumed by another process may take slightly different (equally valid) hyperparameters.
// - Cost: O(n³) for the fit and O(n²) per acquisition evaluation for n COMPLETE trials; bench/README.md has figures.
//   Memory: the sampler keeps each study's last models between trials (so their buffers are reused, not allocated
//   at every ask), four n × n matrices per model: about 1.3 MB at n = 200 and 32 MB at n = 1,000, plus the same
//   again for the fantasy model once trials run in parallel and for each constraint model.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "hyperscout/samplers/qmc.hpp"
#include "hyperscout/samplers/sampler.hpp"
#include "hyperscout/samplers/tpe.hpp"

namespace hyperscout {

struct GpOptions {
  int64_t n_startup_trials = 10;         // COMPLETE trials from Sobol points before the GP takes over
  bool deterministic_objective = false;  // fix the noise variance at 1e-6 instead of fitting it
  int64_t n_restarts = 1;                // extra hyperparameter starts from the prior at each full fit (prior.hpp)
  int64_t n_candidates = 512;            // quasi-random points scoring the acquisition before local search
  int64_t n_local_search = 5;            // best candidates refined by local search
  bool replicate_penalty = false;  // multiply EI by 1 − σ_n / √(s² + σ_n²) (augmented EI, Huang et al. 2006)
  int64_t boundary_probe = 10;     // every this many trials after the start-up, probe a bound of the best trial
  std::string input_warping = "auto";  // auto, on or off: warp numerical inputs by fitted Kumaraswamy CDFs
  std::string kernel = "matern52";     // matern52, matern32 or auto: the Matérn smoothness (kernel.hpp)
  double stall_share = 0.0;            // after a stall with no other trial running, a Sobol point with this probability
};

class GpSampler final : public Sampler {
 public:
  // Throws InvalidArgumentError for out-of-range options.
  explicit GpSampler(GpOptions options = {}, std::optional<uint64_t> seed = std::nullopt);
  ~GpSampler() override;

  SearchSpace InferRelativeSearchSpace(const Study& study, const FrozenTrial& trial) override;
  std::map<std::string, double> SampleRelative(const Study& study, const FrozenTrial& trial,
                                               const SearchSpace& space) override;
  double SampleIndependent(const Study& study, const FrozenTrial& trial, const std::string& name,
                           const Distribution& distribution) override;
  void Reseed(uint64_t seed) override;
  std::string Name() const override { return "gp"; }

  const GpOptions& options() const { return options_; }

 private:
  struct State;

  GpOptions options_;
  uint64_t seed_;
  QmcSampler startup_;
  TpeSampler fallback_;
  std::unique_ptr<State> state_;
};

}  // namespace hyperscout
