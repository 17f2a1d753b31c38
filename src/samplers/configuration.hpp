// A trial's configuration as the GP and TPE samplers compare them to avoid proposing one twice
// (docs/samplers.md, "No repeated configurations").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hyperscout/core/distribution.hpp"
#include "hyperscout/core/frozen_trial.hpp"
#include "hyperscout/core/study.hpp"

namespace hyperscout {

// The trial's internal values of `params` (name and distribution pairs, in their order) when these are all the
// parameters it has, apart from single-value ones, each with the given distribution; nothing otherwise. A trial
// with a parameter outside `params` (another branch of a conditional space) has a different configuration even
// when its values of `params` are the same.
template <typename Params>
std::optional<std::vector<double>> ConfigurationOf(const FrozenTrial& trial, const Params& params) {
  std::vector<double> out;
  out.reserve(params.size());
  for (const auto& [name, distribution] : params) {
    const auto value = trial.params.find(name);
    const auto source = trial.distributions.find(name);
    if (value == trial.params.end() || source == trial.distributions.end() || !(source->second == distribution)) {
      return std::nullopt;
    }
    out.push_back(value->second);
  }
  if (trial.params.size() == params.size()) return out;
  // Every parameter of `params` is in the trial; any other it has must be a single-value one.
  auto non_single = [](const auto& distributions) {
    size_t n = 0;
    for (const auto& [name, distribution] : distributions) n += IsSingle(distribution) ? 0 : 1;
    return n;
  };
  if (non_single(trial.distributions) != non_single(params)) return std::nullopt;
  return out;
}

// The configurations (internal values of `space`) of the study's trials other than `trial`, in any state: finished,
// running, pruned, failed. The GP and TPE never propose one of them again while they have anything else to offer:
// re-measuring a configuration tells a deterministic objective nothing, a failed one would likely fail again (the
// models do not see failures, so they would keep proposing it), and noise is the GP's `replicate_penalty`'s business,
// not repeats'. Exact repeats arise in discrete spaces (on the harness's 100-configuration kNN space half of a
// sequential study's trials were repeats) and at bounds.
std::set<std::vector<double>> TakenConfigurations(const std::vector<FrozenTrialPtr>& trials, const FrozenTrial& trial,
                                                  const SearchSpace& space);

// A start-up point `out` (values for every parameter of `space`) that repeats a taken configuration is redrawn at
// random, from a stream fixed by `seed` and the trial's number: first its numeric coordinates only (keeping its
// categorical combination, which the GP's start-up chooses to cover the combinations), then every coordinate. After
// that many draws the space is taken as exhausted and the point stays as it was. A point that repeats nothing is
// left untouched, so a sampler that calls this draws exactly what it drew before wherever nothing collides.
void AvoidStartupRepeat(const std::vector<FrozenTrialPtr>& trials, const FrozenTrial& trial, const SearchSpace& space,
                        uint64_t seed, std::map<std::string, double>& out);

}  // namespace hyperscout
