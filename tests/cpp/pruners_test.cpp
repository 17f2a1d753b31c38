// Behaviour of each pruner; the shared contract is in tests/conformance/pruner_conformance.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "hyperscout/common/error.hpp"
#include "hyperscout/core/study.hpp"
#include "hyperscout/pruners/median.hpp"
#include "hyperscout/pruners/patient.hpp"
#include "hyperscout/pruners/percentile.hpp"
#include "hyperscout/pruners/successive_halving.hpp"
#include "hyperscout/pruners/threshold.hpp"
#include "hyperscout/registry.hpp"
#include "hyperscout/samplers/random.hpp"
#include "hyperscout/storage/memory_storage.hpp"
#include "pruners/pruner_utils.hpp"

namespace hyperscout {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::unique_ptr<Study> NewStudy(std::shared_ptr<Pruner> pruner, StudyDirection direction = StudyDirection::kMinimize,
                                const std::shared_ptr<Storage>& storage = nullptr) {
  StudyOptions options;
  options.study_name = "pruners";
  options.storage = storage ? storage : std::make_shared<MemoryStorage>();
  options.sampler = std::make_shared<RandomSampler>(3);
  options.pruner = std::move(pruner);
  options.directions = {direction};
  options.load_if_exists = true;
  return Study::Create(options);
}

// Adds a finished trial that reported `values` at steps 0, 1, ... without asking the pruner.
void AddFinished(Study& study, const std::vector<double>& values, TrialState state = TrialState::kComplete) {
  Trial trial = study.Ask();
  for (size_t step = 0; step < values.size(); ++step) trial.Report(static_cast<int64_t>(step), values[step]);
  if (state == TrialState::kComplete) {
    study.Tell(trial, values.back());
  } else {
    study.Tell(trial, state);
  }
}

// Reports `values` at steps 0, 1, ... and returns the pruner's answer after the last one.
bool PruneAfter(Trial& trial, const std::vector<double>& values) {
  for (size_t step = 0; step < values.size(); ++step) trial.Report(static_cast<int64_t>(step), values[step]);
  return trial.ShouldPrune();
}

// Asks about a new trial, then fails it so it does not join the percentile pruners' reference set.
bool FreshTrialPruned(Study& study, const std::vector<double>& values) {
  Trial trial = study.Ask();
  const bool pruned = PruneAfter(trial, values);
  study.Tell(trial, TrialState::kFail);
  return pruned;
}

// ---- percentile / median ----

TEST(PercentileOf, InterpolatesLinearlyAndIgnoresNan) {
  EXPECT_DOUBLE_EQ(PercentileOf({4, 1, 3, 2}, 50), 2.5);
  EXPECT_DOUBLE_EQ(PercentileOf({4, 1, 3, 2}, 0), 1);
  EXPECT_DOUBLE_EQ(PercentileOf({4, 1, 3, 2}, 100), 4);
  EXPECT_DOUBLE_EQ(PercentileOf({0, 10}, 25), 2.5);
  EXPECT_DOUBLE_EQ(PercentileOf({kNan, 5, kNan, 7}, 50), 6);
  EXPECT_TRUE(std::isnan(PercentileOf({kNan}, 50)));
  EXPECT_TRUE(std::isnan(PercentileOf({-kInf, kInf}, 50)));
  EXPECT_EQ(PercentileOf({1, kInf}, 50), kInf);
  EXPECT_EQ(PercentileOf({-kInf, 1}, 50), -kInf);
  EXPECT_EQ(PercentileOf({kInf, kInf}, 50), kInf);
}

TEST(MedianPruner, PrunesTheClearlyWorseAndKeepsTheClearlyBetter) {
  auto study = NewStudy(std::make_shared<MedianPruner>());
  for (int i = 0; i < 5; ++i) AddFinished(*study, std::vector<double>(10, i));  // 0, 1, 2, 3, 4 at every step
  EXPECT_TRUE(FreshTrialPruned(*study, {10.0}));
  EXPECT_FALSE(FreshTrialPruned(*study, {-1.0}));
  EXPECT_FALSE(FreshTrialPruned(*study, {2.0}));  // at the median is not worse than it
}

TEST(MedianPruner, UsesTheBestValueSoFar) {
  auto study = NewStudy(std::make_shared<MedianPruner>());
  for (int i = 0; i < 5; ++i) AddFinished(*study, std::vector<double>(10, i));
  // A trial that was excellent at step 0 and bad at step 1 is judged by its best, 0.
  EXPECT_FALSE(FreshTrialPruned(*study, {0.0, 10.0}));
}

TEST(MedianPruner, WaitsForStartupTrials) {
  auto study = NewStudy(std::make_shared<MedianPruner>(5));
  for (int i = 0; i < 4; ++i) AddFinished(*study, std::vector<double>(3, i));
  EXPECT_FALSE(FreshTrialPruned(*study, {100.0}));
  AddFinished(*study, std::vector<double>(3, 4.0));
  EXPECT_TRUE(FreshTrialPruned(*study, {100.0}));
}

TEST(MedianPruner, PrunedTrialsCountAtTheStepsTheyReached) {
  auto study = NewStudy(std::make_shared<MedianPruner>());
  for (int i = 0; i < 5; ++i) AddFinished(*study, std::vector<double>(5, i));
  for (int i = 0; i < 3; ++i) AddFinished(*study, {100.0}, TrialState::kPruned);
  // Step 0 holds {0, 1, 2, 3, 4, 100, 100, 100}: median 3.5. Step 1 holds only {0..4}: median 2.
  EXPECT_FALSE(FreshTrialPruned(*study, {3.5}));
  EXPECT_TRUE(FreshTrialPruned(*study, {3.5, 3.5}));
}

TEST(MedianPruner, RunningAndFailedTrialsDoNotCount) {
  auto study = NewStudy(std::make_shared<MedianPruner>(0));
  Trial running = study->Ask();
  running.Report(0, 100.0);
  AddFinished(*study, {100.0}, TrialState::kFail);
  AddFinished(*study, {1.0});
  EXPECT_TRUE(FreshTrialPruned(*study, {5.0}));  // the only reference is 1.0
}

TEST(PercentilePruner, PercentileSetsTheBar) {
  for (const auto direction : {StudyDirection::kMinimize, StudyDirection::kMaximize}) {
    const double sign = direction == StudyDirection::kMinimize ? 1.0 : -1.0;
    auto strict = NewStudy(std::make_shared<PercentilePruner>(25.0), direction);
    auto lenient = NewStudy(std::make_shared<PercentilePruner>(75.0), direction);
    for (int i = 0; i < 5; ++i) {
      AddFinished(*strict, {sign * i});
      AddFinished(*lenient, {sign * i});
    }
    // In loss terms the 25th percentile is 1 and the 75th is 3.
    EXPECT_TRUE(FreshTrialPruned(*strict, {sign * 2.0})) << ToString(direction);
    EXPECT_FALSE(FreshTrialPruned(*lenient, {sign * 2.0})) << ToString(direction);
    EXPECT_TRUE(FreshTrialPruned(*lenient, {sign * 3.5})) << ToString(direction);
  }
}

TEST(PercentilePruner, NeedsMinTrialsAtTheStep) {
  auto study = NewStudy(std::make_shared<PercentilePruner>(50.0, 0, 0, 1, 3));
  AddFinished(*study, {0.0, 0.0, 0.0});
  AddFinished(*study, {0.0, 0.0});
  AddFinished(*study, {0.0});
  EXPECT_TRUE(FreshTrialPruned(*study, {5.0}));             // three values at step 0
  EXPECT_FALSE(FreshTrialPruned(*study, {5.0, 5.0}));       // two at step 1
  EXPECT_FALSE(FreshTrialPruned(*study, {5.0, 5.0, 5.0}));  // one at step 2
}

TEST(PercentilePruner, LatestNanPrunes) {
  auto study = NewStudy(std::make_shared<MedianPruner>(0));
  AddFinished(*study, {1.0, 1.0});
  EXPECT_TRUE(FreshTrialPruned(*study, {0.0, kNan}));
  EXPECT_FALSE(FreshTrialPruned(*study, {kNan, 0.0}));  // recovered: judged on its finite best
}

TEST(PruningChecks, WarmupAndIntervalPickTheFirstReportOfEachInterval) {
  FrozenTrial trial;
  for (int step = 0; step < 10; ++step) trial.intermediate_values[step] = 0.0;
  std::vector<int64_t> checked;
  FrozenTrial growing;
  for (const auto& [step, value] : trial.intermediate_values) {
    growing.intermediate_values[step] = value;
    if (pruner_detail::IsPruningCheck(growing, step, 2, 3)) checked.push_back(step);
  }
  EXPECT_EQ(checked, (std::vector<int64_t>{2, 5, 8}));

  // Sparse reports: a check whose step was skipped happens at the next report.
  FrozenTrial sparse;
  checked.clear();
  for (int64_t step : {0, 4, 7, 12, 13}) {
    sparse.intermediate_values[step] = 0.0;
    if (pruner_detail::IsPruningCheck(sparse, step, 2, 3)) checked.push_back(step);
  }
  EXPECT_EQ(checked, (std::vector<int64_t>{4, 7, 12}));
}

TEST(MedianPruner, WarmupDelaysThePruning) {
  auto study = NewStudy(std::make_shared<MedianPruner>(0, 3));
  AddFinished(*study, std::vector<double>(6, 0.0));
  Trial trial = study->Ask();
  for (int step = 0; step < 3; ++step) {
    trial.Report(step, 10.0);
    EXPECT_FALSE(trial.ShouldPrune()) << step;
  }
  trial.Report(3, 10.0);
  EXPECT_TRUE(trial.ShouldPrune());
}

// ---- threshold ----

TEST(ThresholdPruner, PrunesOutsideTheBoundsAndOnNan) {
  auto study = NewStudy(std::make_shared<ThresholdPruner>(-1.0, 2.0));
  EXPECT_FALSE(FreshTrialPruned(*study, {0.0}));
  EXPECT_FALSE(FreshTrialPruned(*study, {-1.0}));
  EXPECT_FALSE(FreshTrialPruned(*study, {2.0}));
  EXPECT_TRUE(FreshTrialPruned(*study, {2.5}));
  EXPECT_TRUE(FreshTrialPruned(*study, {-1.5}));
  EXPECT_TRUE(FreshTrialPruned(*study, {kNan}));
  EXPECT_TRUE(FreshTrialPruned(*study, {kInf}));
  EXPECT_FALSE(FreshTrialPruned(*study, {5.0, 0.0}));  // only the latest value counts
}

TEST(ThresholdPruner, OneSidedBoundAndWarmup) {
  auto study = NewStudy(std::make_shared<ThresholdPruner>(std::nullopt, 1.0, 2));
  EXPECT_FALSE(FreshTrialPruned(*study, {-1e9}));
  EXPECT_FALSE(FreshTrialPruned(*study, {5.0, 5.0}));  // still warming up
  EXPECT_TRUE(FreshTrialPruned(*study, {5.0, 5.0, 5.0}));
}

// ---- patient ----

TEST(PatientPruner, PrunesAfterPatienceReportsWithoutImprovement) {
  auto study = NewStudy(std::make_shared<PatientPruner>(nullptr, 2));
  Trial trial = study->Ask();
  const std::vector<double> curve = {5, 4, 3, 3, 3, 3};
  std::vector<bool> decisions;
  for (size_t step = 0; step < curve.size(); ++step) {
    trial.Report(static_cast<int64_t>(step), curve[step]);
    decisions.push_back(trial.ShouldPrune());
  }
  // The window is the last 3 reports; at step 5 it is {3, 3, 3} against an earlier best of 3.
  EXPECT_EQ(decisions, (std::vector<bool>{false, false, false, false, false, true}));
}

TEST(PatientPruner, MinDeltaSetsWhatCountsAsImprovement) {
  const std::vector<double> curve = {5, 4, 3, 2.9, 2.8, 2.7};
  auto strict = NewStudy(std::make_shared<PatientPruner>(nullptr, 2, 0.5));
  auto lenient = NewStudy(std::make_shared<PatientPruner>(nullptr, 2, 0.1));
  EXPECT_TRUE(FreshTrialPruned(*strict, curve));    // 2.7 is not below 3 - 0.5
  EXPECT_FALSE(FreshTrialPruned(*lenient, curve));  // 2.7 is below 3 - 0.1
  auto maximize = NewStudy(std::make_shared<PatientPruner>(nullptr, 2, 0.5), StudyDirection::kMaximize);
  EXPECT_TRUE(FreshTrialPruned(*maximize, {-5, -4, -3, -2.9, -2.8, -2.7}));
  EXPECT_FALSE(FreshTrialPruned(*maximize, {1, 2, 3, 4, 5, 6}));
  EXPECT_TRUE(FreshTrialPruned(*strict, {1, 2, 3, 4, 5, 6}));  // rising values are getting worse when minimizing
}

TEST(PatientPruner, WrappedPrunerMustAgree) {
  auto median = std::make_shared<MedianPruner>(0);
  auto study = NewStudy(std::make_shared<PatientPruner>(median, 1));
  AddFinished(*study, {9, 9, 9, 9});
  AddFinished(*study, {0, 0, 0, 0});
  EXPECT_FALSE(FreshTrialPruned(*study, {1, 1, 1, 1}));  // stalled, but better than the median (4.5)
  EXPECT_TRUE(FreshTrialPruned(*study, {8, 8, 8, 8}));   // stalled and worse than the median
  EXPECT_FALSE(FreshTrialPruned(*study, {8, 7, 6, 5}));  // worse than the median, but improving
}

// ---- successive halving ----

// Runs every trial up to `step` with the given constant values, then asks about each one.
std::vector<bool> AskAtStep(Study& study, std::vector<Trial>& trials, const std::vector<double>& values, int64_t step) {
  for (size_t i = 0; i < trials.size(); ++i) trials[i].Report(step, values[i]);
  std::vector<bool> pruned;
  pruned.reserve(trials.size());
  for (auto& trial : trials) pruned.push_back(trial.ShouldPrune());
  return pruned;
}

TEST(SuccessiveHalvingPruner, PromotesTheTopOneOverEtaAtEachRung) {
  for (const auto direction : {StudyDirection::kMinimize, StudyDirection::kMaximize}) {
    const double sign = direction == StudyDirection::kMinimize ? 1.0 : -1.0;
    auto study = NewStudy(std::make_shared<SuccessiveHalvingPruner>(1, 4), direction);
    std::vector<Trial> trials;
    std::vector<double> values;
    // Losses 0..15 in a shuffled order; rung 0 ends at step 1, rung 1 at step 4.
    const int order[16] = {7, 12, 3, 0, 15, 9, 4, 11, 1, 14, 6, 13, 2, 10, 5, 8};
    for (int loss : order) {
      trials.push_back(study->Ask());
      values.push_back(sign * loss);
    }
    const auto rung0 = AskAtStep(*study, trials, values, 1);
    std::vector<Trial> survivors;
    std::vector<double> survivor_values;
    for (size_t i = 0; i < trials.size(); ++i) {
      EXPECT_EQ(rung0[i], order[i] >= 4) << "loss " << order[i] << " " << ToString(direction);
      if (!rung0[i]) {
        survivors.push_back(trials[i]);
        survivor_values.push_back(values[i]);
      }
    }
    ASSERT_EQ(survivors.size(), 4u);  // 16 / eta
    // Between rungs nothing is decided.
    for (auto& trial : survivors) {
      trial.Report(2, 100.0 * sign);
      EXPECT_FALSE(trial.ShouldPrune());
    }
    const auto rung1 = AskAtStep(*study, survivors, survivor_values, 4);
    int kept = 0;
    for (size_t i = 0; i < survivors.size(); ++i) {
      EXPECT_EQ(rung1[i], survivor_values[i] != 0.0) << ToString(direction);
      kept += rung1[i] ? 0 : 1;
    }
    EXPECT_EQ(kept, 1);
    const FrozenTrial best = study->storage().GetTrial(
        survivors[static_cast<size_t>(std::find(survivor_values.begin(), survivor_values.end(), 0.0) -
                                      survivor_values.begin())]
            .id());
    EXPECT_EQ(best.system_attrs.at("asha:promoted"), 2);
    EXPECT_EQ(best.system_attrs.at("asha:rung_0"), 0.0);
  }
}

TEST(SuccessiveHalvingPruner, EarlyArrivalsAndFinalPromotions) {
  auto study = NewStudy(std::make_shared<SuccessiveHalvingPruner>(2, 3));
  // The first trial at a rung has no competition and goes on.
  Trial first = study->Ask();
  first.Report(2, 10.0);
  EXPECT_FALSE(first.ShouldPrune());
  // Nine better trials reach rung 0 and finish.
  for (int i = 0; i < 9; ++i) AddFinished(*study, {0.0, 0.0, static_cast<double>(i)});
  // The first trial's promotion stands: asking again before rung 1 (step 6) does not revisit it.
  first.Report(3, 10.0);
  EXPECT_FALSE(first.ShouldPrune());
  // A newcomer as bad as the first one is now pruned at rung 0.
  EXPECT_TRUE(FreshTrialPruned(*study, {10.0, 10.0, 10.0}));
}

TEST(SuccessiveHalvingPruner, MinEarlyStoppingRateAndBootstrap) {
  EXPECT_EQ(SuccessiveHalvingPruner(3, 2, 2).RungStep(3, 0), 12);
  EXPECT_EQ(SuccessiveHalvingPruner(3, 2, 2).RungStep(3, 1), 24);
  EXPECT_FALSE(SuccessiveHalvingPruner(1, 4).RungStep(1, 40).has_value());
  auto study = NewStudy(std::make_shared<SuccessiveHalvingPruner>(1, 2, 0, 2));
  // With bootstrap_count 2 the first two trials at a rung only set the bar.
  EXPECT_TRUE(FreshTrialPruned(*study, {0.0, 0.0}));
  EXPECT_TRUE(FreshTrialPruned(*study, {0.0, 1.0}));
  EXPECT_FALSE(FreshTrialPruned(*study, {0.0, -1.0}));
}

TEST(SuccessiveHalvingPruner, WorkersShareTheAutomaticMinResource) {
  auto storage = std::make_shared<MemoryStorage>();
  auto worker_a = NewStudy(std::make_shared<SuccessiveHalvingPruner>(), StudyDirection::kMinimize, storage);
  auto worker_b = NewStudy(std::make_shared<SuccessiveHalvingPruner>(), StudyDirection::kMinimize, storage);
  // No COMPLETE trial: nothing to estimate from, nothing pruned.
  EXPECT_FALSE(FreshTrialPruned(*worker_a, std::vector<double>(10, 1e9)));
  AddFinished(*worker_a, std::vector<double>(500, 0.0));  // last step 499: first rung ends at step 4
  EXPECT_FALSE(FreshTrialPruned(*worker_a, {5.0, 5.0, 5.0, 5.0}));
  EXPECT_EQ(storage->GetStudySystemAttrs(worker_a->id()).at("asha:min_resource"), 4);
  AddFinished(*worker_a, std::vector<double>(1000, 0.0));  // a fresh estimate would now be 9
  // Worker B adopts the stored estimate: a bad trial is judged at step 4, not 9.
  EXPECT_TRUE(FreshTrialPruned(*worker_b, std::vector<double>(5, 5.0)));
}

// ---- end to end ----

// A learning curve whose plateau depends on x: loss(step) = (x - 0.3)^2 + 1 / (step + 1).
double LearningCurve(Trial& trial) {
  const double x = trial.SuggestFloat("x", -2.0, 2.0);
  double loss = 0.0;
  for (int step = 0; step < 20; ++step) {
    loss = (x - 0.3) * (x - 0.3) + 1.0 / (step + 1.0);
    trial.Report(step, loss);
    if (trial.ShouldPrune()) throw TrialPruned();
  }
  return loss;
}

TEST(Pruners, OptimizeEndsWithPrunedTrialsAndACompleteBest) {
  for (const std::string name : {"median", "percentile", "patient", "asha"}) {
    const Json options = name == "asha" ? Json{{"min_resource", 1}} : Json::object();
    auto study = NewStudy(MakePruner(name, options));
    study->Optimize(LearningCurve, {.n_trials = 40});
    const auto pruned = study->Trials({TrialState::kPruned});
    const auto complete = study->Trials({TrialState::kComplete});
    if (name == "patient") {
      // A monotone curve never stalls, so the patient pruner alone never fires.
      EXPECT_TRUE(pruned.empty()) << name;
      continue;
    }
    EXPECT_FALSE(pruned.empty()) << name;
    ASSERT_FALSE(complete.empty()) << name;
    const FrozenTrial best = study->BestTrial();
    EXPECT_EQ(best.state, TrialState::kComplete);
    // Pruned trials stopped early, and would have ended worse on average than the completed ones.
    double pruned_final = 0.0;
    double complete_final = 0.0;
    for (const auto& t : pruned) {
      EXPECT_LT(t.intermediate_values.size(), 20u) << name;
      const double x = std::get<double>(t.Param("x"));
      pruned_final += (x - 0.3) * (x - 0.3) / static_cast<double>(pruned.size());
    }
    for (const auto& t : complete) {
      const double x = std::get<double>(t.Param("x"));
      complete_final += (x - 0.3) * (x - 0.3) / static_cast<double>(complete.size());
    }
    EXPECT_GT(pruned_final, complete_final) << name;
  }
}

TEST(Pruners, ParallelWorkersShareOnePruner) {
  for (const std::string name : {"median", "asha"}) {
    const Json options = name == "asha" ? Json{{"min_resource", 1}} : Json::object();
    auto study = NewStudy(MakePruner(name, options));
    study->Optimize(LearningCurve, {.n_trials = 24, .n_jobs = 4});
    const auto trials = study->Trials();
    ASSERT_EQ(trials.size(), 24u) << name;
    for (const auto& t : trials) {
      EXPECT_TRUE(t.state == TrialState::kComplete || t.state == TrialState::kPruned) << name << " " << t.number;
    }
  }
}

// ---- registry and validation ----

TEST(PrunerRegistry, MakesEveryPrunerWithItsOptions) {
  EXPECT_EQ(MakePruner("median")->Name(), "median");
  EXPECT_EQ(MakePruner("percentile", {{"percentile", 10.0}})->Name(), "percentile");
  EXPECT_EQ(MakePruner("threshold", {{"upper", 3.0}})->Name(), "threshold");
  EXPECT_EQ(MakePruner("patient", {{"wrapped", "median"}, {"patience", 0}})->Name(), "patient");
  EXPECT_EQ(MakePruner("asha", {{"min_resource", "auto"}})->Name(), "asha");
  EXPECT_EQ(MakePruner("successive_halving", {{"min_resource", 3}})->Name(), "asha");
}

void ExpectInvalid(const std::string& name, const Json& options, const std::string& fragment) {
  try {
    MakePruner(name, options);
    ADD_FAILURE() << name << " " << options.dump() << " was accepted";
  } catch (const InvalidArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(PrunerRegistry, RejectsBadOptionsWithClearMessages) {
  ExpectInvalid("percentile", {{"percentile", 150.0}}, "percentile (150) must be in [0, 100]");
  ExpectInvalid("percentile", {{"percentile", -1}}, "must be in [0, 100]");
  ExpectInvalid("median", {{"n_startup_trials", -1}}, "n_startup_trials (-1) must be >= 0");
  ExpectInvalid("median", {{"n_warmup_steps", -2}}, "n_warmup_steps (-2) must be >= 0");
  ExpectInvalid("median", {{"interval_steps", 0}}, "interval_steps (0) must be >= 1");
  ExpectInvalid("median", {{"n_min_trials", 0}}, "n_min_trials (0) must be >= 1");
  ExpectInvalid("median", {{"percentile", 10.0}}, "has no option 'percentile'");
  ExpectInvalid("median", {{"n_startup_trials", nullptr}}, "'n_startup_trials' needs a value");
  ExpectInvalid("threshold", Json::object(), "needs 'lower', 'upper' or both");
  ExpectInvalid("threshold", {{"lower", 2.0}, {"upper", 1.0}}, "lower (2) must be <= upper (1)");
  ExpectInvalid("patient", {{"patience", -1}}, "patience (-1) must be >= 0");
  ExpectInvalid("patient", {{"min_delta", -0.5}}, "min_delta (-0.5) must be");
  ExpectInvalid("patient", {{"wrapped", "bogus"}}, "option 'wrapped': unknown pruner 'bogus'");
  ExpectInvalid("asha", {{"reduction_factor", 1}}, "reduction_factor (1) must be >= 2");
  ExpectInvalid("asha", {{"min_resource", 0}}, "min_resource (0) must be >= 1");
  ExpectInvalid("asha", {{"min_resource", "fast"}}, "must be of type int");
  ExpectInvalid("asha", {{"min_early_stopping_rate", -1}}, "min_early_stopping_rate (-1) must be >= 0");
  ExpectInvalid("asha", {{"bootstrap_count", 2}}, "needs an explicit min_resource");
}

}  // namespace
}  // namespace hyperscout
