#include "hyperscout/samplers/random.hpp"

#include <random>

#include "hyperscout/common/rng.hpp"
#include "math/transform.hpp"

namespace hyperscout {

uint64_t RandomSeed() {
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

RandomSampler::RandomSampler(std::optional<uint64_t> seed) : seed_(seed ? *seed : RandomSeed()) {}

double RandomSampler::SampleIndependent(const Study& /*study*/, const FrozenTrial& trial, const std::string& name,
                                        const Distribution& distribution) {
  Rng rng(MixSeed(MixSeed(seed_, static_cast<uint64_t>(trial.number)), StableHash(name)));
  return math::FromUnit(distribution, rng.Uniform());
}

}  // namespace hyperscout
