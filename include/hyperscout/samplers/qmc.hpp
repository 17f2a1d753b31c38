// qmc: quasi-Monte Carlo sampling with a scrambled Sobol sequence. Low-discrepancy points cover the space
// more evenly than independent random draws: every aligned block of 2^m trials fills each elementary box of
// volume 2^-m in any two dimensions (the (t, m, s)-net property), which makes it a strong choice for the
// first, exploratory trials of a study or a fixed budget of non-adaptive evaluations.
//
// Relative space: the parameters that every COMPLETE or PRUNED trial has with the same distribution (the
// first trial's parameters while none has finished), in sorted name order, leaving out single-value
// distributions. Trial n takes point n of the sequence (n + 1 with skip_first), so parallel workers and
// processes take distinct points without coordinating. Coordinates map to values through math::FromUnit,
// uniformly on each parameter's own scale. Parameters outside that space (conditional ones, the very first
// trial, dimensions past the 1,024 the direction-number table covers) are drawn independently, seeded by
// (seed, trial number, parameter name) exactly like the random sampler.
//
// All workers of a study must use the same seed to share one sequence; without a seed each process draws
// its own scramble (its points are still well spread, but processes no longer complement each other).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hyperscout/samplers/random.hpp"
#include "hyperscout/samplers/sampler.hpp"

namespace hyperscout {

namespace math {
class SobolSequence;
}

struct QmcOptions {
  bool scramble = true;  // Owen-style linear matrix scramble plus digital shift, derived from the seed
  // Use point n + 1 for trial n. The unscrambled sequence starts at the all-zeros corner (point 0), which
  // trial 0 normally never uses because it is sampled independently; set this for tools that drop it anyway.
  bool skip_first = false;
};

class QmcSampler final : public Sampler {
 public:
  explicit QmcSampler(std::optional<uint64_t> seed = std::nullopt, QmcOptions options = {});
  ~QmcSampler() override;

  SearchSpace InferRelativeSearchSpace(const Study& study, const FrozenTrial& trial) override;
  std::map<std::string, double> SampleRelative(const Study& study, const FrozenTrial& trial,
                                               const SearchSpace& space) override;
  double SampleIndependent(const Study& study, const FrozenTrial& trial, const std::string& name,
                           const Distribution& distribution) override;
  void Reseed(uint64_t seed) override;
  std::string Name() const override { return "qmc"; }

 private:
  // Incremental intersection of finished trials' spaces; finished trials never change, so each is read once.
  struct SpaceCache {
    const void* storage = nullptr;
    int64_t study_id = -1;
    std::vector<bool> seen;  // by trial number
    bool any_finished = false;
    SearchSpace intersection;
  };

  const math::SobolSequence& Sequence(int dimensions);

  uint64_t seed_;
  QmcOptions options_;
  RandomSampler independent_;
  SpaceCache cache_;
  std::unique_ptr<math::SobolSequence> sequence_;
};

}  // namespace hyperscout
