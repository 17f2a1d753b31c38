// CMA-ES: the pure algorithm (convergence, separable variant, margin, serialization) and the sampler (restarts,
// integer search, warm start, state shared by two Study objects on one SQLite file).
#include <gtest/gtest.h>
#include <unistd.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iostream>
#include <set>

#include "hyperscout/common/error.hpp"
#include "hyperscout/core/study.hpp"
#include "hyperscout/registry.hpp"
#include "hyperscout/samplers/cmaes.hpp"
#include "hyperscout/storage/memory_storage.hpp"
#include "hyperscout/storage/sqlite_storage.hpp"
#include "samplers/cmaes/cma.hpp"
#include "samplers/cmaes/restart.hpp"
#include "samplers/cmaes/warm_start.hpp"

namespace hyperscout {
namespace {

using Objective = std::function<double(const Eigen::VectorXd&)>;

// A random rotation: Q of the QR decomposition of a Gaussian matrix.
Eigen::MatrixXd Rotation(int64_t n, uint64_t seed) {
  Rng rng(seed);
  Eigen::MatrixXd g(n, n);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) g(i, j) = rng.Normal();
  }
  return Eigen::HouseholderQR<Eigen::MatrixXd>(g).householderQ();
}

// Ellipsoid sum_i cond^(i / (n - 1)) z_i^2 with z = R (x - x*), x* = 0.3 in every coordinate.
Objective Ellipsoid(int64_t n, double condition, const Eigen::MatrixXd& rotation) {
  return [n, condition, rotation](const Eigen::VectorXd& x) {
    const Eigen::VectorXd z = rotation * (x - Eigen::VectorXd::Constant(n, 0.3));
    double f = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      const double exponent = n == 1 ? 0.0 : static_cast<double>(i) / static_cast<double>(n - 1);
      f += std::pow(condition, exponent) * z[i] * z[i];
    }
    return f;
  };
}

// One generation: popsize asks, each scored by f right after it is drawn, then the tell; returns the best value.
double Generation(cmaes::Cma& cma, Rng& rng, const Objective& f) {
  std::vector<Eigen::VectorXd> xs;
  std::vector<double> values;
  for (int64_t k = 0; k < cma.popsize(); ++k) {
    xs.push_back(cma.Ask(rng));
    values.push_back(f(xs.back()));
  }
  cma.Tell(xs, values);
  return *std::min_element(values.begin(), values.end());
}

// Runs one CMA-ES (no restarts) until f < target or the budget is spent; returns the best value.
double Minimize(const Objective& f, int64_t n, const cmaes::CmaConfig& config, int64_t budget, double target,
                uint64_t seed) {
  cmaes::Cma cma(Eigen::VectorXd::Constant(n, 0.6), 0.2, config);
  Rng rng(seed);
  double best = std::numeric_limits<double>::infinity();
  for (int64_t evals = 0; evals < budget && best >= target;) {
    evals += cma.popsize();
    best = std::min(best, Generation(cma, rng, f));
  }
  return best;
}

TEST(CmaTest, SphereReachesTargetIn2To10Dimensions) {
  for (const int64_t n : {2, 5, 10}) {
    const Objective f = Ellipsoid(n, 1.0, Eigen::MatrixXd::Identity(n, n));
    EXPECT_LT(Minimize(f, n, {}, 20000, 1e-8, 1), 1e-8) << n << " dimensions";
  }
}

TEST(CmaTest, RotatedEllipsoidReachesTargetIn2To10Dimensions) {
  for (const int64_t n : {2, 5, 10}) {
    const Objective f = Ellipsoid(n, 1e4, Rotation(n, 7 + static_cast<uint64_t>(n)));
    EXPECT_LT(Minimize(f, n, {}, 40000, 1e-8, 2), 1e-8) << n << " dimensions";
  }
}

TEST(CmaTest, SeparableVariantSolvesA40DimensionalSeparableEllipsoid) {
  const int64_t n = 40;
  const Objective f = Ellipsoid(n, 1e4, Eigen::MatrixXd::Identity(n, n));
  cmaes::CmaConfig config;
  config.separable = true;
  EXPECT_LT(Minimize(f, n, config, 120000, 1e-8, 3), 1e-8);
}

TEST(CmaTest, StateRoundTripsThroughJsonAndKeepsSampling) {
  const int64_t n = 4;
  const Objective f = Ellipsoid(n, 100.0, Rotation(n, 5));
  for (const bool separable : {false, true}) {
    cmaes::CmaConfig config;
    config.separable = separable;
    config.thresholds = {{}, {0.25, 0.5, 0.75}, {}, {0.5}};
    cmaes::Cma cma(Eigen::VectorXd::Constant(n, 0.5), 0.3, config);
    Rng rng(9);
    for (int g = 0; g < 15; ++g) Generation(cma, rng, f);
    const Json saved = cma.ToJson();
    const cmaes::Cma restored = cmaes::Cma::FromJson(Json::parse(saved.dump()));
    EXPECT_EQ(restored.ToJson(), saved) << "separable " << separable;
    EXPECT_EQ(restored.generation(), 15);
    // Two copies restored from the same text sample the same candidates.
    const cmaes::Cma again = cmaes::Cma::FromJson(Json::parse(saved.dump()));
    Rng a(4);
    Rng b(4);
    for (int k = 0; k < 5; ++k) EXPECT_EQ(restored.Ask(a), again.Ask(b));
  }
  EXPECT_THROW(cmaes::Cma::FromJson(Json{{"n", 2}}), InvalidArgumentError);
}

