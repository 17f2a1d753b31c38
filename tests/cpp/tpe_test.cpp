#include "hyperscout/samplers/tpe.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>

#include "hyperscout/common/error.hpp"
#include "hyperscout/common/rng.hpp"
#include "hyperscout/core/study.hpp"
#include "hyperscout/registry.hpp"
#include "hyperscout/samplers/random.hpp"
#include "hyperscout/storage/memory_storage.hpp"
#include "samplers/tpe/history.hpp"
#include "samplers/tpe/parzen_estimator.hpp"
#include "samplers/tpe/split.hpp"

namespace hyperscout {
namespace {

std::unique_ptr<Study> NewStudy(std::shared_ptr<Sampler> sampler,
                                std::vector<StudyDirection> directions = {StudyDirection::kMinimize}) {
  StudyOptions options;
  options.study_name = "tpe";
  options.storage = std::make_shared<MemoryStorage>();
  options.sampler = std::move(sampler);
  options.directions = std::move(directions);
  return Study::Create(options);
}

std::shared_ptr<TpeSampler> Tpe(uint64_t seed, TpeOptions options = {}) {
  return std::make_shared<TpeSampler>(std::move(options), seed);
}

double Branin(Trial& trial) {
  const double x = trial.SuggestFloat("x", -5, 10);
  const double y = trial.SuggestFloat("y", 0, 15);
  constexpr double kPi = 3.14159265358979323846;
  const double b = 5.1 / (4 * kPi * kPi);
  const double c = 5 / kPi;
  const double t = 1 / (8 * kPi);
  return std::pow(y - b * x * x + c * x - 6, 2) + 10 * (1 - t) * std::cos(x) + 10;
}

double MeanBest(const std::function<std::shared_ptr<Sampler>(uint64_t)>& make, const ObjectiveFn& objective,
                int n_trials, int n_seeds) {
  double total = 0.0;
  for (int seed = 0; seed < n_seeds; ++seed) {
    auto study = NewStudy(make(static_cast<uint64_t>(seed) + 100));
    study->Optimize(objective, {.n_trials = n_trials});
    total += study->BestValue();
  }
  return total / n_seeds;
}

// Integrates exp(log pdf) of a fitted estimator over its one dimension.
double TotalMass(const tpe::ParzenEstimator& estimator, const tpe::ParzenDim& dim) {
  std::vector<double> points;
  std::vector<double> log_pdf;
  if (dim.kind == tpe::ParzenDim::Kind::kContinuous) {
    constexpr int kSteps = 20000;
    for (int i = 0; i < kSteps; ++i) points.push_back((i + 0.5) / kSteps);
    estimator.LogPdf(points, points.size(), log_pdf);
    double sum = 0.0;
    for (double v : log_pdf) sum += std::exp(v) / kSteps;
    return sum;
  }
  for (int64_t k = 0; k < dim.n; ++k) points.push_back(static_cast<double>(k));
  estimator.LogPdf(points, points.size(), log_pdf);
  double sum = 0.0;
  for (double v : log_pdf) sum += std::exp(v);
  return sum;
}

}  // namespace

TEST(TpeParzen, PdfIntegratesToOnePerKind) {
  const std::vector<Distribution> kinds = {
      FloatDistribution{-3, 7},
      FloatDistribution{1e-4, 1, true},
      FloatDistribution{0, 1, false, 0.25},
      IntDistribution{0, 9},
      IntDistribution{1, 1000, true},
      IntDistribution{0, 400, false, 2},
      CategoricalDistribution{{std::string("a"), std::string("b"), std::string("c")}},
  };
  for (const auto& bandwidth : {tpe::BandwidthRule::kNeighbor, tpe::BandwidthRule::kScott}) {
    for (const auto& distribution : kinds) {
      const tpe::ParzenDim dim = tpe::ParzenDim::From(distribution);
      // Observations spread over the range, some on the edges and some repeated.
      std::vector<double> obs;
      for (double u : {0.0, 0.02, 0.5, 0.51, 0.51, 0.9, 1.0}) {
        obs.push_back(dim.kind == tpe::ParzenDim::Kind::kCategorical
                          ? std::floor(u * static_cast<double>(dim.n - 1) + 0.5)
                          : (dim.kind == tpe::ParzenDim::Kind::kDiscrete ? dim.CellCenter(dim.CellOf(u)) : u));
      }
      std::vector<double> weights = {1, 2, 1, 1, 0.5, 1, 3};
      tpe::ParzenOptions options;
      options.bandwidth = bandwidth;
      tpe::ParzenEstimator estimator;
      estimator.Fit({dim}, obs, obs.size(), weights, options);
      EXPECT_NEAR(TotalMass(estimator, dim), 1.0, 5e-3) << KindName(distribution) << " n=" << dim.n;
      // With no observations only the prior remains, and it is a density too.
      estimator.Fit({dim}, {}, 0, {}, options);
      EXPECT_NEAR(TotalMass(estimator, dim), 1.0, 5e-3) << KindName(distribution);
    }
  }
}

TEST(TpeParzen, JointDensityOfContinuousAndCategoricalSumsToOne) {
  const std::vector<tpe::ParzenDim> dims = {tpe::ParzenDim::From(FloatDistribution{0, 1}),
                                            tpe::ParzenDim::From(CategoricalDistribution{{int64_t{1}, int64_t{2}}})};
  const std::vector<double> obs = {0.1, 0.4, 0.8, /* categories */ 0, 1, 1};
  tpe::ParzenEstimator estimator;
  estimator.Fit(dims, obs, 3, {1, 1, 1}, {});
  std::vector<double> points;
  constexpr int kSteps = 5000;
  for (int c = 0; c < 2; ++c) {
    for (int i = 0; i < kSteps; ++i) {
      points.push_back((i + 0.5) / kSteps);
      points.push_back(c);
    }
  }
  std::vector<double> log_pdf;
  estimator.LogPdf(points, points.size() / 2, log_pdf);
  double sum = 0.0;
  for (double v : log_pdf) sum += std::exp(v) / kSteps;
  EXPECT_NEAR(sum, 1.0, 1e-3);
}

TEST(TpeParzen, LogGaussMassMatchesErfcAndStaysFiniteInTails) {
  for (double a : {-3.0, -0.4, 0.0, 0.3, 2.0, 7.5}) {
    for (double w : {0.01, 0.2, 0.3, 1.0, 4.0}) {
      const double exact = 0.5 * (std::erfc(-(a + w) / std::sqrt(2.0)) - std::erfc(-a / std::sqrt(2.0)));
      EXPECT_NEAR(std::exp(tpe::LogGaussMass(a, a + w)) / exact, 1.0, 6e-3) << a << " " << w;
    }
  }
  EXPECT_TRUE(std::isfinite(tpe::LogGaussMass(60.0, 61.0)));
  EXPECT_TRUE(std::isfinite(tpe::LogGaussMass(-61.0, -60.0)));
  EXPECT_LT(tpe::LogGaussMass(60.0, 61.0), -1700.0);
}

TEST(TpeParzen, LogSumExpMatchesDirectSum) {
  Rng rng(5);
  for (int round = 0; round < 20; ++round) {
    std::vector<double> x(37);
    for (auto& v : x) v = rng.Uniform(-60.0, 3.0) + 500.0 * (round % 3 - 1);
    long double direct = 0.0L;
    for (double v : x) direct += std::exp(static_cast<long double>(v) - 500.0L * (round % 3 - 1));
    const double expected = static_cast<double>(std::log(direct)) + 500.0 * (round % 3 - 1);
    EXPECT_NEAR(tpe::LogSumExp(x.data(), x.size()), expected, 1e-12 * std::max(1.0, std::fabs(expected)));
  }
  EXPECT_EQ(tpe::LogSumExp(nullptr, 0), -INFINITY);
}

TEST(TpeSplit, GammaWeightsAndMultiObjectiveFronts) {
  EXPECT_EQ(tpe::DefaultGamma(0, 0.1, 25), 0);
  EXPECT_EQ(tpe::DefaultGamma(10, 0.1, 25), 1);
  EXPECT_EQ(tpe::DefaultGamma(11, 0.1, 25), 2);
  EXPECT_EQ(tpe::DefaultGamma(1000, 0.1, 25), 25);
  EXPECT_EQ(tpe::DefaultGamma(1000, 0.1, 0), 100);
  std::vector<double> w;
  tpe::DefaultWeights(10, w);
  EXPECT_EQ(w, std::vector<double>(10, 1.0));
  tpe::DefaultWeights(100, w);
  ASSERT_EQ(w.size(), 100u);
  EXPECT_DOUBLE_EQ(w[0], 0.01);
  EXPECT_DOUBLE_EQ(w[74], 1.0);
  EXPECT_LT(w[10], w[20]);
  EXPECT_EQ(std::accumulate(w.begin() + 75, w.end(), 0.0), 25.0);

  // Front 1 = {0, 1, 2}, front 2 = {3, 4}, front 3 = {5}.
  const std::vector<std::vector<double>> losses = {{0, 4}, {1, 1}, {4, 0}, {2, 3}, {3, 2}, {5, 5}};
  auto sorted = [](std::vector<size_t> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  EXPECT_EQ(sorted(tpe::SelectBelowMultiObjective(losses, 3)), (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(sorted(tpe::SelectBelowMultiObjective(losses, 5)), (std::vector<size_t>{0, 1, 2, 3, 4}));
  // One point of front 1: the one adding the most hypervolume (the knee).
  EXPECT_EQ(tpe::SelectBelowMultiObjective(losses, 1), (std::vector<size_t>{1}));
  EXPECT_DOUBLE_EQ(tpe::Hypervolume2d({{1, 1}, {0, 2}}, 3, 3), 4 + 1);

  // Greedy hypervolume selection matches brute force on a larger front (y = 1 / x, every point nondominated):
  // each step's pick adds the most hypervolume among the remaining points.
  std::vector<std::vector<double>> curve;
  for (int i = 1; i <= 12; ++i) curve.push_back({0.3 * i + 0.01 * (i % 3), 1.0 / (0.3 * i)});
  const auto picked = tpe::SelectBelowMultiObjective(curve, 5);
  ASSERT_EQ(picked.size(), 5u);
  const double ref0 = 1.1 * curve.back()[0];
  const double ref1 = 1.1 * curve.front()[1];
  std::vector<std::pair<double, double>> chosen;
  for (size_t step = 0; step < picked.size(); ++step) {
    double best_gain = -1.0;
    auto volume_with = [&](size_t i) {
      auto points = chosen;
      points.emplace_back(curve[i][0], curve[i][1]);
      return tpe::Hypervolume2d(points, ref0, ref1);
    };
    const double base = tpe::Hypervolume2d(chosen, ref0, ref1);
    for (size_t i = 0; i < curve.size(); ++i) best_gain = std::max(best_gain, volume_with(i) - base);
    EXPECT_NEAR(volume_with(picked[step]) - base, best_gain, 1e-12) << "step " << step;
    chosen.emplace_back(curve[picked[step]][0], curve[picked[step]][1]);
  }
}

TEST(TpeSplit, TiesAtTheBoundaryShareTheBelowPlaces) {
  auto study = NewStudy(Tpe(1));
  for (double value : {3.0, 1.0, 2.0, 2.0, 2.0, 5.0}) {
    Trial t = study->Ask();
    t.SuggestFloat("x", 0, 1);
    study->Tell(t, value);
  }
  tpe::History history;
  history.Refresh(*study, -1);
  // Two places: trial 1 (value 1) takes one, and the three trials tied at 2 share the other.
  EXPECT_EQ(history.Below(2), (std::vector<double>{0.0, 1.0, 1.0 / 3, 1.0 / 3, 1.0 / 3, 0.0}));
  // Four places hold the whole tie, so nobody is split.
  EXPECT_EQ(history.Below(4), (std::vector<double>{0.0, 1.0, 1.0, 1.0, 1.0, 0.0}));
  EXPECT_EQ(history.Below(1), (std::vector<double>{0.0, 1.0, 0.0, 0.0, 0.0, 0.0}));

  // Pruned trials that rank alike (here: none reported a value) share the places left after the COMPLETE ones.
  auto pruned = NewStudy(Tpe(1));
  for (int i = 0; i < 4; ++i) {
    Trial t = pruned->Ask();
    t.SuggestFloat("x", 0, 1);
    if (i == 0) {
      pruned->Tell(t, 0.5);
    } else {
      pruned->Tell(t, TrialState::kPruned);
    }
  }
  tpe::History pruned_history;
  pruned_history.Refresh(*pruned, -1);
  EXPECT_EQ(pruned_history.Below(2), (std::vector<double>{1.0, 1.0 / 3, 1.0 / 3, 1.0 / 3}));
}

TEST(TpeSplit, WithConstraintsFeasibleTrialsComeFirstThenTheLeastViolating) {
  auto study = NewStudy(Tpe(1));
  // (value, constraints); an empty list stands for a trial that reported none.
  const std::vector<std::pair<double, std::vector<double>>> trials = {
      {0.1, {0.5}},         // 0: best value, violation 0.5
      {0.9, {-1.0}},        // 1: feasible
      {0.4, {0.0, -2.0}},   // 2: feasible (0 is met)
      {0.2, {}},            // 3: no constraints: ranks after every violation
      {0.3, {0.2, 0.1}},    // 4: violation 0.3
      {0.05, {3.0, -1.0}},  // 5: violation 3
  };
  for (const auto& [value, constraints] : trials) {
    Trial t = study->Ask();
    t.SuggestFloat("x", 0, 1);
    if (!constraints.empty()) t.SetConstraints(constraints);
    study->Tell(t, value);
  }
  tpe::History history;
  history.Refresh(*study, -1);
  EXPECT_EQ(history.Below(1), (std::vector<double>{0, 0, 1, 0, 0, 0}));  // the best feasible, not the best value
  EXPECT_EQ(history.Below(2), (std::vector<double>{0, 1, 1, 0, 0, 0}));
  EXPECT_EQ(history.Below(3), (std::vector<double>{0, 1, 1, 0, 1, 0}));  // then the least violation (0.3)
  EXPECT_EQ(history.Below(5), (std::vector<double>{1, 1, 1, 0, 1, 1}));
  EXPECT_EQ(history.Below(6), (std::vector<double>{1, 1, 1, 1, 1, 1}));
  EXPECT_EQ(tpe::Violation(study->Trials()[4]), 0.30000000000000004);
  EXPECT_TRUE(std::isinf(tpe::Violation(study->Trials()[3])));

  // Without any constraints the split is by value alone, as before.
  auto plain = NewStudy(Tpe(1));
  for (const auto& [value, constraints] : trials) {
    Trial t = plain->Ask();
    t.SuggestFloat("x", 0, 1);
    plain->Tell(t, value);
  }
  tpe::History plain_history;
  plain_history.Refresh(*plain, -1);
  EXPECT_EQ(plain_history.Below(2), (std::vector<double>{1, 0, 0, 0, 0, 1}));
}

TEST(Tpe, ConstraintsKeepTheSearchFeasible) {
  // min (x - 0.8)² + (y - 0.8)² subject to x + y <= 1: the unconstrained optimum breaks the constraint. Told the
  // constraint, TPE keeps most of its suggestions feasible and finds a better feasible point than when it is not.
  auto run = [](uint64_t seed, bool report) {
    auto study = NewStudy(Tpe(seed));
    study->Optimize(
        [report](Trial& t) {
          const double x = t.SuggestFloat("x", 0, 1);
          const double y = t.SuggestFloat("y", 0, 1);
          t.SetUserAttr("c", x + y - 1.0);
          if (report) t.SetConstraints({x + y - 1.0});
          return (x - 0.8) * (x - 0.8) + (y - 0.8) * (y - 0.8);
        },
        {.n_trials = 60});
    int feasible_late = 0;
    double best_feasible = INFINITY;
    for (const auto& t : study->Trials()) {
      const bool feasible = t.user_attrs.at("c").get<double>() <= 0.0;
      if (feasible) best_feasible = std::min(best_feasible, t.Value());
      if (feasible && t.number >= 20) ++feasible_late;
    }
    return std::make_pair(feasible_late, best_feasible);
  };
  int told_feasible = 0;
  int blind_feasible = 0;
  double told_best = 0.0;
  double blind_best = 0.0;
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    const auto [told_late, told_value] = run(seed, true);
    const auto [blind_late, blind_value] = run(seed, false);
    told_feasible += told_late;
    blind_feasible += blind_late;
    told_best += told_value;
    blind_best += blind_value;
  }
  EXPECT_GT(told_feasible, 2 * blind_feasible) << told_feasible << " vs " << blind_feasible << " of 160";
  EXPECT_GT(told_feasible, 80) << "of 160 suggestions after the start-up";
  EXPECT_LT(told_best, blind_best);
}

TEST(Tpe, PlateauOfTiedTrialsDoesNotHoldTheSearch) {
  // Regression test for a stall on decision-tree tasks: most settings there grow the same depth-1 tree, so the
  // history fills with trials of exactly one value, the best one seen. When the "below" set was an arbitrary
  // pick among such ties, l(x) was a few wide kernels over the plateau and g(x) many narrow ones, and l / g peaked in
  // the plateau's gaps: TPE kept sampling the plateau for a hundred trials. Here every trial ties, on a plateau
  // x in [0.6, 1]; nothing says the plateau is better than the rest, so TPE should sample outside it at least as
  // often as random search would (40% of the range inside, 60% outside).
  constexpr double kPlateauStart = 0.6;
  int outside = 0;
  int asked = 0;
  for (uint64_t seed = 0; seed < 3; ++seed) {
    auto study = NewStudy(Tpe(seed));
    Rng rng(seed + 1);
    for (int i = 0; i < 60; ++i) {
      study->EnqueueTrial({{"x", kPlateauStart + (1.0 - kPlateauStart) * rng.Uniform()}, {"y", rng.Uniform()}});
      Trial t = study->Ask();
      t.SuggestFloat("x", 0, 1);
      t.SuggestFloat("y", 0, 1);
      study->Tell(t, 1.0);
    }
    for (int i = 0; i < 20; ++i, ++asked) {
      Trial t = study->Ask();
      const double x = t.SuggestFloat("x", 0, 1);
      t.SuggestFloat("y", 0, 1);
      if (x < kPlateauStart) ++outside;
      study->Tell(t, 1.0);
    }
  }
  EXPECT_GE(outside, kPlateauStart * asked) << outside << " of " << asked << " suggestions left the plateau";
}

TEST(Tpe, SampledValuesInsideEveryDistribution) {
  for (bool multivariate : {true, false}) {
    TpeOptions options;
    options.multivariate = multivariate;
    options.n_startup_trials = 5;
    auto study = NewStudy(Tpe(3, options));
    study->Optimize(
        [](Trial& t) {
          double v = t.SuggestFloat("f", -2, 3);
          v += std::log(t.SuggestFloat("flog", 1e-5, 1e-1, true));
          v += t.SuggestFloat("fstep", 0, 1, false, 0.1);
          v += static_cast<double>(t.SuggestInt("i", -3, 4));
          v += static_cast<double>(t.SuggestInt("ilog", 1, 1024, true));
          v += static_cast<double>(t.SuggestInt("istep", 0, 100, false, 7));
          v += t.SuggestFloat("single", 2, 2);
          const ParamValue c = t.SuggestCategorical(
              "c", {ParamValue{int64_t{1}}, ParamValue{2.5}, ParamValue{true}, ParamValue{std::string("x")}});
          v += std::holds_alternative<std::string>(c) ? 1.0 : 0.0;
          return v;
        },
        {.n_trials = 40});
    for (const auto& trial : study->Trials()) {
      ASSERT_EQ(trial.state, TrialState::kComplete);
      for (const auto& [name, value] : trial.params) {
        EXPECT_TRUE(Contains(trial.distributions.at(name), value)) << name << " = " << value;
      }
    }
  }
}

TEST(Tpe, SameSeedSameTrials) {
  auto run = [](uint64_t seed) {
    auto study = NewStudy(Tpe(seed));
    study->Optimize(Branin, {.n_trials = 30});
    std::vector<std::map<std::string, double>> params;
    for (const auto& t : study->Trials()) params.push_back(t.params);
    return params;
  };
  const auto a = run(11);
  const auto b = run(11);
  const auto c = run(12);
  EXPECT_EQ(a, b);
  int differ = 0;
  for (size_t i = 0; i < a.size(); ++i) differ += a[i] != c[i] ? 1 : 0;
  EXPECT_GT(differ, 25);
}

TEST(Tpe, BeatsRandomOnBranin) {
  // Branin's minimum is 0.397887; compare the mean regret of the best trial over 10 seeds at 60 trials.
  const double tpe = MeanBest([](uint64_t s) { return Tpe(s); }, Branin, 60, 10) - 0.397887;
  const double random =
      MeanBest([](uint64_t s) { return std::make_shared<RandomSampler>(s); }, Branin, 60, 10) - 0.397887;
  EXPECT_LT(tpe, 0.5 * random) << "tpe regret " << tpe << ", random regret " << random;
}

TEST(Tpe, UnivariateModeWorks) {
  TpeOptions options;
  options.multivariate = false;
  auto study = NewStudy(Tpe(5, options));
  Trial probe = study->Ask();
  EXPECT_TRUE(study->sampler().InferRelativeSearchSpace(*study, probe.Snapshot()).empty());
  study->Tell(probe, Branin(probe));
  const double tpe = MeanBest([&](uint64_t s) { return Tpe(s, options); }, Branin, 60, 10) - 0.397887;
  const double random =
      MeanBest([](uint64_t s) { return std::make_shared<RandomSampler>(s); }, Branin, 60, 10) - 0.397887;
  EXPECT_LT(tpe, 0.7 * random) << "univariate tpe regret " << tpe << ", random regret " << random;
}

TEST(Tpe, ConditionalBranchesAreSampledJointly) {
  // Two branches with their own parameters; the optimum of branch "a" is at (1, -2).
  auto objective = [](Trial& t) {
    if (t.SuggestCategorical("branch", std::vector<std::string>{"a", "b"}) == "a") {
      const double x = t.SuggestFloat("ax", -5, 5);
      const double y = t.SuggestFloat("ay", -5, 5);
      return (x - 1) * (x - 1) + (y + 2) * (y + 2);
    }
    const double z = t.SuggestFloat("bz", -5, 5);
    return 5 + z * z;
  };
  auto study = NewStudy(Tpe(21));
  study->Optimize(objective, {.n_trials = 60});
  // After startup the relative space holds every branch's parameters, grouped per branch.
  Trial next = study->Ask();
  const SearchSpace space = study->sampler().InferRelativeSearchSpace(*study, next.Snapshot());
  for (const char* name : {"branch", "ax", "ay", "bz"}) EXPECT_EQ(space.count(name), 1u) << name;
  const auto relative = study->sampler().SampleRelative(*study, next.Snapshot(), space);
  for (const char* name : {"branch", "ax", "ay", "bz"}) EXPECT_EQ(relative.count(name), 1u) << name;

  // Late branch-"a" trials concentrate near the optimum, far closer than uniform draws would (mean squared distance
  // of a uniform point on [-5, 5]^2 to (1, -2) is 21.7).
  double total = 0.0;
  int count = 0;
  for (const auto& t : study->Trials({TrialState::kComplete})) {
    if (t.number < 30 || t.params.count("ax") == 0) continue;
    total += t.Value();
    ++count;
  }
  ASSERT_GT(count, 5);
  EXPECT_LT(total / count, 4.0);
}

// A discrete space of 10 × 4 integers × 3 choices (120 configurations), 60 trials: TPE does not propose a
// configuration the study already has (any state), neither in the random start-up nor after it. Without the
// exclusion 21 to 29 of the 50 trials after the start-up were repeats (seeds 0-4).
TEST(Tpe, DoesNotRepeatConfigurationsOfADiscreteSpace) {
  const std::vector<std::string> kinds{"a", "b", "c"};
  for (uint64_t seed = 0; seed < 5; ++seed) {
    auto study = NewStudy(Tpe(seed));
    std::set<std::tuple<int64_t, int64_t, std::string>> seen;
    int repeats = 0;
    study->Optimize(
        [&](Trial& t) {
          const int64_t k = t.SuggestInt("k", 1, 10);
          const int64_t p = t.SuggestInt("p", 1, 4);
          const std::string kind = t.SuggestCategorical("kind", kinds);
          if (!seen.emplace(k, p, kind).second) ++repeats;
          if (k == 4 && p == 2) throw std::runtime_error("this configuration crashes");
          return std::pow(static_cast<double>(k) - 3.6, 2) + std::pow(static_cast<double>(p) - 2.2, 2) +
                 (kind == "b" ? 0.0 : 0.7);
        },
        {.n_trials = 60, .catch_exceptions = true});
    EXPECT_EQ(repeats, 0) << "seed " << seed;
  }
}

// The random start-up of a 3 × 3 space (an integer and a categorical) covers it in 9 trials: each draw that repeats
// a configuration is redrawn. Nine independent draws would all differ in 0.09% of the seeds.
TEST(Tpe, RandomStartupCoversATinySpaceWithoutRepeats) {
  const std::vector<std::string> colours{"red", "green", "blue"};
  TpeOptions options;
  options.n_startup_trials = 20;
  for (uint64_t seed = 0; seed < 10; ++seed) {
    auto study = NewStudy(Tpe(seed, options));
    std::set<std::pair<int64_t, std::string>> seen;
    study->Optimize(
        [&](Trial& t) {
          const int64_t k = t.SuggestInt("k", 1, 3);
          const std::string colour = t.SuggestCategorical("colour", colours);
          seen.emplace(k, colour);
          return static_cast<double>(k);
        },
        {.n_trials = 9});
    EXPECT_EQ(seen.size(), 9U) << "seed " << seed;
  }
}

// The same when all 9 trials are asked before any is told (the first batch of a parallel study): the first asked
// trial stands in for the space until a trial finishes.
TEST(Tpe, FirstBatchCoversATinySpaceWithoutRepeats) {
  const SearchSpace space{
      {"k", IntDistribution{1, 3}},
      {"colour", CategoricalDistribution{{std::string("red"), std::string("green"), std::string("blue")}}}};
  for (uint64_t seed = 0; seed < 10; ++seed) {
    auto study = NewStudy(Tpe(seed));
    std::vector<Trial> batch;
    std::set<std::pair<double, double>> seen;
    for (int i = 0; i < 9; ++i) {
      batch.push_back(study->Ask(space));
      const FrozenTrial snapshot = batch.back().Snapshot();
      seen.emplace(snapshot.params.at("k"), snapshot.params.at("colour"));
    }
    EXPECT_EQ(seen.size(), 9U) << "seed " << seed;
    for (auto& t : batch) study->Tell(t, t.Snapshot().params.at("k"));
  }
}

// Where nothing repeats, the start-up's draws are random search's, value for value (so the avoidance changes a
// study only where a draw collides): 3 integers with 1000 values each, 10 start-up trials.
TEST(Tpe, RandomStartupDrawsAreRandomSearchsWhereNothingRepeats) {
  auto objective = [](Trial& t) {
    double sum = 0.0;
    for (const char* name : {"a", "b", "c"}) sum += static_cast<double>(t.SuggestInt(name, 0, 999));
    return sum;
  };
  for (uint64_t seed = 0; seed < 3; ++seed) {
    auto tpe = NewStudy(Tpe(seed));
    auto random = NewStudy(std::make_shared<RandomSampler>(seed));
    tpe->Optimize(objective, {.n_trials = 10});
    random->Optimize(objective, {.n_trials = 10});
    const auto a = tpe->Trials();
    const auto b = random->Trials();
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].params, b[i].params) << "seed " << seed << ", trial " << i;
  }
}

TEST(Tpe, GroupFalseFallsBackToUnivariateTpeForBranchParameters) {
  TpeOptions options;
  options.group = false;
  auto study = NewStudy(Tpe(4, options));
  study->Optimize(
      [](Trial& t) {
        const double common = t.SuggestFloat("common", -1, 1);
        if (t.SuggestInt("k", 0, 1) == 0) return common * common + std::pow(t.SuggestFloat("only0", -5, 5) - 3, 2);
        return 10 + common * common;
      },
      {.n_trials = 60});
  Trial next = study->Ask();
  const SearchSpace space = study->sampler().InferRelativeSearchSpace(*study, next.Snapshot());
  EXPECT_EQ(space.count("common"), 1u);
  EXPECT_EQ(space.count("only0"), 0u);
  // The branch parameter still improves (univariate TPE, not random): late trials sit near 3.
  double total = 0.0;
  int count = 0;
  for (const auto& t : study->Trials({TrialState::kComplete})) {
    if (t.number < 30 || t.params.count("only0") == 0) continue;
    total += std::fabs(t.params.at("only0") - 3);
    ++count;
  }
  ASSERT_GT(count, 5);
  EXPECT_LT(total / count, 1.5);  // uniform on [-5, 5] gives 3.4
}

TEST(Tpe, ConstantLiarSpreadsPendingSuggestions) {
  auto pending_spread = [](bool liar) {
    TpeOptions options;
    options.constant_liar = liar;
    auto study = NewStudy(Tpe(8, options));
    study->Optimize(
        [](Trial& t) {
          const double x = t.SuggestFloat("x", -5, 5);
          const double y = t.SuggestFloat("y", -5, 5);
          return x * x + y * y;
        },
        {.n_trials = 30});
    // Eight workers ask in turn and start evaluating; none finishes.
    std::vector<std::pair<double, double>> points;
    for (int i = 0; i < 8; ++i) {
      Trial t = study->Ask();
      points.emplace_back(t.SuggestFloat("x", -5, 5), t.SuggestFloat("y", -5, 5));
    }
    double nearest_total = 0.0;
    for (size_t i = 0; i < points.size(); ++i) {
      double nearest = INFINITY;
      for (size_t j = 0; j < points.size(); ++j) {
        if (i != j)
          nearest =
              std::min(nearest, std::hypot(points[i].first - points[j].first, points[i].second - points[j].second));
      }
      nearest_total += nearest;
    }
    return nearest_total / static_cast<double>(points.size());
  };
  const double with_liar = pending_spread(true);
  const double without = pending_spread(false);
  EXPECT_GT(with_liar, 1.25 * without) << "mean nearest-neighbour distance " << with_liar << " vs " << without;
}

TEST(Tpe, MultiObjectiveImprovesTheFrontOverRandom) {
  // Two conflicting objectives on [0, 1]^3; the Pareto set is x1 = x2 = 0 (a ZDT1-like problem).
  auto objective = [](Trial& t) {
    const double x0 = t.SuggestFloat("x0", 0, 1);
    const double x1 = t.SuggestFloat("x1", 0, 1);
    const double x2 = t.SuggestFloat("x2", 0, 1);
    const double g = 1 + 4.5 * (x1 + x2);
    return std::vector<double>{x0, g * (1 - std::sqrt(x0 / g))};
  };
  auto hypervolume = [&](std::shared_ptr<Sampler> sampler) {
    auto study = NewStudy(std::move(sampler), {StudyDirection::kMinimize, StudyDirection::kMinimize});
    study->Optimize(objective, {.n_trials = 80});
    std::vector<std::pair<double, double>> front;
    for (const auto& t : study->BestTrials()) front.emplace_back(t.values[0], t.values[1]);
    return tpe::Hypervolume2d(front, 1.1, 11.0);
  };
  double tpe = 0.0;
  double random = 0.0;
  for (uint64_t seed = 0; seed < 6; ++seed) {
    tpe += hypervolume(Tpe(seed));
    random += hypervolume(std::make_shared<RandomSampler>(seed));
  }
  EXPECT_GT(tpe, random * 1.02) << "hypervolume tpe " << tpe / 6 << " vs random " << random / 6;
}

TEST(Tpe, PrunedAndFailedTrialsAreHandled) {
  auto study = NewStudy(Tpe(9, {.n_startup_trials = 4}));
  study->Optimize(
      [](Trial& t) {
        const double x = t.SuggestFloat("x", -5, 5);
        if (t.number() % 3 == 1) throw std::runtime_error("crash");
        if (t.number() % 3 == 2) {
          t.Report(0, x * x);
          throw TrialPruned();
        }
        return x * x;
      },
      {.n_trials = 30, .catch_exceptions = true});
  EXPECT_EQ(study->Trials({TrialState::kFail}).size(), 10u);
  EXPECT_EQ(study->Trials({TrialState::kPruned}).size(), 10u);
  EXPECT_LT(study->BestValue(), 1.0);
}

TEST(Tpe, RegistryOptionChecks) {
  auto sampler = MakeSampler("tpe", 1, {{"n_startup_trials", 5}, {"multivariate", false}, {"bandwidth", "scott"}});
  ASSERT_EQ(sampler->Name(), "tpe");
  const auto& options = dynamic_cast<TpeSampler&>(*sampler).options();
  EXPECT_EQ(options.n_startup_trials, 5);
  EXPECT_FALSE(options.multivariate);
  EXPECT_TRUE(options.constant_liar);
  EXPECT_THROW(MakeSampler("tpe", 1, {{"gama", 0.2}}), InvalidArgumentError);
  EXPECT_THROW(MakeSampler("tpe", 1, {{"gamma", 0.0}}), InvalidArgumentError);
  EXPECT_THROW(MakeSampler("tpe", 1, {{"bandwidth", "wide"}}), InvalidArgumentError);
  EXPECT_THROW(MakeSampler("tpe", 1, {{"n_ei_candidates", 0}}), InvalidArgumentError);
}

}  // namespace hyperscout
