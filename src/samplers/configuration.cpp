#include "samplers/configuration.hpp"

#include <algorithm>
#include <variant>

#include "hyperscout/common/rng.hpp"
#include "math/transform.hpp"

namespace hyperscout {

std::set<std::vector<double>> TakenConfigurations(const std::vector<FrozenTrialPtr>& trials, const FrozenTrial& trial,
                                                  const SearchSpace& space) {
  std::set<std::vector<double>> taken;
  for (const auto& other : trials) {
    if (other->number == trial.number) continue;
    if (auto c = ConfigurationOf(*other, space)) taken.insert(std::move(*c));
  }
  return taken;
}

void AvoidStartupRepeat(const std::vector<FrozenTrialPtr>& trials, const FrozenTrial& trial, const SearchSpace& space,
                        uint64_t seed, std::map<std::string, double>& out) {
  constexpr int kDraws = 64;
  for (const auto& [name, distribution] : space) {
    if (!out.contains(name)) return;
  }
  const std::set<std::vector<double>> taken = TakenConfigurations(trials, trial, space);
  std::vector<double> config;
  auto current = [&] {
    config.clear();
    for (const auto& [name, distribution] : space) config.push_back(out.at(name));
    return config;
  };
  if (!taken.contains(current())) return;
  const std::map<std::string, double> original = out;
  // Without numeric parameters the first phase would change nothing (and draws nothing from the stream).
  const bool numeric = std::any_of(space.begin(), space.end(), [](const auto& entry) {
    return !std::holds_alternative<CategoricalDistribution>(entry.second);
  });
  Rng rng(MixSeed(seed, MixSeed(0x2E9EA7, static_cast<uint64_t>(trial.number))));
  for (int draw = 0; draw < 2 * kDraws; ++draw) {
    const bool categoricals_too = draw >= kDraws || !numeric;
    for (const auto& [name, distribution] : space) {
      if (const auto* c = std::get_if<CategoricalDistribution>(&distribution)) {
        if (categoricals_too) {
          out[name] = static_cast<double>(rng.UniformInt(0, static_cast<int64_t>(c->choices.size()) - 1));
        }
      } else {
        out[name] = math::FromUnit(distribution, rng.Uniform());
      }
    }
    if (!taken.contains(current())) return;
  }
  out = original;
}

}  // namespace hyperscout