TEST(CmaTest, MarginKeepsProbabilityOfLeavingTheCell) {
  // A binary-like dimension (cells [0, 0.5) and [0.5, 1]) whose mean is driven deep into the lower cell.
  cmaes::CmaConfig config;
  config.thresholds = {{0.5}, {}};
  config.popsize = 10;
  cmaes::Cma cma(Eigen::VectorXd::Constant(2, 0.5), 0.2, config);
  Rng rng(1);
  for (int g = 0; g < 200; ++g) {
    Generation(cma, rng, [](const Eigen::VectorXd& x) { return x[0] + (x[1] - 0.5) * (x[1] - 0.5); });
  }
  // Without the margin the first coordinate would collapse far below 0.5; with it, P(x_0 >= 0.5) stays >= alpha.
  const double alpha = 1.0 / (2.0 * 10.0);
  Rng draw(2);
  int upper = 0;
  const int samples = 20000;
  for (int k = 0; k < samples; ++k) upper += cma.Ask(draw)[0] >= 0.5 ? 1 : 0;
  EXPECT_GT(static_cast<double>(upper) / samples, 0.5 * alpha);
  EXPECT_LT(static_cast<double>(upper) / samples, 4.0 * alpha);
}

TEST(CmaTest, RejectsBadInput) {
  EXPECT_THROW(cmaes::Cma(Eigen::VectorXd(), 0.2, {}), InvalidArgumentError);
  EXPECT_THROW(cmaes::Cma(Eigen::VectorXd::Constant(2, 0.5), -1.0, {}), InvalidArgumentError);
  cmaes::Cma cma(Eigen::VectorXd::Constant(2, 0.5), 0.2, {});
  EXPECT_THROW(cma.Tell({Eigen::VectorXd::Constant(2, 0.5)}, {1.0}), InvalidArgumentError);
  EXPECT_THROW(CmaEsSampler({.popsize = 1}), InvalidArgumentError);
  EXPECT_THROW(CmaEsSampler({.restart_strategy = "sometimes"}), InvalidArgumentError);
  EXPECT_THROW(MakeSampler("cmaes", 1, {{"independent_sampler", "gp"}}), InvalidArgumentError);
}

TEST(CmaTest, WarmStartFitsTheBestSourcePoints) {
  Rng rng(3);
  std::vector<Eigen::VectorXd> xs;
  std::vector<double> values;
  for (int k = 0; k < 200; ++k) {
    Eigen::VectorXd x(2);
    x << rng.Uniform(), rng.Uniform();
    xs.push_back(x);
    values.push_back((x - Eigen::Vector2d(0.8, 0.2)).squaredNorm());
  }
  const cmaes::WarmStart warm = cmaes::FitWarmStart(xs, values);
  EXPECT_LT((warm.mean - Eigen::Vector2d(0.8, 0.2)).norm(), 0.05);
  EXPECT_NEAR(warm.cov.determinant(), 1.0, 1e-9);
  EXPECT_GT(warm.sigma, 0.09);  // alpha = 0.1 is the floor of the spread
  EXPECT_LT(warm.sigma, 0.2);
}

// ---- learning-rate adaptation ----

// LRA-CMA-ES is slow but steady on Rastrigin: at 30,000 evaluations it is still behind plain CMA-ES, which has
// converged to a local optimum long before; at 200,000 it has found a far better basin (mean 4.4 vs 16.3 when written).
constexpr int64_t kRastriginGenerations = 20000;  // 200,000 evaluations at popsize 10
constexpr int64_t kNoisyGenerations = 1000;
constexpr double kNoise = 0.01;  // standard deviation of the additive noise; the sphere starts at 0.9

// Runs `generations` generations of CMA-ES on f and returns the state; `noise` adds N(0, noise^2) to every value.
cmaes::Cma RunGenerations(const Objective& f, int64_t n, const cmaes::CmaConfig& config, int64_t generations,
                          double noise, uint64_t seed) {
  cmaes::Cma cma(Eigen::VectorXd::Constant(n, 0.6), 0.2, config);
  Rng rng(seed);
  for (int64_t g = 0; g < generations; ++g) {
    Generation(cma, rng, [&](const Eigen::VectorXd& x) { return f(x) + noise * rng.Normal(); });
  }
  return cma;
}

// Rastrigin 10 n + sum z_i^2 - 10 cos(2 pi z_i) with z = 10.24 (x - 0.4): [0, 1]^n is [-4.1, 6.1]^n, optimum 0.
Objective UnitRastrigin(int64_t n) {
  return [n](const Eigen::VectorXd& x) {
    double f = 10.0 * static_cast<double>(n);
    for (int64_t i = 0; i < n; ++i) {
      const double z = 10.24 * (x[i] - 0.4);
      f += z * z - 10.0 * std::cos(2.0 * M_PI * z);
    }
    return f;
  };
}

