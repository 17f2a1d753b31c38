// random: independent uniform draws on each parameter's own scale (log, step grid, choices).
// Each value is a pure function of (seed, trial number, parameter name).
#pragma once

#include <cstdint>
#include <optional>

#include "hyperscout/samplers/sampler.hpp"

namespace hyperscout {

class RandomSampler final : public Sampler {
 public:
  explicit RandomSampler(std::optional<uint64_t> seed = std::nullopt);

  double SampleIndependent(const Study& study, const FrozenTrial& trial, const std::string& name,
                           const Distribution& distribution) override;
  void Reseed(uint64_t seed) override { seed_ = seed; }
  std::string Name() const override { return "random"; }

 private:
  uint64_t seed_;
};

}  // namespace hyperscout
