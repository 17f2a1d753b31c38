// A trial's configuration as the GP and TPE samplers compare them to avoid proposing one twice
// (docs/samplers.md, "No repeated configurations").
#pragma once

#include <optional>
#include <vector>

#include "hyperscout/core/distribution.hpp"
#include "hyperscout/core/frozen_trial.hpp"

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

}  // namespace hyperscout