TEST(CmaLrAdaptTest, StateRoundTripsAndContinuesIdentically) {
  const int64_t n = 5;
  const Objective f = Ellipsoid(n, 100.0, Rotation(n, 3));
  cmaes::CmaConfig config;
  config.lr_adapt = true;
  config.thresholds = {{}, {0.25, 0.5, 0.75}, {}, {}, {}};  // with the margin on one dimension
  cmaes::Cma cma = RunGenerations(f, n, config, 30, 0.0, 8);
  EXPECT_TRUE(cma.lr_adapt());
  EXPECT_GT(cma.eta_mean(), 0.0);
  EXPECT_LE(cma.eta_mean(), 1.0);
  EXPECT_GT(cma.eta_sigma(), 0.0);
  EXPECT_LT(cma.eta_sigma(), 1.0);  // the covariance update is noisy from the start: its rate drops below 1
  const Json saved = cma.ToJson();
  ASSERT_TRUE(saved.contains("lr_adapt"));
  cmaes::Cma restored = cmaes::Cma::FromJson(Json::parse(saved.dump()));
  EXPECT_EQ(restored.ToJson(), saved);
  EXPECT_TRUE(restored.lr_adapt());
  // Two workers that load the same stored text draw the same generation and take the same step, bit for bit.
  cmaes::Cma again = cmaes::Cma::FromJson(Json::parse(saved.dump()));
  Rng rng(5);
  Rng same_rng(5);
  Generation(restored, rng, f);
  Generation(again, same_rng, f);
  EXPECT_EQ(restored.ToJson(), again.ToJson());
  EXPECT_NE(restored.ToJson()["lr_adapt"], saved["lr_adapt"]);
  // Without lr_adapt the state has no such entry, and old states without it load as plain CMA-ES.
  const cmaes::Cma plain = RunGenerations(f, n, {}, 3, 0.0, 8);
  EXPECT_FALSE(plain.ToJson().contains("lr_adapt"));
  EXPECT_FALSE(cmaes::Cma::FromJson(plain.ToJson()).lr_adapt());
  EXPECT_DOUBLE_EQ(plain.eta_mean(), 1.0);
  Json damaged = saved;
  damaged["lr_adapt"]["eta_mean"] = 0.0;
  EXPECT_THROW(cmaes::Cma::FromJson(damaged), InvalidArgumentError);
  cmaes::CmaConfig separable;
  separable.lr_adapt = true;
  separable.separable = true;
  EXPECT_THROW(cmaes::Cma(Eigen::VectorXd::Constant(2, 0.5), 0.2, separable), InvalidArgumentError);
}

// f at the final mean of `seeds` runs of RunGenerations (seeds first_seed, first_seed + 1, ...), averaged.
double MeanFinalValue(const Objective& f, int64_t n, const cmaes::CmaConfig& config, int64_t generations, double noise,
                      uint64_t first_seed, int seeds) {
  double sum = 0.0;
  for (int s = 0; s < seeds; ++s) sum += f(RunGenerations(f, n, config, generations, noise, first_seed + s).mean());
  return sum / seeds;
}

TEST(CmaLrAdaptTest, SolvesMultimodalRastriginBetterWithTheDefaultPopulation) {
  // Nomura et al. 2023, sec. 5: with lr_adapt, the default popsize (10 in 10-D) finds far better Rastrigin basins
  // than plain CMA-ES, which converges to a local optimum within a few hundred generations.
  const int64_t n = 10;
  const Objective f = UnitRastrigin(n);
  cmaes::CmaConfig lra;
  lra.lr_adapt = true;
  const double plain = MeanFinalValue(f, n, {}, kRastriginGenerations, 0.0, 100, 5);
  const double adapted = MeanFinalValue(f, n, lra, kRastriginGenerations, 0.0, 100, 5);
  std::cout << "rastrigin plain " << plain << " lra " << adapted << std::endl;
  EXPECT_LT(adapted, 0.6 * plain);
}

TEST(CmaLrAdaptTest, KeepsImprovingOnANoisySphere) {
  // Additive noise: once the differences between candidates drown in it, plain CMA-ES's mean random-walks; the
  // adapted learning rates average the noise out and keep moving toward the optimum.
  const int64_t n = 10;
  const Objective sphere = Ellipsoid(n, 1.0, Eigen::MatrixXd::Identity(n, n));
  const double start = sphere(Eigen::VectorXd::Constant(n, 0.6));
  cmaes::CmaConfig lra;
  lra.lr_adapt = true;
  const double plain = MeanFinalValue(sphere, n, {}, kNoisyGenerations, kNoise, 200, 5);
  const double adapted = MeanFinalValue(sphere, n, lra, kNoisyGenerations, kNoise, 200, 5);
  std::cout << "noisy start " << start << " plain " << plain << " lra " << adapted << std::endl;
  // When written: start 0.9, plain 0.0072, lr_adapt 0.00019 (mean over the seeds).
  EXPECT_LT(adapted, 1e-3 * start);
  EXPECT_LT(adapted, 0.1 * plain);
}

TEST(CmaRestartTest, IpopDoublesAndBipopAlternates) {
  Rng rng(1);
  cmaes::RunPlan plan;
  plan.popsize = 8;
  plan = cmaes::NextRun(plan, cmaes::RestartStrategy::kIpop, 8, 2.0, 800, rng);
  EXPECT_EQ(plan.popsize, 16);
  plan = cmaes::NextRun(plan, cmaes::RestartStrategy::kIpop, 8, 2.0, 1600, rng);
  EXPECT_EQ(plan.popsize, 32);

  cmaes::RunPlan bipop;
  bipop.popsize = 8;
  bipop = cmaes::NextRun(bipop, cmaes::RestartStrategy::kBipop, 8, 2.0, 800, rng);
  EXPECT_FALSE(bipop.small);  // the first restart is large
  EXPECT_EQ(bipop.popsize, 16);
  int64_t large = bipop.popsize;
  std::set<bool> regimes;
  for (int r = 0; r < 12; ++r) {
    bipop = cmaes::NextRun(bipop, cmaes::RestartStrategy::kBipop, 8, 2.0, 100 * bipop.popsize, rng);
    regimes.insert(bipop.small);
    EXPECT_GE(bipop.popsize, 8);
    if (bipop.small) {
      EXPECT_LE(bipop.popsize, large / 2);
      EXPECT_LE(bipop.sigma_scale, 1.0);
      EXPECT_GE(bipop.sigma_scale, 0.01);
    } else {
      EXPECT_EQ(bipop.popsize, 2 * large);
      large = bipop.popsize;
    }
  }
  EXPECT_EQ(regimes.size(), 2u);
  EXPECT_GT(bipop.n_large, 0);
  EXPECT_THROW(cmaes::ParseRestartStrategy("often"), InvalidArgumentError);
}

