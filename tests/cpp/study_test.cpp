#include "hyperscout/core/study.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <set>
#include <thread>

#include "hyperscout/common/error.hpp"
#include "hyperscout/registry.hpp"
#include "hyperscout/samplers/random.hpp"
#include "hyperscout/storage/memory_storage.hpp"

namespace hyperscout {
namespace {

std::unique_ptr<Study> NewStudy(uint64_t seed = 1, std::vector<StudyDirection> directions = {StudyDirection::kMinimize},
                                const std::shared_ptr<Storage>& storage = nullptr) {
  StudyOptions options;
  options.study_name = "s";
  options.storage = storage ? storage : std::make_shared<MemoryStorage>();
  options.sampler = std::make_shared<RandomSampler>(seed);
  options.directions = std::move(directions);
  return Study::Create(options);
}

// The Pareto front of `trials` by comparing every pair, among those `eligible` says count: what BestTrials must give.
std::vector<int64_t> BruteForceFront(const std::vector<FrozenTrial>& trials,
                                     const std::vector<StudyDirection>& directions,
                                     const std::function<bool(const FrozenTrial&)>& eligible) {
  std::vector<int64_t> front;
  for (const auto& candidate : trials) {
    if (!eligible(candidate)) continue;
    bool dominated = false;
    for (const auto& other : trials) {
      dominated = dominated || (eligible(other) && Dominates(other.values, candidate.values, directions));
    }
    if (!dominated) front.push_back(candidate.number);
  }
  return front;
}

double Quadratic(Trial& trial) {
  const double x = trial.SuggestFloat("x", -5, 5);
  const int64_t n = trial.SuggestInt("n", 1, 8, true);
  const std::string kind = trial.SuggestCategorical("kind", std::vector<std::string>{"a", "b"});
  return x * x + static_cast<double>(n) + (kind == "a" ? 0.0 : 1.0);
}

}  // namespace

TEST(Study, OptimizeRunsExactlyNTrialsAndFindsBest) {
  auto study = NewStudy();
  study->Optimize(Quadratic, {.n_trials = 50});
  const auto trials = study->Trials();
  ASSERT_EQ(trials.size(), 50u);
  for (size_t i = 0; i < trials.size(); ++i) {
    EXPECT_EQ(trials[i].number, static_cast<int64_t>(i));
    EXPECT_EQ(trials[i].state, TrialState::kComplete);
  }
  double best = INFINITY;
  for (const auto& t : trials) best = std::min(best, t.Value());
  EXPECT_EQ(study->BestValue(), best);
  EXPECT_EQ(std::get<double>(study->BestParams().at("x")), std::get<double>(study->BestTrial().Param("x")));
}

TEST(Study, SameSeedSameTrials) {
  auto a = NewStudy(123);
  auto b = NewStudy(123);
  auto c = NewStudy(124);
  a->Optimize(Quadratic, {.n_trials = 20});
  b->Optimize(Quadratic, {.n_trials = 20});
  c->Optimize(Quadratic, {.n_trials = 20});
  const auto ta = a->Trials();
  const auto tb = b->Trials();
  const auto tc = c->Trials();
  int differ = 0;
  for (size_t i = 0; i < ta.size(); ++i) {
    EXPECT_EQ(ta[i].params, tb[i].params);
    differ += ta[i].params != tc[i].params ? 1 : 0;
  }
  EXPECT_GT(differ, 15);
}

TEST(Study, AskTellAndFinishedTrialsNeverChange) {
  auto study = NewStudy();
  Trial trial = study->Ask();
  const double x = trial.SuggestFloat("x", 0, 1);
  const FrozenTrial done = study->Tell(trial, x);
  EXPECT_EQ(done.state, TrialState::kComplete);
  EXPECT_EQ(done.Value(), x);
  EXPECT_THROW(study->Tell(trial, 1.0), UpdateFinishedTrialError);
  EXPECT_THROW(study->storage().SetTrialParam(done.id, "y", 0.5, FloatDistribution{0, 1}), UpdateFinishedTrialError);
  EXPECT_THROW(trial.Report(0, 1.0), UpdateFinishedTrialError);
}

TEST(Study, NanAndWrongArityBecomeFail) {
  auto study = NewStudy();
  Trial t1 = study->Ask();
  EXPECT_EQ(study->Tell(t1.number(), {std::nan("")}).state, TrialState::kFail);
  Trial t2 = study->Ask();
  const FrozenTrial f = study->Tell(t2.number(), {1.0, 2.0});
  EXPECT_EQ(f.state, TrialState::kFail);
  EXPECT_TRUE(f.system_attrs.count("fail_reason"));
}

TEST(Study, FixedAskSuggestsUpFront) {
  auto study = NewStudy();
  Trial trial = study->Ask({{"lr", FloatDistribution{1e-5, 1e-1, true}}, {"layers", IntDistribution{1, 4}}});
  EXPECT_EQ(trial.Params().size(), 2u);
  EXPECT_EQ(study->storage().GetTrial(trial.id()).params.size(), 2u);
}

TEST(Study, EnqueuedTrialIsUsedOnce) {
  auto study = NewStudy();
  study->EnqueueTrial({{"x", 0.25}, {"n", int64_t{4}}, {"kind", std::string("b")}});
  study->Optimize(Quadratic, {.n_trials = 5});
  const auto trials = study->Trials();
  ASSERT_EQ(trials.size(), 5u);
  EXPECT_EQ(std::get<double>(trials[0].Param("x")), 0.25);
  EXPECT_EQ(std::get<int64_t>(trials[0].Param("n")), 4);
  EXPECT_EQ(std::get<std::string>(trials[0].Param("kind")), "b");
  EXPECT_NE(std::get<double>(trials[1].Param("x")), 0.25);
}

TEST(Study, AddTrialKeepsEverythingAndChecksIt) {
  auto study = NewStudy();
  study->Optimize(Quadratic, {.n_trials = 2});
  FrozenTrial made;
  made.state = TrialState::kComplete;
  made.values = {3.5};
  made.distributions = {{"x", FloatDistribution{-5, 5}},
                        {"kind", CategoricalDistribution{{std::string("a"), std::string("b")}}}};
  made.params = {{"x", 1.25}, {"kind", 1.0}};
  made.intermediate_values = {{0, 9.0}, {4, 4.0}};
  made.user_attrs = {{"tag", "copied"}};
  made.system_attrs = {{"origin", 7}};
  made.datetime_start = 1.0e9;
  made.datetime_complete = 1.0e9 + 42.5;
  made.number = 99;
  const FrozenTrial added = study->AddTrial(made);
  EXPECT_EQ(added.number, 2);  // the study's next number, not the template's
  const FrozenTrial stored = study->Trials().back();
  EXPECT_EQ(stored.number, 2);
  EXPECT_EQ(stored.state, TrialState::kComplete);
  EXPECT_EQ(stored.values, made.values);
  EXPECT_EQ(stored.params, made.params);
  EXPECT_EQ(stored.distributions, made.distributions);
  EXPECT_EQ(stored.intermediate_values, made.intermediate_values);
  EXPECT_EQ(stored.user_attrs, made.user_attrs);
  EXPECT_EQ(stored.system_attrs, made.system_attrs);
  EXPECT_EQ(stored.datetime_start, made.datetime_start);
  EXPECT_EQ(stored.datetime_complete, made.datetime_complete);
  EXPECT_EQ(study->Trials({TrialState::kComplete}).size(), 3u);  // counts like any finished trial

  FrozenTrial bad = made;
  bad.values = {1.0, 2.0};
  EXPECT_THROW(study->AddTrial(bad), InvalidArgumentError);
  bad = made;
  bad.values = {std::nan("")};
  EXPECT_THROW(study->AddTrial(bad), InvalidArgumentError);
  bad = made;
  bad.params["x"] = 7.0;  // outside [-5, 5]
  EXPECT_THROW(study->AddTrial(bad), InvalidArgumentError);
  bad = made;
  bad.distributions.erase("x");
  EXPECT_THROW(study->AddTrial(bad), InvalidArgumentError);
  bad = made;
  bad.datetime_complete = 1.0;
  EXPECT_THROW(study->AddTrial(bad), InvalidArgumentError);
  bad = made;
  bad.state = TrialState::kFail;
  EXPECT_THROW(study->AddTrial(bad), InvalidArgumentError);  // FAIL with values
  EXPECT_EQ(study->Trials().size(), 3u);                     // nothing half-added
}

TEST(Study, EnqueuedValueOutsideRangeIsClearError) {
  auto study = NewStudy();
  study->EnqueueTrial({{"x", 99.0}});
  Trial trial = study->Ask();
  EXPECT_THROW(trial.SuggestFloat("x", 0, 1), InvalidArgumentError);
}

TEST(Study, ParallelJobsEachTrialOnceAndGapless) {
  auto study = NewStudy();
  for (int i = 0; i < 10; ++i) study->EnqueueTrial({{"x", static_cast<double>(i) / 10.0}});
  std::atomic<int> calls{0};
  study->Optimize(
      [&](Trial& t) {
        ++calls;
        return Quadratic(t);
      },
      {.n_trials = 200, .n_jobs = 4});
  EXPECT_EQ(calls.load(), 200);
  const auto trials = study->Trials();
  ASSERT_EQ(trials.size(), 200u);
  std::set<double> enqueued_x;
  for (size_t i = 0; i < trials.size(); ++i) {
    EXPECT_EQ(trials[i].number, static_cast<int64_t>(i));
    if (i < 10) enqueued_x.insert(std::get<double>(trials[i].Param("x")));
  }
  EXPECT_EQ(enqueued_x.size(), 10u);
}

TEST(Study, ExceptionsFailTheTrialAndCatchDecidesPropagation) {
  auto study = NewStudy();
  auto boom = [](Trial& t) -> double {
    if (t.number() % 2 == 1) throw std::runtime_error("boom");
    return 1.0;
  };
  study->Optimize(boom, {.n_trials = 4, .catch_exceptions = true});
  EXPECT_EQ(study->Trials({TrialState::kFail}).size(), 2u);
  EXPECT_EQ(study->Trials({TrialState::kFail})[0].system_attrs.at("fail_reason"), "boom");
  EXPECT_THROW(study->Optimize(boom, {.n_trials = 4}), std::runtime_error);
  EXPECT_EQ(study->Trials().size(), 6u);
}

TEST(Study, TrialPrunedRecordsPrunedWithLastValue) {
  auto study = NewStudy();
  study->Optimize(
      [](Trial& t) -> double {
        t.Report(0, 3.0);
        t.Report(1, 2.0);
        throw TrialPruned();
      },
      {.n_trials = 1});
  const auto t = study->Trials()[0];
  EXPECT_EQ(t.state, TrialState::kPruned);
  EXPECT_EQ(t.values, std::vector<double>{2.0});
  EXPECT_EQ(t.intermediate_values.size(), 2u);
}

TEST(Study, CallbacksSeeEveryFinishedTrialAndCanStop) {
  auto study = NewStudy();
  int seen = 0;
  study->Optimize(Quadratic, {.n_trials = 100, .callbacks = {[&](Study& s, const FrozenTrial& t) {
                                                 ++seen;
                                                 if (t.number == 9) s.Stop();
                                               }}});
  EXPECT_EQ(seen, 10);
  EXPECT_EQ(study->Trials().size(), 10u);
}

TEST(Study, MultiObjectiveParetoFront) {
  auto study = NewStudy(3, {StudyDirection::kMinimize, StudyDirection::kMaximize});
  study->Optimize(
      [](Trial& t) {
        const double x = t.SuggestFloat("x", 0, 1);
        return std::vector<double>{x, x * x};  // conflicting only at the ends: x=1 maximizes, x=0 minimizes
      },
      OptimizeOptions{.n_trials = 30});
  const auto front = study->BestTrials();
  ASSERT_FALSE(front.empty());
  for (const auto& a : front) {
    for (const auto& t : study->Trials()) EXPECT_FALSE(Dominates(t.values, a.values, study->directions()));
  }
  EXPECT_THROW(study->BestTrial(), InvalidArgumentError);
}

TEST(Study, ParetoFrontMatchesBruteForceWithTiesAndMixedDirections) {
  const std::vector<StudyDirection> directions = {StudyDirection::kMinimize, StudyDirection::kMaximize,
                                                  StudyDirection::kMinimize};
  auto study = NewStudy(4, directions);
  // Values on a coarse grid so that ties and duplicate points are common.
  study->Optimize(
      [](Trial& t) {
        return std::vector<double>{static_cast<double>(t.SuggestInt("a", 0, 4)),
                                   static_cast<double>(t.SuggestInt("b", 0, 4)),
                                   static_cast<double>(t.SuggestInt("c", 0, 4))};
      },
      OptimizeOptions{.n_trials = 200});
  const std::vector<int64_t> expected =
      BruteForceFront(study->Trials(), directions, [](const FrozenTrial&) { return true; });
  std::vector<int64_t> got;
  for (const auto& trial : study->BestTrials()) got.push_back(trial.number);
  EXPECT_EQ(got, expected);
  EXPECT_GT(expected.size(), 1u);
}

TEST(Study, BestTrialIsTheBestFeasibleOne) {
  auto study = NewStudy(5);
  // x in [-5, 5], value x²; constraint x >= 1 (feasible when 1 - x <= 0). The unconstrained best sits near 0.
  study->Optimize(
      [](Trial& t) {
        const double x = t.SuggestFloat("x", -5, 5);
        t.SetConstraints({1.0 - x});
        return x * x;
      },
      {.n_trials = 60});
  const auto trials = study->Trials();
  const FrozenTrial* expected = nullptr;
  const FrozenTrial* unconstrained = nullptr;
  for (const auto& t : trials) {
    if (unconstrained == nullptr || t.Value() < unconstrained->Value()) unconstrained = &t;
    if (std::get<double>(t.Param("x")) >= 1.0 && (expected == nullptr || t.Value() < expected->Value())) expected = &t;
  }
  ASSERT_NE(expected, nullptr);
  ASSERT_LT(std::get<double>(unconstrained->Param("x")), 1.0);  // the case that matters: the lowest value broke it
  EXPECT_TRUE(IsFeasible(*expected));
  EXPECT_FALSE(IsFeasible(*unconstrained));
  EXPECT_EQ(study->BestTrial().number, expected->number);
  EXPECT_EQ(study->BestValue(), expected->Value());
  ASSERT_EQ(study->BestTrials().size(), 1u);
  EXPECT_EQ(study->BestTrials()[0].number, expected->number);
}

TEST(Study, TrialsWithoutConstraintsCountAsFeasible) {
  auto study = NewStudy(6);
  Trial plain = study->Ask();
  plain.SuggestFloat("x", 0, 1);
  study->Tell(plain, 5.0);  // reports no constraints
  Trial broke = study->Ask();
  broke.SuggestFloat("x", 0, 1);
  broke.SetConstraints({-1.0, 0.5});  // the second one is broken
  study->Tell(broke, 1.0);
  Trial met = study->Ask();
  met.SuggestFloat("x", 0, 1);
  met.SetConstraints({0.0, -2.0});  // 0 is met
  study->Tell(met, 3.0);
  EXPECT_EQ(study->BestTrial().number, met.number());
  EXPECT_EQ(study->BestValue(), 3.0);
}

TEST(Study, BestTrialWithEveryTrialInfeasibleSaysSo) {
  auto study = NewStudy(7);
  study->Optimize(
      [](Trial& t) {
        t.SetConstraints({1.0 + t.SuggestFloat("x", 0, 1)});
        return 0.0;
      },
      {.n_trials = 3});
  try {
    study->BestTrial();
    FAIL() << "BestTrial returned a trial that broke its constraint";
  } catch (const InvalidArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("no feasible COMPLETE trial yet: all 3 broke a constraint"), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(study->BestTrials().empty());
}

TEST(Study, ParetoFrontLeavesOutInfeasibleTrials) {
  const std::vector<StudyDirection> directions = {StudyDirection::kMinimize, StudyDirection::kMinimize};
  auto study = NewStudy(8, directions);
  study->Optimize(
      [](Trial& t) {
        const double x = t.SuggestFloat("x", 0, 1);
        t.SetConstraints({0.5 - x});  // feasible when x >= 0.5
        return std::vector<double>{x, (1 - x) * (1 - x)};
      },
      OptimizeOptions{.n_trials = 80});
  const std::vector<int64_t> expected = BruteForceFront(  // over the feasible trials
      study->Trials(), directions, [](const FrozenTrial& t) { return std::get<double>(t.Param("x")) >= 0.5; });
  std::vector<int64_t> got;
  for (const auto& trial : study->BestTrials()) got.push_back(trial.number);
  EXPECT_EQ(got, expected);
  EXPECT_GT(expected.size(), 1u);
}

TEST(Study, NamedConstraintsCountAsListedOnes) {
  auto study = NewStudy(10);
  Trial t = study->Ask();
  t.SuggestFloat("x", 0, 1);
  EXPECT_TRUE(t.SetConstraint("memory", 0.5));
  EXPECT_TRUE(t.SetConstraint("latency", -1.0));
  EXPECT_FALSE(t.SetConstraint("memory", -3.0));  // the first value stays, as in Optuna
  EXPECT_THROW(t.SetConstraint("time", NAN), InvalidArgumentError);
  EXPECT_THROW(t.SetConstraint("", 1.0), InvalidArgumentError);
  const FrozenTrial told = study->Tell(t, 0.1);
  using Named = std::vector<std::pair<std::string, double>>;
  EXPECT_EQ(told.Constraints(), (Named{{"latency", -1.0}, {"memory", 0.5}}));
  EXPECT_FALSE(IsFeasible(told));

  Trial both = study->Ask();
  both.SuggestFloat("x", 0, 1);
  both.SetConstraints({-1.0, -2.0});
  both.SetConstraint("memory", 0.0);
  const FrozenTrial mixed = study->Tell(both, 0.3);
  EXPECT_EQ(mixed.Constraints(), (Named{{"0", -1.0}, {"1", -2.0}, {"memory", 0.0}}));
  EXPECT_TRUE(IsFeasible(mixed));
  EXPECT_EQ(study->BestTrial().number, mixed.number);  // 0.1 broke "memory"

  FrozenTrial odd;
  odd.system_attrs["constraints"] = Json::array({1.0, "x"});  // a list with a non-number is no list
  odd.system_attrs["constraints:ok"] = -1.0;
  odd.system_attrs["constraints:text"] = "high";  // nor is a named non-number
  odd.system_attrs["constraintsX"] = 5.0;         // another attribute
  EXPECT_EQ(odd.Constraints(), (Named{{"ok", -1.0}}));
}

TEST(Study, NamedAndListedConstraintsSteerTheSamplersAlike) {
  // The samplers that model constraints read both forms through FrozenTrial::Constraints: the same constraint as a
  // list or by name gives the same trials, and differs from not reporting it.
  for (const std::string sampler : {"gp", "tpe"}) {
    auto run = [&sampler](int form) {  // 0: not reported, 1: as a list, 2: by name
      StudyOptions options;
      options.study_name = "steer";
      options.storage = std::make_shared<MemoryStorage>();
      options.sampler = MakeSampler(sampler, 4);
      options.directions = {StudyDirection::kMinimize};
      auto study = Study::Create(options);
      study->Optimize(
          [form](Trial& t) {
            const double x = t.SuggestFloat("x", 0, 1);
            const double y = t.SuggestFloat("y", 0, 1);
            if (form == 2) t.SetConstraint("sum", x + y - 1.0);
            if (form == 1) t.SetConstraints({x + y - 1.0});
            return (x - 0.8) * (x - 0.8) + (y - 0.8) * (y - 0.8);
          },
          {.n_trials = 20});
      std::vector<std::map<std::string, double>> params;
      for (const auto& t : study->Trials()) params.push_back(t.params);
      return params;
    };
    const auto listed = run(1);
    EXPECT_EQ(run(2), listed) << sampler;
    EXPECT_NE(run(0), listed) << sampler;
  }
}

TEST(Study, TellStoresConstraintsOrNothing) {
  auto study = NewStudy(9);
  Trial a = study->Ask();
  a.SuggestFloat("x", 0, 1);
  const FrozenTrial told = study->Tell(a.number(), {0.5}, TrialState::kComplete, std::vector<double>{0.2, -1.0});
  EXPECT_EQ(told.system_attrs.at("constraints"), Json({0.2, -1.0}));
  EXPECT_FALSE(IsFeasible(told));
  // A told trial keeps what it had: the state check comes before anything is written.
  EXPECT_THROW(study->Tell(a.number(), {0.1}, TrialState::kComplete, std::vector<double>{-5.0}),
               UpdateFinishedTrialError);
  EXPECT_EQ(study->Trials()[0].system_attrs.at("constraints"), Json({0.2, -1.0}));

  Trial b = study->Ask();
  b.SuggestFloat("x", 0, 1);
  EXPECT_THROW(study->Tell(b.number(), {}, TrialState::kFail, std::vector<double>{1.0}), InvalidArgumentError);
  EXPECT_THROW(study->Tell(b.number(), {0.3}, TrialState::kComplete, std::vector<double>{}), InvalidArgumentError);
  EXPECT_THROW(study->Tell(b.number(), {0.3}, TrialState::kComplete, std::vector<double>{NAN}), InvalidArgumentError);
  const FrozenTrial still = study->Trials()[1];
  EXPECT_EQ(still.state, TrialState::kRunning);
  EXPECT_EQ(still.system_attrs.count("constraints"), 0u);
  const FrozenTrial pruned = study->Tell(b.number(), {}, TrialState::kPruned, std::vector<double>{-0.5});
  EXPECT_EQ(pruned.state, TrialState::kPruned);
  EXPECT_EQ(pruned.system_attrs.at("constraints"), Json({-0.5}));
}

namespace {
// A sampler that fails at one stage, as a buggy plugin's, or one whose storage write or option check fails, would.
class FailingSampler : public Sampler {
 public:
  enum class Stage { kInferSpace, kSampleIndependent, kAfterTrial };
  explicit FailingSampler(Stage stage) : stage_(stage) {}

  SearchSpace InferRelativeSearchSpace(const Study& /*study*/, const FrozenTrial& /*trial*/) override {
    if (stage_ == Stage::kInferSpace) throw InvalidArgumentError("bad sampler option");
    return {};
  }
  double SampleIndependent(const Study& /*study*/, const FrozenTrial& /*trial*/, const std::string& /*name*/,
                           const Distribution& /*distribution*/) override {
    if (stage_ == Stage::kSampleIndependent) throw std::runtime_error("sampling failed");
    return 0.5;
  }
  void AfterTrial(Study& /*study*/, const FrozenTrial& /*trial*/, TrialState /*state*/,
                  const std::vector<double>& /*values*/) override {
    if (stage_ == Stage::kAfterTrial) throw std::runtime_error("after-trial bookkeeping failed");
  }
  void Reseed(uint64_t /*seed*/) override {}
  std::string Name() const override { return "failing"; }

 private:
  Stage stage_;
};

std::unique_ptr<Study> StudyWith(std::shared_ptr<Sampler> sampler, std::shared_ptr<Storage> storage,
                                 const std::string& name = "failing") {
  StudyOptions options;
  options.study_name = name;
  options.storage = std::move(storage);
  options.sampler = std::move(sampler);
  options.directions = {StudyDirection::kMinimize};
  return Study::Create(options);
}
}  // namespace

TEST(Study, ASamplerErrorAfterTheTrialStillStoresItsState) {
  auto study = StudyWith(std::make_shared<FailingSampler>(FailingSampler::Stage::kAfterTrial),
                         std::make_shared<MemoryStorage>());
  Trial told = study->Ask();
  told.SuggestFloat("x", 0, 1);
  EXPECT_THROW(study->Tell(told, 0.25), std::runtime_error);
  EXPECT_EQ(study->Trials()[0].state, TrialState::kComplete);
  EXPECT_EQ(study->Trials()[0].Value(), 0.25);
  // In Optimize the error reaches the caller, and the trial is not left RUNNING either, whatever the objective did.
  EXPECT_THROW(study->Optimize([](Trial& t) { return t.SuggestFloat("x", 0, 1); }, {.n_trials = 3}),
               std::runtime_error);
  EXPECT_THROW(study->Optimize([](Trial&) -> double { throw TrialPruned(); }, {.n_trials = 3}), std::runtime_error);
  EXPECT_THROW(study->Optimize([](Trial&) -> double { throw std::logic_error("objective failed"); },
                               {.n_trials = 3, .catch_exceptions = true}),
               std::runtime_error);
  const auto trials = study->Trials();
  ASSERT_EQ(trials.size(), 4u);
  EXPECT_EQ(trials[1].state, TrialState::kComplete);
  EXPECT_EQ(trials[2].state, TrialState::kPruned);
  EXPECT_EQ(trials[3].state, TrialState::kFail);
  EXPECT_EQ(trials[3].system_attrs.at("fail_reason"), "objective failed");
}

TEST(Study, ASamplerErrorBeforeTheObjectiveFailsTheTrialWithTheReason) {
  // Without heartbeats nobody would ever reap a trial left RUNNING by a failed ask.
  auto storage = std::make_shared<MemoryStorage>();
  auto study = StudyWith(std::make_shared<FailingSampler>(FailingSampler::Stage::kInferSpace), storage);
  EXPECT_THROW(study->Ask(), InvalidArgumentError);
  bool objective_ran = false;
  EXPECT_THROW(study->Optimize(
                   [&](Trial& t) {
                     objective_ran = true;
                     return t.SuggestFloat("x", 0, 1);
                   },
                   {.n_trials = 3}),
               InvalidArgumentError);
  EXPECT_FALSE(objective_ran);
  // An enqueued trial whose ask fails is failed too.
  study->EnqueueTrial({{"x", 0.25}});
  EXPECT_THROW(study->Ask(), InvalidArgumentError);
  auto trials = study->Trials();
  ASSERT_EQ(trials.size(), 3u);
  for (const auto& trial : trials) {
    EXPECT_EQ(trial.state, TrialState::kFail);
    EXPECT_EQ(trial.system_attrs.at("fail_reason"), "sampling failed before the objective ran: bad sampler option");
  }
  // Parameters asked for up front (Ask's fixed distributions) fail the same way when their sampling throws.
  auto other = StudyWith(std::make_shared<FailingSampler>(FailingSampler::Stage::kSampleIndependent), storage, "fixed");
  EXPECT_THROW(other->Ask({{"x", FloatDistribution{0, 1}}}), std::runtime_error);
  trials = other->Trials();
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].state, TrialState::kFail);
  EXPECT_EQ(trials[0].system_attrs.at("fail_reason"), "sampling failed before the objective ran: sampling failed");
}

