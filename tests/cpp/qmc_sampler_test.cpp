#include "hyperscout/samplers/qmc.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "hyperscout/core/study.hpp"
#include "hyperscout/registry.hpp"
#include "hyperscout/samplers/random.hpp"
#include "hyperscout/storage/memory_storage.hpp"

namespace hyperscout {
namespace {

std::unique_ptr<Study> NewStudy(std::shared_ptr<Sampler> sampler, std::shared_ptr<Storage> storage = nullptr,
                                const std::string& name = "qmc") {
  StudyOptions options;
  options.study_name = name;
  options.storage = storage ? storage : std::make_shared<MemoryStorage>();
  options.sampler = std::move(sampler);
  options.load_if_exists = true;
  return Study::Create(options);
}

double Unit2d(Trial& trial) {
  return trial.SuggestFloat("x", 0.0, 1.0) + trial.SuggestFloat("y", 0.0, 1.0);
}

// Cells of an n x n grid over [0,1]^2 (n = 1 for 1-D) that the trials numbered [first, first + count) miss.
int EmptyCells(const std::vector<FrozenTrial>& trials, int64_t first, int64_t count, int n, bool two_d) {
  std::set<int> hit;
  for (const auto& t : trials) {
    if (t.number < first || t.number >= first + count) continue;
    const int cx = std::min(n - 1, static_cast<int>(std::get<double>(t.Param("x")) * n));
    const int cy = two_d ? std::min(n - 1, static_cast<int>(std::get<double>(t.Param("y")) * n)) : 0;
    hit.insert(cx * n + cy);
  }
  return (two_d ? n * n : n) - static_cast<int>(hit.size());
}

}  // namespace

TEST(QmcSampler, CoversOneAndTwoDimensionsBetterThanRandom) {
  auto qmc = NewStudy(std::make_shared<QmcSampler>(11));
  auto random = NewStudy(std::make_shared<RandomSampler>(11));
  qmc->Optimize(Unit2d, {.n_trials = 128});
  random->Optimize(Unit2d, {.n_trials = 128});
  const auto q = qmc->Trials();
  const auto r = random->Trials();
  // Trials 64..127 are an aligned block of 64 Sobol points: one per cell of 64 in 1-D and of 8 x 8 in 2-D.
  const int q1 = EmptyCells(q, 64, 64, 64, false);
  const int r1 = EmptyCells(r, 64, 64, 64, false);
  const int q2 = EmptyCells(q, 64, 64, 8, true);
  const int r2 = EmptyCells(r, 64, 64, 8, true);
  EXPECT_EQ(q1, 0);
  EXPECT_EQ(q2, 0);
  EXPECT_LT(q1, r1);
  EXPECT_LT(q2, r2);
}

TEST(QmcSampler, DiscreteParametersAreStratifiedToo) {
  auto study = NewStudy(std::make_shared<QmcSampler>(5));
  study->Optimize(
      [](Trial& t) {
        const auto c = t.SuggestCategorical("c", std::vector<std::string>{"a", "b", "c", "d"});
        const int64_t n = t.SuggestInt("n", 0, 7);
        return static_cast<double>(n) + (c == "a" ? 1.0 : 0.0);
      },
      {.n_trials = 64});
  std::map<std::string, int> per_choice;
  std::map<int64_t, int> per_int;
  for (const auto& t : study->Trials()) {
    if (t.number < 32) continue;  // trials 32..63: an aligned block of 32 points
    ++per_choice[std::get<std::string>(t.Param("c"))];
    ++per_int[std::get<int64_t>(t.Param("n"))];
  }
  for (const auto& choice : {"a", "b", "c", "d"}) EXPECT_EQ(per_choice[choice], 8) << choice;
  for (int64_t n = 0; n < 8; ++n) EXPECT_EQ(per_int[n], 4) << n;
}

TEST(QmcSampler, UnscrambledTrialNumberIndexesTheSequence) {
  for (const bool skip_first : {false, true}) {
    auto study = NewStudy(MakeSampler("qmc", 3, {{"scramble", false}, {"skip_first", skip_first}}));
    study->Optimize([](Trial& t) { return t.SuggestFloat("x", 0.0, 8.0); }, {.n_trials = 5});
    const auto trials = study->Trials();
    // Van der Corput in Gray-code order: 0, 1/2, 3/4, 1/4, 3/8, ...; trial 0 is sampled independently.
    const double sequence[] = {0.0, 0.5, 0.75, 0.25, 0.375, 0.875};
    for (int64_t n = 1; n < 5; ++n) {
      EXPECT_EQ(std::get<double>(trials[static_cast<size_t>(n)].Param("x")), 8.0 * sequence[n + (skip_first ? 1 : 0)])
          << "trial " << n << " skip_first " << skip_first;
    }
  }
}

TEST(QmcSampler, SameSeedSameTrialsOtherSeedOtherTrials) {
  auto a = NewStudy(std::make_shared<QmcSampler>(42));
  auto b = NewStudy(std::make_shared<QmcSampler>(42));
  auto c = NewStudy(std::make_shared<QmcSampler>(43));
  for (auto* s : {a.get(), b.get(), c.get()}) s->Optimize(Unit2d, {.n_trials = 20});
  const auto ta = a->Trials();
  const auto tb = b->Trials();
  const auto tc = c->Trials();
  int differ = 0;
  for (size_t i = 0; i < ta.size(); ++i) {
    EXPECT_EQ(ta[i].params, tb[i].params);
    if (ta[i].params != tc[i].params) ++differ;
  }
  EXPECT_EQ(differ, 20);
}

TEST(QmcSampler, RelativeSpaceIsTheIntersectionOfFinishedTrials) {
  auto sampler = std::make_shared<QmcSampler>(1);
  auto study = NewStudy(sampler);
  study->Optimize(
      [](Trial& t) {
        const double x = t.SuggestFloat("x", 0.0, 1.0);
        t.SuggestInt("one", 3, 3);  // a single value: never a QMC dimension
        if (t.number() % 2 == 0) return x + t.SuggestFloat("even_only", 0.0, 1.0);
        return x;
      },
      {.n_trials = 6});
  FrozenTrial next;
  next.number = 6;
  const SearchSpace space = sampler->InferRelativeSearchSpace(*study, next);
  ASSERT_EQ(space.size(), 1u);
  EXPECT_EQ(space.begin()->first, "x");
  for (const auto& t : study->Trials()) {
    EXPECT_GE(std::get<double>(t.Param("x")), 0.0);
    EXPECT_LE(std::get<double>(t.Param("x")), 1.0);
    EXPECT_EQ(std::get<int64_t>(t.Param("one")), 3);
  }
}

TEST(QmcSampler, TwoProcessesOnOneStorageShareOneSequence) {
  // Two Study objects on one storage stand for two processes with the same seed: trial numbers are unique,
  // so their points are distinct and together they still fill the aligned block.
  auto storage = std::make_shared<MemoryStorage>();
  auto p1 = NewStudy(std::make_shared<QmcSampler>(9), storage, "shared");
  auto p2 = NewStudy(std::make_shared<QmcSampler>(9), storage, "shared");
  for (int i = 0; i < 64; ++i) {
    Study& s = i % 2 == 0 ? *p1 : *p2;
    Trial trial = s.Ask();
    s.Tell(trial, Unit2d(trial));
  }
  const auto trials = p1->Trials();
  ASSERT_EQ(trials.size(), 64u);
  EXPECT_EQ(EmptyCells(trials, 32, 32, 32, false), 0);
  std::set<std::map<std::string, double>> distinct;
  for (const auto& t : trials) distinct.insert(t.params);
  EXPECT_EQ(distinct.size(), 64u);
}

}  // namespace hyperscout