// ---- the sampler ----

std::unique_ptr<Study> NewStudy(std::shared_ptr<Sampler> sampler, std::shared_ptr<Storage> storage = nullptr,
                                const std::string& name = "cmaes",
                                StudyDirection direction = StudyDirection::kMinimize) {
  StudyOptions options;
  options.study_name = name;
  options.storage = storage ? std::move(storage) : std::make_shared<MemoryStorage>();
  options.sampler = std::move(sampler);
  options.directions = {direction};
  return Study::Create(options);
}

Json SlotOf(const FrozenTrial& trial) {
  const auto it = trial.system_attrs.find("cmaes:slot");
  return it == trial.system_attrs.end() ? Json() : it->second;
}

double Rastrigin(Trial& trial, int n) {
  double f = 10.0 * n;
  for (int i = 0; i < n; ++i) {
    const double x = trial.SuggestFloat("x" + std::to_string(i), -5.12, 5.12);
    f += x * x - 10.0 * std::cos(2.0 * M_PI * x);
  }
  return f;
}

TEST(CmaEsSamplerTest, MinimizesAQuadraticInFiveDimensions) {
  auto study = NewStudy(std::make_shared<CmaEsSampler>(CmaEsOptions{}, 4));
  study->Optimize(
      [](Trial& trial) {
        double f = 0.0;
        for (int i = 0; i < 5; ++i) {
          const double x = trial.SuggestFloat("x" + std::to_string(i), -5.0, 5.0);
          f += (i + 1) * (x - 1.0) * (x - 1.0);
        }
        return f;
      },
      {.n_trials = 600});
  EXPECT_LT(study->BestValue(), 1e-6);
}

TEST(CmaEsSamplerTest, MaximizesToo) {
  auto study = NewStudy(std::make_shared<CmaEsSampler>(CmaEsOptions{}, 4), nullptr, "max", StudyDirection::kMaximize);
  study->Optimize(
      [](Trial& trial) {
        const double x = trial.SuggestFloat("x", -5.0, 5.0);
        const double y = trial.SuggestFloat("y", -5.0, 5.0);
        return -(x - 2.0) * (x - 2.0) - (y + 1.0) * (y + 1.0);
      },
      {.n_trials = 200});
  EXPECT_GT(study->BestValue(), -1e-4);
}

TEST(CmaEsSamplerTest, RestartsOnRastriginWithLargerPopulations) {
  for (const std::string strategy : {"ipop", "bipop"}) {
    CmaEsOptions options;
    options.restart_strategy = strategy;
    auto study = NewStudy(std::make_shared<CmaEsSampler>(options, 11));
    study->Optimize([](Trial& trial) { return Rastrigin(trial, 5); }, {.n_trials = 2500});
    std::map<int64_t, std::set<int64_t>> indices_by_restart;
    for (const auto& trial : study->Trials()) {
      const Json slot = SlotOf(trial);
      if (slot.is_null()) continue;
      indices_by_restart[slot["restart"].get<int64_t>()].insert(slot["index"].get<int64_t>());
    }
    ASSERT_GE(indices_by_restart.size(), 2u) << strategy << ": no restart in 2500 trials";
    const size_t first = indices_by_restart.begin()->second.size();
    EXPECT_EQ(first, 8u) << strategy;                             // 4 + floor(3 ln 5)
    EXPECT_EQ(indices_by_restart.at(1).size(), 16u) << strategy;  // IPOP, and BIPOP's first restart, double it
  }
}

// Four continuous parameters that need precision and four integers that matter little: without the margin, sigma
// shrinks for the continuous part and the integers freeze wherever they are.
double MixedIntegerObjective(Trial& trial) {
  double f = 0.0;
  for (int i = 0; i < 4; ++i) {
    const double x = trial.SuggestFloat("x" + std::to_string(i), -5.0, 5.0);
    f += (x - 1.0) * (x - 1.0);
  }
  for (int i = 0; i < 4; ++i) {
    const auto k = static_cast<double>(trial.SuggestInt("k" + std::to_string(i), -10, 10));
    f += 1e-3 * (k - 3.0) * (k - 3.0);
  }
  return f;
}

int WrongIntegers(const FrozenTrial& trial) {
  int wrong = 0;
  for (int i = 0; i < 4; ++i) wrong += std::get<int64_t>(trial.Param("k" + std::to_string(i))) != 3 ? 1 : 0;
  return wrong;
}