TEST(Study, CreateLoadDelete) {
  auto storage = std::make_shared<MemoryStorage>();
  auto study = NewStudy(1, {StudyDirection::kMaximize}, storage);
  study->Optimize(Quadratic, {.n_trials = 3});
  EXPECT_THROW(NewStudy(1, {StudyDirection::kMaximize}, storage), DuplicatedStudyError);
  auto loaded = LoadStudy("s", storage, std::make_shared<RandomSampler>(1));
  EXPECT_EQ(loaded->Trials().size(), 3u);
  EXPECT_EQ(loaded->directions()[0], StudyDirection::kMaximize);
  Study::Delete("s", *storage);
  EXPECT_THROW(LoadStudy("s", storage, std::make_shared<RandomSampler>(1)), StudyNotFoundError);
}

TEST(Study, SnapshotCacheSeesOtherWriters) {
  auto storage = std::make_shared<MemoryStorage>();
  auto a = NewStudy(1, {StudyDirection::kMinimize}, storage);
  auto b = LoadStudy("s", storage, std::make_shared<RandomSampler>(2));
  a->Optimize(Quadratic, {.n_trials = 3});
  EXPECT_EQ(b->TrialsSnapshot().size(), 3u);
  b->Optimize(Quadratic, {.n_trials = 2});
  EXPECT_EQ(a->TrialsSnapshot({TrialState::kComplete}).size(), 5u);
}

