// auto: the default sampler. It picks GP, TPE or CMA-ES for each trial from what the study looks like, the way
// the literature and the side-by-side harness (bench/compare/) say each one is best, and hands the trial to it.
//
//   auto sampler = std::make_shared<hyperscout::AutoSampler>(hyperscout::AutoOptions{}, /*seed=*/42);
//   auto study = hyperscout::CreateStudy({.study_name = "demo", .storage = storage, .sampler = sampler});
//   study->Optimize([](hyperscout::Trial& t) {
//     const double lr = t.SuggestFloat("lr", 1e-5, 1e-1, /*log=*/true);
//     const int64_t layers = t.SuggestInt("layers", 1, 4);
//     return Train(lr, layers);
//   }, {.n_trials = 100});
//
// The rule, evaluated before each trial from the study's finished (COMPLETE and PRUNED) trials:
//   1. several objectives                                   -> tpe (multi-objective TPE, nondomination split)
//   2. a conditional space (some parameter is missing from some finished trials), or more than half of the
//      parameters categorical                               -> tpe (its group decomposition models each branch;
//      GP and CMA-ES see only the parameters every trial shares)
//   3. fewer than `gp_max_trials` finished trials (default 200) -> gp (most sample-efficient at small budgets:
//      Snoek et al. 2012; Turner et al. 2021, the NeurIPS 2020 black-box optimisation challenge)
//   4. past that, a numeric space of two or more dimensions without constraints -> cmaes, warm-started from the
//      best of this study's own trials (WS-CMA-ES, Nomura et al. 2021): cheap per trial and strong at budgets of
//      100·D and more (Loshchilov & Hutter 2016; Hansen et al. 2010 on BBOB)
//   5. otherwise                                            -> tpe
// Before the first trial finishes nothing is known, so rule 3 applies: GP's own quasi-random start-up.
// Each trial records the sampler that proposed it in system attr "auto:sampler". The rule is a pure function of
// the finished trials, so workers sharing a storage agree without coordination. A delegate's own state (the GP's
// last hyperparameters, CMA-ES's generations in the sampler-state table) carries over between its trials.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hyperscout/samplers/sampler.hpp"

namespace hyperscout {

struct AutoOptions {
  int64_t gp_max_trials = 200;         // finished trials after which a numeric space moves from GP to CMA-ES
  double max_categorical_share = 0.5;  // a larger share of categorical parameters selects TPE
  std::string gp_kernel = "matern52";  // the GP delegate's kernel (GpOptions::kernel)
  double gp_stall_share = 0.0;         // the GP delegate's stall_share (GpOptions::stall_share)
};

enum class AutoChoice { kGp, kTpe, kCmaEs };

// The rule above, on a summary of the finished trials. Exposed for tests and docs.
struct AutoSpaceSummary {
  int64_t n_finished = 0;
  bool multi_objective = false;
  bool conditional = false;      // some parameter is missing from some finished trial
  int64_t n_params = 0;          // distinct parameters seen
  int64_t n_categorical = 0;     // of which categorical
  bool has_constraints = false;  // some finished trial reported constraints (FrozenTrial::Constraints)
};
AutoChoice ChooseSampler(const AutoSpaceSummary& summary, const AutoOptions& options);
std::string ToString(AutoChoice choice);

class AutoSampler final : public Sampler {
 public:
  // Throws InvalidArgumentError for out-of-range options.
  explicit AutoSampler(AutoOptions options = {}, std::optional<uint64_t> seed = std::nullopt);
  ~AutoSampler() override;

  SearchSpace InferRelativeSearchSpace(const Study& study, const FrozenTrial& trial) override;
  std::map<std::string, double> SampleRelative(const Study& study, const FrozenTrial& trial,
                                               const SearchSpace& space) override;
  double SampleIndependent(const Study& study, const FrozenTrial& trial, const std::string& name,
                           const Distribution& distribution) override;
  void BeforeTrial(Study& study, const FrozenTrial& trial) override;
  void AfterTrial(Study& study, const FrozenTrial& trial, TrialState state, const std::vector<double>& values) override;
  void Reseed(uint64_t seed) override;
  std::string Name() const override { return "auto"; }

  const AutoOptions& options() const { return options_; }

 private:
  struct State;

  Sampler& Delegate(const Study& study, AutoChoice choice);
  Sampler& For(const Study& study, const FrozenTrial& trial);

  AutoOptions options_;
  uint64_t seed_;
  std::unique_ptr<State> state_;
};

}  // namespace hyperscout