TEST(CmaEsSamplerTest, MarginKeepsIntegersExploringUntilTheOptimum) {
  auto study = NewStudy(MakeSampler("cmaes", 5, {{"restart_strategy", "none"}}));
  study->Optimize(MixedIntegerObjective, {.n_trials = 1500});
  EXPECT_EQ(WrongIntegers(study->BestTrial()), 0);
  EXPECT_LT(study->BestValue(), 1e-6);
  // Long after converging, the margin still sends some candidates off the best integer in every dimension.
  const auto trials = study->Trials();
  for (int i = 0; i < 4; ++i) {
    std::set<int64_t> values;
    for (size_t t = trials.size() - 100; t < trials.size(); ++t) {
      values.insert(std::get<int64_t>(trials[t].Param("k" + std::to_string(i))));
    }
    EXPECT_GE(values.size(), 2u) << "k" << i << " collapsed onto one value";
  }
  // Without the margin, runs freeze integers away from the optimum: the problem exercises the margin. Whether a
  // given seed freezes depends on rounding (FMA or not), so the check counts over seeds.
  int frozen = 0;
  int margin_wrong = 0;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    auto plain = NewStudy(MakeSampler("cmaes", seed, {{"restart_strategy", "none"}, {"with_margin", false}}));
    plain->Optimize(MixedIntegerObjective, {.n_trials = 1500});
    frozen += WrongIntegers(plain->BestTrial()) > 0 ? 1 : 0;
    auto margin = NewStudy(MakeSampler("cmaes", seed, {{"restart_strategy", "none"}}));
    margin->Optimize(MixedIntegerObjective, {.n_trials = 1500});
    margin_wrong += WrongIntegers(margin->BestTrial()) > 0 ? 1 : 0;
  }
  std::cout << "wrong integers after 1500 trials, 8 seeds: " << frozen << " without margin, " << margin_wrong
            << " with\n";
  EXPECT_GE(frozen, 3);
  EXPECT_EQ(margin_wrong, 0);
}

TEST(CmaEsSamplerTest, WarmStartPutsTheFirstGenerationNearTheSourceOptimum) {
  auto storage = std::make_shared<MemoryStorage>();
  const auto objective = [](Trial& trial) {
    const double x = trial.SuggestFloat("x", -10.0, 10.0);
    const double y = trial.SuggestFloat("y", -10.0, 10.0);
    return (x - 6.0) * (x - 6.0) + (y + 4.0) * (y + 4.0);
  };
  auto source = NewStudy(MakeSampler("random", 1), storage, "source");
  source->Optimize(objective, {.n_trials = 300});

  // Through the registry option (a study in the same storage) and through the C++ source_trials.
  const auto warm_started = [](const std::string& study_name, std::vector<FrozenTrial> trials) {
    CmaEsOptions by_trials;
    by_trials.source_trials = std::move(trials);
    return std::vector<std::shared_ptr<Sampler>>{MakeSampler("cmaes", 2, {{"warm_start_study", study_name}}),
                                                 std::make_shared<CmaEsSampler>(std::move(by_trials), 2)};
  };
  const auto samplers = warm_started("source", source->Trials());
  for (size_t s = 0; s < samplers.size(); ++s) {
    auto target = NewStudy(samplers[s], storage, "target" + std::to_string(s));
    target->Optimize(objective, {.n_trials = 9});  // the startup trial and the first generation (popsize 6)
    double mx = 0.0;
    double my = 0.0;
    int count = 0;
    for (const auto& trial : target->Trials()) {
      const Json slot = SlotOf(trial);
      if (slot.is_null() || slot["generation"] != 0) continue;
      mx += std::get<double>(trial.Param("x"));
      my += std::get<double>(trial.Param("y"));
      ++count;
    }
    ASSERT_GE(count, 6) << s;
    EXPECT_NEAR(mx / count, 6.0, 1.5) << s;
    EXPECT_NEAR(my / count, -4.0, 1.5) << s;
  }
  // A source that is not there fails the first ask, before any objective runs, and that trial is not left RUNNING.
  auto missing = NewStudy(MakeSampler("cmaes", 2, {{"warm_start_study", "nope"}}), storage, "missing");
  int evaluations = 0;
  EXPECT_THROW(missing->Optimize(
                   [&](Trial& trial) {
                     ++evaluations;
                     return objective(trial);
                   },
                   {.n_trials = 3}),
               InvalidArgumentError);
  EXPECT_EQ(evaluations, 0);
  ASSERT_EQ(missing->Trials().size(), 1u);
  EXPECT_EQ(missing->Trials()[0].state, TrialState::kFail);
  EXPECT_NE(missing->Trials()[0].system_attrs.at("fail_reason").get<std::string>().find("warm_start_study 'nope'"),
            std::string::npos);

  // A source over other parameters (or other ranges) gives nothing to fit: an error naming the space, not a silent
  // cold start, whether the source is a study or source_trials.
  auto other = NewStudy(MakeSampler("random", 1), storage, "other");
  other->Optimize([](Trial& trial) { return trial.SuggestFloat("a", 0.0, 1.0); }, {.n_trials = 20});
  const auto mismatched = warm_started("other", other->Trials());
  for (size_t s = 0; s < mismatched.size(); ++s) {
    auto target = NewStudy(mismatched[s], storage, "mismatched" + std::to_string(s));
    // The space is known once the start-up trial has finished, so the first CMA-ES ask (the second trial) fails.
    EXPECT_THROW(target->Optimize(objective, {.n_trials = 3}), InvalidArgumentError) << s;
    ASSERT_EQ(target->Trials().size(), 2u) << s;
    EXPECT_EQ(target->Trials()[0].state, TrialState::kComplete) << s;
    EXPECT_EQ(target->Trials()[1].state, TrialState::kFail) << s;
    const std::string reason = target->Trials()[1].system_attrs.at("fail_reason").get<std::string>();
    EXPECT_NE(reason.find("no warm-start source trial fits this search space"), std::string::npos) << reason;
    EXPECT_NE(reason.find("(x, y)"), std::string::npos) << reason;
  }
  // warm_start_optional (auto's hand-over) starts cold instead.
  CmaEsOptions optional_start;
  optional_start.source_trials = other->Trials();
  optional_start.warm_start_optional = true;
  auto cold = NewStudy(std::make_shared<CmaEsSampler>(optional_start, 2), storage, "cold");
  cold->Optimize(objective, {.n_trials = 9});
  for (const auto& trial : cold->Trials()) EXPECT_EQ(trial.state, TrialState::kComplete);
}

