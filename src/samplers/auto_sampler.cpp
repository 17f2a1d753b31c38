#include <fmt/format.h>

#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>

#include "hyperscout/common/error.hpp"
#include "hyperscout/common/rng.hpp"
#include "hyperscout/core/study.hpp"
#include "hyperscout/registry.hpp"
#include "hyperscout/samplers/auto.hpp"
#include "hyperscout/samplers/cmaes.hpp"

namespace hyperscout {

AutoChoice ChooseSampler(const AutoSpaceSummary& summary, const AutoOptions& options) {
  if (summary.multi_objective) return AutoChoice::kTpe;
  if (summary.conditional) return AutoChoice::kTpe;
  if (summary.n_params > 0 && static_cast<double>(summary.n_categorical) >
                                  options.max_categorical_share * static_cast<double>(summary.n_params)) {
    return AutoChoice::kTpe;
  }
  if (summary.n_finished < options.gp_max_trials) return AutoChoice::kGp;
  if (!summary.has_constraints && summary.n_params - summary.n_categorical >= 2) return AutoChoice::kCmaEs;
  return AutoChoice::kTpe;
}

std::string ToString(AutoChoice choice) {
  switch (choice) {
    case AutoChoice::kGp:
      return "gp";
    case AutoChoice::kTpe:
      return "tpe";
    case AutoChoice::kCmaEs:
      return "cmaes";
  }
  return "tpe";
}

struct AutoSampler::State {
  // What the finished trials seen so far look like; trials are folded in once each (finished trials never change).
  std::unordered_set<int64_t> seen;
  std::map<std::string, int64_t> param_counts;
  std::unordered_set<std::string> categorical;
  bool has_constraints = false;
  int64_t n_finished = 0;

  std::map<AutoChoice, std::shared_ptr<Sampler>> delegates;
  std::unordered_map<int64_t, AutoChoice> by_trial;  // trial id -> the delegate that owns it

  AutoSpaceSummary Summarize(const Study& study) {
    for (const auto& trial : study.TrialsSnapshot({TrialState::kComplete, TrialState::kPruned})) {
      if (!seen.insert(trial->id).second) continue;
      ++n_finished;
      for (const auto& [name, distribution] : trial->distributions) {
        ++param_counts[name];
        if (std::holds_alternative<CategoricalDistribution>(distribution)) categorical.insert(name);
      }
      if (!has_constraints && !trial->Constraints().empty()) has_constraints = true;
    }
    AutoSpaceSummary summary;
    summary.n_finished = n_finished;
    summary.multi_objective = study.IsMultiObjective();
    summary.n_params = static_cast<int64_t>(param_counts.size());
    summary.n_categorical = static_cast<int64_t>(categorical.size());
    summary.has_constraints = has_constraints;
    for (const auto& [name, count] : param_counts) {
      if (count < n_finished) summary.conditional = true;
    }
    return summary;
  }
};

AutoSampler::AutoSampler(AutoOptions options, std::optional<uint64_t> seed)
    : options_(std::move(options)), seed_(seed ? *seed : RandomSeed()), state_(std::make_unique<State>()) {
  if (options_.gp_max_trials < 0) {
    throw InvalidArgumentError(
        fmt::format("auto: gp_max_trials must be >= 0 (0 skips GP), got {}", options_.gp_max_trials));
  }
  if (!(options_.max_categorical_share >= 0.0 && options_.max_categorical_share <= 1.0)) {
    throw InvalidArgumentError(
        fmt::format("auto: max_categorical_share must be in [0, 1], got {}", options_.max_categorical_share));
  }
  // The GP delegate is built at the first GP trial; its own option check runs now, so a bad option fails here.
  try {
    MakeSampler("gp", 0, {{"kernel", options_.gp_kernel}});
  } catch (const InvalidArgumentError& e) {
    throw InvalidArgumentError(fmt::format("auto: gp_kernel: {}", e.what()));
  }
  try {
    MakeSampler("gp", 0, {{"stall_share", options_.gp_stall_share}});
  } catch (const InvalidArgumentError& e) {
    throw InvalidArgumentError(fmt::format("auto: gp_stall_share: {}", e.what()));
  }
}

AutoSampler::~AutoSampler() = default;

Sampler& AutoSampler::Delegate(const Study& study, AutoChoice choice) {
  auto& slot = state_->delegates[choice];
  if (!slot) {
    const uint64_t seed = MixSeed(seed_, StableHash(ToString(choice)));
    if (choice == AutoChoice::kCmaEs) {
      // Warm start from this study's own trials so far: CMA-ES begins where GP left off instead of from the centre.
      CmaEsOptions cma;
      cma.warm_start_optional = true;
      for (const auto& trial : study.TrialsSnapshot({TrialState::kComplete})) cma.source_trials.push_back(*trial);
      slot = std::make_shared<CmaEsSampler>(std::move(cma), seed);
    } else if (choice == AutoChoice::kGp) {
      slot = MakeSampler("gp", seed, {{"kernel", options_.gp_kernel}, {"stall_share", options_.gp_stall_share}});
    } else {
      slot = MakeSampler(ToString(choice), seed);
    }
  }
  return *slot;
}

Sampler& AutoSampler::For(const Study& study, const FrozenTrial& trial) {
  const auto it = state_->by_trial.find(trial.id);
  // A trial this instance did not start (e.g. told by another process's sampler) goes to today's choice.
  const AutoChoice choice =
      it != state_->by_trial.end() ? it->second : ChooseSampler(state_->Summarize(study), options_);
  return Delegate(study, choice);
}

void AutoSampler::BeforeTrial(Study& study, const FrozenTrial& trial) {
  const AutoChoice choice = ChooseSampler(state_->Summarize(study), options_);
  state_->by_trial[trial.id] = choice;
  study.storage().SetTrialSystemAttr(trial.id, "auto:sampler", ToString(choice));
  Delegate(study, choice).BeforeTrial(study, trial);
}

SearchSpace AutoSampler::InferRelativeSearchSpace(const Study& study, const FrozenTrial& trial) {
  return For(study, trial).InferRelativeSearchSpace(study, trial);
}

std::map<std::string, double> AutoSampler::SampleRelative(const Study& study, const FrozenTrial& trial,
                                                          const SearchSpace& space) {
  return For(study, trial).SampleRelative(study, trial, space);
}

double AutoSampler::SampleIndependent(const Study& study, const FrozenTrial& trial, const std::string& name,
                                      const Distribution& distribution) {
  return For(study, trial).SampleIndependent(study, trial, name, distribution);
}

void AutoSampler::AfterTrial(Study& study, const FrozenTrial& trial, TrialState state,
                             const std::vector<double>& values) {
  For(study, trial).AfterTrial(study, trial, state, values);
  state_->by_trial.erase(trial.id);
}

void AutoSampler::Reseed(uint64_t seed) {
  seed_ = seed;
  for (auto& [choice, delegate] : state_->delegates) delegate->Reseed(MixSeed(seed_, StableHash(ToString(choice))));
}

}  // namespace hyperscout
