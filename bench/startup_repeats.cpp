// Repeated configurations in the random start-up of a small discrete space: the mean number of trials, among the
// first n (all of them start-up trials), whose configuration an earlier trial of the study already had, for random
// search and for the TPE and GP start-ups. Reported in bench/README.md, never asserted.
//
//   ./build-bench/bench/hyperscout_startup_repeats [seeds]
#include <fmt/format.h>

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <set>
#include <utility>

#include "hyperscout/core/study.hpp"
#include "hyperscout/samplers/gp.hpp"
#include "hyperscout/samplers/random.hpp"
#include "hyperscout/samplers/tpe.hpp"
#include "hyperscout/storage/memory_storage.hpp"

namespace {

using hyperscout::Sampler;

// Mean repeats per study over `seeds` studies of `n` trials on two integers in [1, k].
double Repeats(const std::function<std::shared_ptr<Sampler>(uint64_t)>& make, int64_t k, int n, int seeds) {
  int64_t total = 0;
  for (int seed = 0; seed < seeds; ++seed) {
    hyperscout::StudyOptions options;
    options.study_name = "startup";
    options.storage = std::make_shared<hyperscout::MemoryStorage>();
    options.sampler = make(static_cast<uint64_t>(seed));
    auto study = hyperscout::Study::Create(options);
    std::set<std::pair<int64_t, int64_t>> seen;
    study->Optimize(
        [&](hyperscout::Trial& trial) {
          const int64_t a = trial.SuggestInt("a", 1, k);
          const int64_t b = trial.SuggestInt("b", 1, k);
          if (!seen.emplace(a, b).second) ++total;
          return static_cast<double>(a + b);
        },
        {.n_trials = n});
  }
  return static_cast<double>(total) / seeds;
}

}  // namespace

int main(int argc, char** argv) {
  const int seeds = argc > 1 ? std::atoi(argv[1]) : 1000;
  fmt::print("| space | start-up trials | random | tpe | gp |\n|---|---|---|---|---|\n");
  for (const auto& [k, n] : {std::pair<int64_t, int>{10, 10}, {4, 10}, {3, 9}}) {
    hyperscout::TpeOptions tpe;
    tpe.n_startup_trials = n;
    hyperscout::GpOptions gp;
    gp.n_startup_trials = n;
    const double r = Repeats([](uint64_t s) { return std::make_shared<hyperscout::RandomSampler>(s); }, k, n, seeds);
    const double t = Repeats([&](uint64_t s) { return std::make_shared<hyperscout::TpeSampler>(tpe, s); }, k, n, seeds);
    const double g = Repeats([&](uint64_t s) { return std::make_shared<hyperscout::GpSampler>(gp, s); }, k, n, seeds);
    fmt::print("| {0}×{0} integers | {1} | {2:.3f} | {3:.3f} | {4:.3f} |\n", k, n, r, t, g);
  }
  fmt::print("(mean repeated configurations per study, {} seeds)\n", seeds);
}