TEST(CmaEsSamplerTest, InfiniteValuesRankLastAndKeepTheStateReadable) {
  // An objective that answers +inf outside a disc (a simulation that diverged, say): the state, stored as JSON after
  // every generation, must stay readable, and the search must still close in on the optimum inside.
  auto study = NewStudy(std::make_shared<CmaEsSampler>(CmaEsOptions{}, 3));
  study->Optimize(
      [](Trial& trial) {
        const double x = trial.SuggestFloat("x", -5.0, 5.0);
        const double y = trial.SuggestFloat("y", -5.0, 5.0);
        const double r2 = x * x + y * y;
        return r2 > 4.0 ? std::numeric_limits<double>::infinity() : (x - 1.0) * (x - 1.0) + (y - 1.0) * (y - 1.0);
      },
      {.n_trials = 150});
  int infinite = 0;
  for (const auto& trial : study->Trials()) {
    EXPECT_EQ(trial.state, TrialState::kComplete);
    if (std::isinf(trial.Value())) ++infinite;
  }
  EXPECT_GT(infinite, 0);
  EXPECT_LT(study->BestValue(), 1e-2);
}

TEST(CmaEsSamplerTest, AnObjectiveThatIsAlwaysInfiniteKeepsTheStateReadable) {
  // Every value +inf (or -inf when maximizing): each is kept as the largest finite number, and the median of an even
  // population of them once overflowed back to infinity, stored as JSON null ("cmaes state: malformed JSON").
  for (const StudyDirection direction : {StudyDirection::kMinimize, StudyDirection::kMaximize}) {
    auto study = NewStudy(std::make_shared<CmaEsSampler>(CmaEsOptions{}, 4), std::make_shared<MemoryStorage>(),
                          "always-infinite", direction);
    const double value = direction == StudyDirection::kMinimize ? std::numeric_limits<double>::infinity()
                                                                : -std::numeric_limits<double>::infinity();
    ASSERT_NO_THROW(study->Optimize(
        [&](Trial& trial) {
          trial.SuggestFloat("x", 0.0, 1.0);
          trial.SuggestFloat("y", 0.0, 1.0);
          return value;
        },
        {.n_trials = 40}));
    EXPECT_EQ(study->Trials().size(), 40u);
  }
}

TEST(CmaEsSamplerTest, AHugeSigma0KeepsTheStateReadable) {
  // sigma0 far beyond the unit cube puts every sample on a corner; on an objective equal at all corners each generation
  // is flat, and flat fitness widens sigma further. Without a cap it overflowed to infinity, which JSON stores as
  // null, and the next ask failed with "cmaes state: malformed JSON".
  for (const double sigma0 : {1e3, 1e300, std::numeric_limits<double>::max()}) {
    auto study = NewStudy(std::make_shared<CmaEsSampler>(CmaEsOptions{.sigma0 = sigma0}, 5));
    ASSERT_NO_THROW(study->Optimize(
        [](Trial& trial) {
          const double x = trial.SuggestFloat("x", -2.0, 2.0);
          const double y = trial.SuggestFloat("y", -2.0, 2.0);
          return x * x + y * y;
        },
        {.n_trials = 80}))
        << "sigma0 " << sigma0;
    for (const auto& trial : study->Trials()) EXPECT_EQ(trial.state, TrialState::kComplete) << "sigma0 " << sigma0;
  }
  // The step size itself stays finite through many flat generations, and the state round-trips.
  cmaes::Cma cma(Eigen::VectorXd::Constant(2, 0.5), 1e300, {});
  Rng rng(3);
  for (int g = 0; g < 50; ++g) Generation(cma, rng, [](const Eigen::VectorXd&) { return 1.0; });
  EXPECT_TRUE(std::isfinite(cma.sigma()));
  EXPECT_NO_THROW(cmaes::Cma::FromJson(Json::parse(cma.ToJson().dump())));
}

TEST(CmaEsSamplerTest, CategoricalParametersUseTheIndependentSampler) {
  auto study = NewStudy(std::make_shared<CmaEsSampler>(CmaEsOptions{}, 8));
  study->Optimize(
      [](Trial& trial) {
        const double x = trial.SuggestFloat("x", -3.0, 3.0);
        const std::string c = trial.SuggestCategorical("c", std::vector<std::string>{"a", "b"});
        return x * x + (c == "a" ? 0.0 : 1.0);
      },
      {.n_trials = 80});
  EXPECT_LT(study->BestValue(), 1e-3);
  EXPECT_EQ(std::get<std::string>(study->BestTrial().Param("c")), "a");
}

struct TempFile {
  std::string path;
  explicit TempFile(const std::string& name)
      : path((std::filesystem::temp_directory_path() / (name + std::to_string(::getpid()) + ".db")).string()) {
    Cleanup();
  }
  ~TempFile() { Cleanup(); }
  void Cleanup() const {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }
};