TEST(Study, HeartbeatReapsStaleTrials) {
  auto storage = std::make_shared<MemoryStorage>();
  // A worker that beats once an hour: its first beat (at ask) is the last one this test sees.
  StudyOptions options{.study_name = "hb",
                       .storage = storage,
                       .sampler = std::make_shared<RandomSampler>(1),
                       .heartbeat_interval = 3600.0};
  auto study = Study::Create(options);
  Trial orphan = study->Ask();
  ASSERT_TRUE(storage->GetTrial(orphan.id()).heartbeat.has_value());
  const auto reaped = storage->FailStaleTrials(study->id(), -1.0);
  ASSERT_EQ(reaped.size(), 1u);
  EXPECT_EQ(reaped[0], orphan.number());
  EXPECT_EQ(storage->GetTrial(orphan.id()).state, TrialState::kFail);
  EXPECT_TRUE(storage->FailStaleTrials(study->id(), -1.0).empty());
}

TEST(Study, AskTellTrialsAreNeverReapedByHeartbeatWorkers) {
  auto storage = std::make_shared<MemoryStorage>();
  // An ask/tell client (no heartbeat) holds a RUNNING trial while a heartbeat worker with a tiny grace asks.
  auto client = Study::Create({.study_name = "mix", .storage = storage, .sampler = std::make_shared<RandomSampler>(1)});
  Trial held = client->Ask();
  auto worker = Study::Create({.study_name = "mix",
                               .storage = storage,
                               .sampler = std::make_shared<RandomSampler>(2),
                               .load_if_exists = true,
                               .heartbeat_interval = 3600.0,
                               .heartbeat_grace = 1e-9});
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  Trial mine = worker->Ask();
  worker->Tell(mine, 1.0);
  EXPECT_EQ(storage->GetTrial(held.id()).state, TrialState::kRunning);
  client->Tell(held, 2.0);
  EXPECT_EQ(storage->GetTrial(held.id()).state, TrialState::kComplete);
}

TEST(Registry, UnknownNamesAndOptionsAreClearErrors) {
  EXPECT_THROW(MakeSampler("nope"), InvalidArgumentError);
  EXPECT_THROW(MakeSampler("random", 1, Json{{"bogus", 1}}), InvalidArgumentError);
  EXPECT_THROW(MakePruner("nope"), InvalidArgumentError);
  EXPECT_THROW(OpenStorage("mysql://x"), InvalidArgumentError);
  EXPECT_THROW(OpenStorage("sqlite://x.db"), InvalidArgumentError);
  EXPECT_NE(OpenStorage("memory://"), nullptr);
}

}  // namespace hyperscout
