// Repeated configurations in the random start-up of a small discrete space: the mean number of trials, among the
// first n (all of them start-up trials), whose configuration an earlier trial of the study already had, for random
// search and for the TPE and GP start-ups, with the trials run one after another and asked all at once (the first
// batch of a parallel study, before any trial has finished). Reported in bench/README.md, never asserted.
//
//   ./build-bench/bench/hyperscout_startup_repeats [seeds]
#include <fmt/format.h>

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "hyperscout/core/study.hpp"
#include "hyperscout/samplers/gp.hpp"
#include "hyperscout/samplers/random.hpp"
#include "hyperscout/samplers/tpe.hpp"
#include "hyperscout/storage/memory_storage.hpp"

namespace {

using hyperscout::Sampler;

// Mean repeats per study over `seeds` studies of `n` trials on two integers in [1, k], run one after another or, with
// `batch`, all asked before any is told.
double Repeats(const std::function<std::shared_ptr<Sampler>(uint64_t)>& make, int64_t k, int n, int seeds, bool batch) {
  int64_t total = 0;
  for (int seed = 0; seed < seeds; ++seed) {
    hyperscout::StudyOptions options;
    options.study_name = "startup";
    options.storage = std::make_shared<hyperscout::MemoryStorage>();
    options.sampler = make(static_cast<uint64_t>(seed));
    auto study = hyperscout::Study::Create(options);
    std::set<std::pair<double, double>> seen;
    if (batch) {
      const hyperscout::SearchSpace space{{"a", hyperscout::IntDistribution{1, k}},
                                          {"b", hyperscout::IntDistribution{1, k}}};
      std::vector<hyperscout::Trial> trials;
      for (int i = 0; i < n; ++i) {
        trials.push_back(study->Ask(space));
        const auto params = trials.back().Snapshot().params;
        if (!seen.emplace(params.at("a"), params.at("b")).second) ++total;
      }
      for (auto& trial : trials) study->Tell(trial, 0.0);
      continue;
    }
    hyperscout::OptimizeOptions run;
    run.n_trials = n;
    study->Optimize(
        [&](hyperscout::Trial& trial) {
          const int64_t a = trial.SuggestInt("a", 1, k);
          const int64_t b = trial.SuggestInt("b", 1, k);
          if (!seen.emplace(static_cast<double>(a), static_cast<double>(b)).second) ++total;
          return static_cast<double>(a + b);
        },
        run);
  }
  return static_cast<double>(total) / seeds;
}

}  // namespace

int main(int argc, char** argv) {
  const int seeds = argc > 1 ? std::atoi(argv[1]) : 1000;
  fmt::print("| space | start-up trials | asked | random | tpe | gp |\n|---|---|---|---|---|---|\n");
  for (const bool batch : {false, true}) {
    for (const auto& [k, n] : {std::pair<int64_t, int>{10, 10}, {4, 10}, {3, 9}}) {
      hyperscout::TpeOptions tpe;
      tpe.n_startup_trials = n;
      hyperscout::GpOptions gp;
      gp.n_startup_trials = n;
      const double r =
          Repeats([](uint64_t s) { return std::make_shared<hyperscout::RandomSampler>(s); }, k, n, seeds, batch);
      const double t =
          Repeats([&](uint64_t s) { return std::make_shared<hyperscout::TpeSampler>(tpe, s); }, k, n, seeds, batch);
      const double g =
          Repeats([&](uint64_t s) { return std::make_shared<hyperscout::GpSampler>(gp, s); }, k, n, seeds, batch);
      fmt::print("| {0}×{0} integers | {1} | {2} | {3:.3f} | {4:.3f} | {5:.3f} |\n", k, n,
                 batch ? "all at once" : "one by one", r, t, g);
    }
  }
  fmt::print("(mean repeated configurations per study, {} seeds)\n", seeds);
}