double Quadratic3(Trial& trial) {
  const double x = trial.SuggestFloat("x", -5.0, 5.0);
  const auto k = static_cast<double>(trial.SuggestInt("k", 0, 20));
  const double y = trial.SuggestFloat("y", 1e-3, 10.0, true);
  return (x - 1.0) * (x - 1.0) + (k - 7.0) * (k - 7.0) + std::log(y) * std::log(y);
}

// Two workers, each with its own connection, sampler object and Study on one SQLite file, alternate sequential
// trials; together they must give exactly the trials of one worker with the same seed and options.
struct TwoWorkers {
  explicit TwoWorkers(const std::string& prefix) : file(prefix) {}
  TempFile file;
  std::shared_ptr<SqliteStorage> storage_a;
  std::shared_ptr<SqliteStorage> storage_b;
  std::unique_ptr<Study> a;
  std::unique_ptr<Study> b;
  std::vector<FrozenTrial> shared_trials;
};

std::unique_ptr<TwoWorkers> AlternateTwoWorkersLikeOne(const std::string& prefix, uint64_t seed, const Json& options,
                                                       int n_trials) {
  auto w = std::make_unique<TwoWorkers>(prefix);
  w->storage_a = std::make_shared<SqliteStorage>(w->file.path);
  w->storage_b = std::make_shared<SqliteStorage>(w->file.path);
  w->a = NewStudy(MakeSampler("cmaes", seed, options), w->storage_a, "shared");
  w->b = Study::Load("shared", w->storage_b, MakeSampler("cmaes", seed, options));
  for (int k = 0; k < n_trials; ++k) {
    Study& worker = k % 2 == 0 ? *w->a : *w->b;
    Trial trial = worker.Ask();
    worker.Tell(trial, Quadratic3(trial));
  }
  auto single = NewStudy(MakeSampler("cmaes", seed, options), nullptr, "single");
  single->Optimize(Quadratic3, {.n_trials = n_trials});
  w->shared_trials = w->a->Trials();
  const auto single_trials = single->Trials();
  EXPECT_EQ(w->shared_trials.size(), static_cast<size_t>(n_trials));
  for (size_t t = 0; t < std::min(w->shared_trials.size(), single_trials.size()); ++t) {
    EXPECT_EQ(w->shared_trials[t].params, single_trials[t].params) << "trial " << t;
  }
  return w;
}

TEST(CmaEsSamplerTest, TwoStudyObjectsOnOneSqliteFileDriveOneCmaEs) {
  // 31 trials are the startup trial and five generations of 6.
  auto w = AlternateTwoWorkersLikeOne("hyperscout_cmaes_two_workers_", 21, {{"popsize", 6}}, 31);
  Study* a = w->a.get();
  Study* b = w->b.get();
  const auto& shared_trials = w->shared_trials;
  const auto& storage_a = w->storage_a;
  const auto& storage_b = w->storage_b;

  // Overlapping trials (ask, ask, tell, tell; three pairs fill a generation): every generation gets each index once,
  // and none starts before the previous one is complete.
  for (int k = 0; k < 40; ++k) {
    Trial ta = a->Ask();
    Trial tb = b->Ask();
    a->Tell(ta, Quadratic3(ta));
    b->Tell(tb, Quadratic3(tb));
  }
  std::map<int64_t, std::set<int64_t>> indices;
  int64_t last_generation = -1;
  for (const auto& trial : b->Trials()) {
    const Json slot = SlotOf(trial);
    if (slot.is_null()) continue;
    const auto generation = slot["generation"].get<int64_t>();
    EXPECT_GE(generation, last_generation) << "trial " << trial.number << " went back a generation";
    last_generation = std::max(last_generation, generation);
    EXPECT_TRUE(indices[generation].insert(slot["index"].get<int64_t>()).second)
        << "index taken twice in generation " << generation;
  }
  ASSERT_GE(indices.size(), 10u);
  for (const auto& [generation, taken] : indices) {
    if (generation < last_generation) {
      EXPECT_EQ(taken.size(), 6u) << "generation " << generation;
    }
  }
  // Both workers read one state.
  const std::string key = "cmaes:" + SlotOf(shared_trials.back())["space"].get<std::string>() + ":0";
  const auto state_a = storage_a->GetSamplerState(a->id(), key);
  ASSERT_TRUE(state_a.has_value());
  EXPECT_EQ(Json::parse(*state_a)["cma"]["generation"].get<int64_t>(), last_generation);
  EXPECT_EQ(state_a, storage_b->GetSamplerState(b->id(), key));
}

