#include "hyperscout/samplers/auto.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <numbers>
#include <string>
#include <vector>

#include "hyperscout/common/error.hpp"
#include "hyperscout/common/rng.hpp"
#include "hyperscout/core/study.hpp"
#include "hyperscout/registry.hpp"
#include "hyperscout/samplers/random.hpp"
#include "hyperscout/storage/memory_storage.hpp"

namespace hyperscout {
namespace {

std::unique_ptr<Study> NewStudy(std::shared_ptr<Sampler> sampler,
                                std::vector<StudyDirection> directions = {StudyDirection::kMinimize}) {
  StudyOptions options;
  options.study_name = "auto";
  options.storage = std::make_shared<MemoryStorage>();
  options.sampler = std::move(sampler);
  options.directions = std::move(directions);
  return Study::Create(options);
}

std::vector<std::string> Chosen(const Study& study) {
  std::vector<std::string> out;
  for (const auto& trial : study.Trials()) out.push_back(trial.system_attrs.at("auto:sampler").get<std::string>());
  return out;
}

double Branin(Trial& trial) {
  const double x = trial.SuggestFloat("x", -5, 10);
  const double y = trial.SuggestFloat("y", 0, 15);
  constexpr double kPi = std::numbers::pi;
  const double b = 5.1 / (4 * kPi * kPi);
  const double c = 5 / kPi;
  return std::pow(y - b * x * x + c * x - 6, 2) + 10 * (1 - 1 / (8 * kPi)) * std::cos(x) + 10;
}

TEST(AutoRule, FollowsTheDocumentedTable) {
  const AutoOptions options;  // gp_max_trials 200, max_categorical_share 0.5
  AutoSpaceSummary numeric{.n_finished = 50, .n_params = 5};
  EXPECT_EQ(ChooseSampler(numeric, options), AutoChoice::kGp);
  EXPECT_EQ(ChooseSampler({}, options), AutoChoice::kGp);  // nothing known yet: GP's quasi-random start-up

  AutoSpaceSummary mo = numeric;
  mo.multi_objective = true;
  EXPECT_EQ(ChooseSampler(mo, options), AutoChoice::kTpe);

  AutoSpaceSummary conditional = numeric;
  conditional.conditional = true;
  EXPECT_EQ(ChooseSampler(conditional, options), AutoChoice::kTpe);

  AutoSpaceSummary categorical = numeric;
  categorical.n_categorical = 3;  // 3 of 5
  EXPECT_EQ(ChooseSampler(categorical, options), AutoChoice::kTpe);
  categorical.n_categorical = 2;  // 2 of 5: still mostly numeric
  EXPECT_EQ(ChooseSampler(categorical, options), AutoChoice::kGp);

  AutoSpaceSummary long_run = numeric;
  long_run.n_finished = 200;
  EXPECT_EQ(ChooseSampler(long_run, options), AutoChoice::kCmaEs);
  long_run.has_constraints = true;  // CMA-ES has no feasibility model
  EXPECT_EQ(ChooseSampler(long_run, options), AutoChoice::kTpe);

  AutoSpaceSummary one_dim{.n_finished = 500, .n_params = 1};
  EXPECT_EQ(ChooseSampler(one_dim, options), AutoChoice::kTpe);
}

TEST(AutoRule, BadOptionsAreClearErrors) {
  EXPECT_THROW(AutoSampler(AutoOptions{.gp_max_trials = -1}), InvalidArgumentError);
  EXPECT_THROW(AutoSampler(AutoOptions{.max_categorical_share = 1.5}), InvalidArgumentError);
  EXPECT_THROW(MakeSampler("auto", 1, {{"gp_max_trial", 3}}), InvalidArgumentError);
}

TEST(AutoSampler, IsTheRegistryDefault) {
  EXPECT_EQ(std::string(kDefaultSampler), "auto");
  EXPECT_EQ(MakeSampler(kDefaultSampler)->Name(), "auto");
  StudyOptions options;
  options.study_name = "default";
  options.storage = std::make_shared<MemoryStorage>();
  auto study = CreateStudy(options);  // no sampler given
  EXPECT_EQ(study->sampler().Name(), "auto");
  study->Optimize(Branin, {.n_trials = 15});
  EXPECT_EQ(study->Trials({TrialState::kComplete}).size(), 15u);
}

TEST(AutoSampler, NumericSpaceRunsGpThenCmaEs) {
  auto study = NewStudy(MakeSampler("auto", 3, {{"gp_max_trials", 12}}));
  study->Optimize(
      [](Trial& t) {
        double sum = 0;
        for (int i = 0; i < 3; ++i) sum += std::pow(t.SuggestFloat(fmt::format("x{}", i), -3, 3) - 1, 2);
        return sum;
      },
      {.n_trials = 30});
  const auto chosen = Chosen(*study);
  for (size_t i = 0; i < chosen.size(); ++i) EXPECT_EQ(chosen[i], i < 12 ? "gp" : "cmaes") << "trial " << i;
  // CMA-ES, warm-started from the GP trials, keeps improving on them rather than starting over.
  double best_gp = 1e9;
  for (const auto& trial : study->Trials()) {
    if (trial.number < 12) best_gp = std::min(best_gp, trial.values.at(0));
  }
  EXPECT_LT(study->BestTrial().values.at(0), best_gp + 1e-12);
}

// gp_kernel reaches the GP delegate: with each kernel (auto too), auto's trials are those of a GP sampler with that
// kernel and the delegate's seed; the two kernels share the start-up and then differ; other values are refused.
TEST(AutoSampler, GpKernelOptionReachesTheGp) {
  EXPECT_EQ(AutoOptions{}.gp_kernel, "matern52");
  for (const Json& bad : {Json("matern12"), Json("rbf"), Json(52)}) {
    try {
      MakeSampler("auto", 1, {{"gp_kernel", bad}});
      ADD_FAILURE() << "gp_kernel = " << bad.dump() << " was accepted";
    } catch (const InvalidArgumentError& e) {
      EXPECT_NE(std::string(e.what()).find("gp_kernel"), std::string::npos) << e.what();
    }
  }
  auto run = [](std::shared_ptr<Sampler> sampler) {
    auto study = NewStudy(std::move(sampler));
    study->Optimize(
        [](Trial& t) {
          const double x = t.SuggestFloat("x", 0.0, 1.0);
          const int64_t n = t.SuggestInt("n", 1, 40);
          return std::abs(x - 0.3) + 0.05 * std::abs(static_cast<double>(n) - 17.0);
        },
        {.n_trials = 20});
    std::vector<std::map<std::string, double>> params;
    for (const auto& t : study->Trials()) params.push_back(t.params);
    return params;
  };
  constexpr uint64_t kSeed = 7;
  const uint64_t gp_seed = MixSeed(kSeed, StableHash("gp"));
  std::map<std::string, std::vector<std::map<std::string, double>>> by_kernel;
  for (const std::string kernel : {"matern52", "matern32", "auto"}) {
    by_kernel[kernel] = run(MakeSampler("auto", kSeed, {{"gp_kernel", kernel}}));
    EXPECT_EQ(by_kernel[kernel], run(MakeSampler("gp", gp_seed, {{"kernel", kernel}}))) << kernel;
  }
  EXPECT_EQ(by_kernel["matern52"], run(MakeSampler("auto", kSeed)));
  const auto& smooth = by_kernel["matern52"];
  const auto& rough = by_kernel["matern32"];
  int differ = 0;
  for (size_t i = 0; i < smooth.size(); ++i) {
    if (i < 10) {
      EXPECT_EQ(smooth[i], rough[i]) << "start-up trial " << i;
    } else {
      differ += smooth[i] != rough[i] ? 1 : 0;
    }
  }
  EXPECT_GT(differ, 0);
}

// gp_stall_share reaches the GP delegate: auto's trials are those of a GP sampler with that stall_share and the
// delegate's seed, and differ from the default's once trial 0's value (never beaten) has stood for 20 trials.
TEST(AutoSampler, GpStallShareOptionReachesTheGp) {
  EXPECT_EQ(AutoOptions{}.gp_stall_share, 0.0);
  for (const Json& bad : {Json(-1.0), Json(2.0), Json("on")}) {
    try {
      MakeSampler("auto", 1, {{"gp_stall_share", bad}});
      ADD_FAILURE() << "gp_stall_share = " << bad.dump() << " was accepted";
    } catch (const InvalidArgumentError& e) {
      EXPECT_NE(std::string(e.what()).find("gp_stall_share"), std::string::npos) << e.what();
    }
  }
  auto run = [](std::shared_ptr<Sampler> sampler) {
    auto study = NewStudy(std::move(sampler));
    study->Optimize(
        [](Trial& t) {
          const double x = t.SuggestFloat("x", 0.0, 1.0);
          const double y = t.SuggestFloat("y", 0.0, 1.0);
          return t.number() == 0 ? 0.0 : 1.0 + std::abs(x - 0.3) + std::abs(y - 0.6);
        },
        {.n_trials = 26});
    std::vector<std::map<std::string, double>> params;
    for (const auto& t : study->Trials()) params.push_back(t.params);
    return params;
  };
  constexpr uint64_t kSeed = 3;
  const auto shared = run(MakeSampler("auto", kSeed, {{"gp_stall_share", 1.0}}));
  EXPECT_EQ(shared, run(MakeSampler("gp", MixSeed(kSeed, StableHash("gp")), {{"stall_share", 1.0}})));
  const auto plain = run(MakeSampler("auto", kSeed));
  for (size_t i = 0; i < shared.size(); ++i) {
    if (i <= 20) {
      EXPECT_EQ(shared[i], plain[i]) << "trial " << i;
    } else {
      EXPECT_NE(shared[i], plain[i]) << "trial " << i;
    }
  }
}

TEST(AutoSampler, ConditionalAndCategoricalSpacesGoToTpe) {
  auto study = NewStudy(MakeSampler("auto", 4));
  study->Optimize(
      [](Trial& t) {
        const std::string kind = t.SuggestCategorical("kind", std::vector<std::string>{"a", "b"});
        if (kind == "a") return std::pow(t.SuggestFloat("xa", -1, 1), 2);
        return 1 + std::pow(t.SuggestFloat("xb", -1, 1), 2);
      },
      {.n_trials = 25});
  const auto chosen = Chosen(*study);
  // As soon as both branches have finished, the space is conditional and every later trial is TPE's.
  int64_t first_tpe = -1;
  for (size_t i = 0; i < chosen.size(); ++i) {
    if (chosen[i] == "tpe") {
      first_tpe = static_cast<int64_t>(i);
      break;
    }
  }
  ASSERT_GE(first_tpe, 0);
  EXPECT_LE(first_tpe, 12);
  for (size_t i = static_cast<size_t>(first_tpe); i < chosen.size(); ++i) EXPECT_EQ(chosen[i], "tpe");
}

TEST(AutoSampler, MultiObjectiveGoesToTpe) {
  auto study = NewStudy(MakeSampler("auto", 5), {StudyDirection::kMinimize, StudyDirection::kMinimize});
  study->Optimize(
      [](Trial& t) {
        const double x = t.SuggestFloat("x", 0, 1);
        return std::vector<double>{x, 1 - x};
      },
      {.n_trials = 5});
  for (const auto& name : Chosen(*study)) EXPECT_EQ(name, "tpe");
}

// Gross-breakage check, not a benchmark: auto must beat random search on 2-D Branin with the same seeds.
TEST(AutoSampler, BeatsRandomOnBranin) {
  double auto_sum = 0;
  double random_sum = 0;
  constexpr int kSeeds = 5;
  for (int seed = 0; seed < kSeeds; ++seed) {
    auto a = NewStudy(MakeSampler("auto", seed));
    a->Optimize(Branin, {.n_trials = 25});
    auto_sum += a->BestTrial().values.at(0);
    auto r = NewStudy(std::make_shared<RandomSampler>(seed));
    r->Optimize(Branin, {.n_trials = 25});
    random_sum += r->BestTrial().values.at(0);
  }
  EXPECT_LT(auto_sum / kSeeds, random_sum / kSeeds);
}

}  // namespace
}  // namespace hyperscout
