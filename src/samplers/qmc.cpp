#include "hyperscout/samplers/qmc.hpp"

#include <algorithm>

#include "hyperscout/core/study.hpp"
#include "math/sobol.hpp"
#include "math/transform.hpp"

namespace hyperscout {

QmcSampler::QmcSampler(std::optional<uint64_t> seed, QmcOptions options)
    : seed_(seed ? *seed : RandomSeed()), options_(options), independent_(seed_) {}

QmcSampler::~QmcSampler() = default;

void QmcSampler::Reseed(uint64_t seed) {
  seed_ = seed;
  independent_.Reseed(seed);
  sequence_.reset();
}

const math::SobolSequence& QmcSampler::Sequence(int dimensions) {
  if (!sequence_ || sequence_->dimensions() != dimensions) {
    sequence_ = std::make_unique<math::SobolSequence>(
        dimensions, options_.scramble ? std::optional<uint64_t>(seed_) : std::nullopt);
  }
  return *sequence_;
}

SearchSpace QmcSampler::InferRelativeSearchSpace(const Study& study, const FrozenTrial& trial) {
  if (cache_.storage != &study.storage() || cache_.study_id != study.id()) {
    cache_ = SpaceCache{};
    cache_.storage = &study.storage();
    cache_.study_id = study.id();
  }
  const auto trials = study.TrialsSnapshot();
  for (const auto& other : trials) {
    if (other->state != TrialState::kComplete && other->state != TrialState::kPruned) continue;
    const auto number = static_cast<size_t>(other->number);
    if (number >= cache_.seen.size()) cache_.seen.resize(number + 1, false);
    if (cache_.seen[number]) continue;
    cache_.seen[number] = true;
    if (!cache_.any_finished) {
      cache_.any_finished = true;
      cache_.intersection = other->distributions;
      continue;
    }
    for (auto it = cache_.intersection.begin(); it != cache_.intersection.end();) {
      const auto found = other->distributions.find(it->first);
      it = found == other->distributions.end() || !(found->second == it->second) ? cache_.intersection.erase(it)
                                                                                 : std::next(it);
    }
  }
  SearchSpace space;
  if (cache_.any_finished) {
    space = cache_.intersection;
  } else {
    // Nothing finished yet (the first trials, or a study of failures): the earliest other trial that has
    // parameters stands in, so parallel workers start using the sequence before trial 0 ends.
    for (const auto& other : trials) {
      if (other->number != trial.number && !other->distributions.empty()) {
        space = other->distributions;
        break;
      }
    }
  }
  // A single-value parameter has nothing to spread; it would only use up a dimension.
  std::erase_if(space, [](const auto& entry) { return IsSingle(entry.second); });
  return space;
}

std::map<std::string, double> QmcSampler::SampleRelative(const Study& /*study*/, const FrozenTrial& trial,
                                                         const SearchSpace& space) {
  std::map<std::string, double> out;
  if (space.empty()) return out;
  const int dimensions = static_cast<int>(std::min<size_t>(space.size(), math::kSobolMaxDimensions));
  const uint64_t index = static_cast<uint64_t>(trial.number) + (options_.skip_first ? 1 : 0);
  const std::vector<double> point = Sequence(dimensions).Point(index);
  int j = 0;
  for (const auto& [name, distribution] : space) {
    if (j == dimensions) break;  // past the table: these parameters fall back to independent sampling
    out[name] = math::FromUnit(distribution, point[static_cast<size_t>(j++)]);
  }
  return out;
}

double QmcSampler::SampleIndependent(const Study& study, const FrozenTrial& trial, const std::string& name,
                                     const Distribution& distribution) {
  return independent_.SampleIndependent(study, trial, name, distribution);
}

}  // namespace hyperscout