TEST(CmaEsSamplerTest, LrAdaptStateIsSharedByWorkersAndResetAtRestarts) {
  // Two workers on one SQLite file with lr_adapt give exactly the trials of one worker: the adaptation state travels
  // with the stored state.
  auto w = AlternateTwoWorkersLikeOne("hyperscout_cmaes_lr_adapt_", 23, {{"popsize", 6}, {"lr_adapt", true}}, 61);
  const auto& shared_trials = w->shared_trials;
  const auto& storage_a = w->storage_a;
  Study* a = w->a.get();
  const std::string space = SlotOf(shared_trials.back())["space"].get<std::string>();
  const auto state = storage_a->GetSamplerState(a->id(), "cmaes:" + space + ":0");
  ASSERT_TRUE(state.has_value());
  const Json lra = Json::parse(*state)["cma"]["lr_adapt"];
  ASSERT_TRUE(lra.is_object());
  EXPECT_LT(lra["eta_Sigma"].get<double>(), 1.0);

  // A flat objective ends each run after three generations (flatfitness): the next run starts with eta = 1 again.
  auto flat = NewStudy(MakeSampler("cmaes", 4, {{"lr_adapt", true}}));
  flat->Optimize(
      [](Trial& trial) {
        trial.SuggestFloat("x", -1.0, 1.0);
        trial.SuggestFloat("y", -1.0, 1.0);
        return 1.0;
      },
      {.n_trials = 25});  // the startup trial, 3 generations of 6, half of the next run's first generation of 12
  const std::string flat_space = SlotOf(flat->Trials().back())["space"].get<std::string>();
  ASSERT_EQ(SlotOf(flat->Trials().back())["restart"].get<int64_t>(), 1);
  const Json ended = Json::parse(*flat->storage().GetSamplerState(flat->id(), "cmaes:" + flat_space + ":0"));
  const Json fresh = Json::parse(*flat->storage().GetSamplerState(flat->id(), "cmaes:" + flat_space + ":1"));
  EXPECT_TRUE(ended["ended"].get<bool>());
  EXPECT_LT(ended["cma"]["lr_adapt"]["eta_Sigma"].get<double>(), 1.0);
  EXPECT_EQ(fresh["cma"]["generation"].get<int64_t>(), 0);
  EXPECT_EQ(fresh["cma"]["lr_adapt"]["eta_mean"].get<double>(), 1.0);
  EXPECT_EQ(fresh["cma"]["lr_adapt"]["eta_Sigma"].get<double>(), 1.0);
  EXPECT_EQ(fresh["cma"]["lr_adapt"]["V_Sigma"].get<double>(), 0.0);

  EXPECT_THROW(MakeSampler("cmaes", 1, {{"lr_adapt", true}, {"use_separable_cma", true}}), InvalidArgumentError);
}

TEST(CmaEsSamplerTest, FailedTrialsAreReplacedWithNewAttempts) {
  auto study = NewStudy(std::make_shared<CmaEsSampler>(CmaEsOptions{}, 3));
  study->Optimize(
      [](Trial& trial) -> double {
        const double x = trial.SuggestFloat("x", -5.0, 5.0);
        const double y = trial.SuggestFloat("y", -5.0, 5.0);
        if (trial.number() % 4 == 2) throw std::runtime_error("flaky");
        return x * x + y * y;
      },
      {.n_trials = 200, .catch_exceptions = true});
  std::map<std::pair<int64_t, int64_t>, int> attempts;
  for (const auto& trial : study->Trials()) {
    const Json slot = SlotOf(trial);
    if (slot.is_null()) continue;
    const auto key = std::make_pair(slot["generation"].get<int64_t>(), slot["index"].get<int64_t>());
    EXPECT_EQ(slot["attempt"].get<int>(), attempts[key]++) << "trial " << trial.number;
  }
  EXPECT_GT(std::count_if(attempts.begin(), attempts.end(), [](const auto& a) { return a.second > 1; }), 0);
  EXPECT_LT(study->BestValue(), 1e-3);
}

TEST(CmaEsSamplerTest, PrunedTrialsCountUnlessLeftOut) {
  // Every third trial is pruned after reporting a value. Counted (the default), a pruned trial fills its slot of the
  // generation; left out (Optuna's default), its candidate is drawn again as the slot's next attempt, as after a FAIL.
  for (const bool consider : {true, false}) {
    CmaEsOptions options;
    options.consider_pruned_trials = consider;
    auto study = NewStudy(std::make_shared<CmaEsSampler>(options, 3));
    study->Optimize(
        [](Trial& trial) -> double {
          const double x = trial.SuggestFloat("x", -5.0, 5.0);
          const double y = trial.SuggestFloat("y", -5.0, 5.0);
          trial.Report(0, x * x + y * y);
          if (trial.number() % 3 == 2) throw TrialPruned();
          return x * x + y * y;
        },
        {.n_trials = 120});
    int pruned_in_slots = 0;
    int redrawn = 0;
    for (const auto& trial : study->Trials()) {
      const Json slot = SlotOf(trial);
      if (slot.is_null()) continue;
      if (trial.state == TrialState::kPruned) ++pruned_in_slots;
      if (slot["attempt"].get<int>() > 0) ++redrawn;
    }
    EXPECT_GT(pruned_in_slots, 0) << consider;
    if (consider) {
      EXPECT_EQ(redrawn, 0);
    } else {
      EXPECT_GE(redrawn, pruned_in_slots - 6);  // the last generation's pruned trials may not be redrawn yet
    }
    EXPECT_LT(study->BestValue(), 1e-2) << consider;
  }
}

TEST(CmaEsSamplerTest, MultiObjectiveStudiesFallBackToTheIndependentSampler) {
  StudyOptions options;
  options.study_name = "mo";
  options.storage = std::make_shared<MemoryStorage>();
  options.sampler = std::make_shared<CmaEsSampler>(CmaEsOptions{}, 1);
  options.directions = {StudyDirection::kMinimize, StudyDirection::kMinimize};
  auto study = Study::Create(options);
  study->Optimize(
      [](Trial& trial) {
        const double x = trial.SuggestFloat("x", 0.0, 1.0);
        return std::vector<double>{x, 1.0 - x};
      },
      {.n_trials = 20});
  for (const auto& trial : study->Trials()) EXPECT_TRUE(SlotOf(trial).is_null());
}

}  // namespace
}  // namespace hyperscout
