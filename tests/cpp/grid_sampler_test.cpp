#include "hyperscout/samplers/grid.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "hyperscout/common/error.hpp"
#include "hyperscout/core/study.hpp"
#include "hyperscout/registry.hpp"
#include "hyperscout/storage/memory_storage.hpp"

namespace hyperscout {
namespace {

std::unique_ptr<Study> NewStudy(std::shared_ptr<Sampler> sampler, std::shared_ptr<Storage> storage = nullptr) {
  StudyOptions options;
  options.study_name = "grid";
  options.storage = storage ? storage : std::make_shared<MemoryStorage>();
  options.sampler = std::move(sampler);
  return Study::Create(options);
}

GridSpace SmallGrid() {
  return {{"x", {int64_t{1}, int64_t{2}, int64_t{3}}}, {"c", {std::string("a"), std::string("b")}}};
}

double SmallObjective(Trial& trial) {
  const int64_t x = trial.SuggestInt("x", 0, 10);
  const std::string c = trial.SuggestCategorical("c", std::vector<std::string>{"a", "b", "z"});
  return static_cast<double>(x) + (c == "a" ? 0.0 : 0.5);
}

std::map<std::string, ParamValue> ParamsOf(const FrozenTrial& trial) {
  return trial.ExternalParams();
}

// Forwards to a MemoryStorage; when armed, the first write of a "grid_id" is preceded by the same write to a
// rival trial, as if another process had picked the same point between our read and our write.
class RacingStorage final : public Storage {
 public:
  MemoryStorage inner;
  int64_t rival_trial_id = -1;
  Json last_fingerprint;

  int64_t CreateStudy(const std::string& n, const std::vector<StudyDirection>& d) override {
    return inner.CreateStudy(n, d);
  }
  void DeleteStudy(int64_t s) override { inner.DeleteStudy(s); }
  int64_t GetStudyId(const std::string& n) override { return inner.GetStudyId(n); }
  std::string GetStudyName(int64_t s) override { return inner.GetStudyName(s); }
  std::vector<StudyDirection> GetStudyDirections(int64_t s) override { return inner.GetStudyDirections(s); }
  std::vector<StudySummary> GetAllStudies() override { return inner.GetAllStudies(); }
  void SetStudyUserAttr(int64_t s, const std::string& k, const Json& v) override { inner.SetStudyUserAttr(s, k, v); }
  void SetStudySystemAttr(int64_t s, const std::string& k, const Json& v) override {
    inner.SetStudySystemAttr(s, k, v);
  }
  std::map<std::string, Json> GetStudyUserAttrs(int64_t s) override { return inner.GetStudyUserAttrs(s); }
  std::map<std::string, Json> GetStudySystemAttrs(int64_t s) override { return inner.GetStudySystemAttrs(s); }
  FrozenTrial CreateTrial(int64_t s, const FrozenTrial* t) override { return inner.CreateTrial(s, t); }
  std::optional<FrozenTrial> ClaimWaitingTrial(int64_t s) override { return inner.ClaimWaitingTrial(s); }
  void SetTrialParam(int64_t t, const std::string& n, double v, const Distribution& d) override {
    inner.SetTrialParam(t, n, v, d);
  }
  void SetTrialIntermediateValue(int64_t t, int64_t step, double v) override {
    inner.SetTrialIntermediateValue(t, step, v);
  }
  void SetTrialStateValues(int64_t t, TrialState s, const std::vector<double>& v) override {
    inner.SetTrialStateValues(t, s, v);
  }
  void SetTrialUserAttr(int64_t t, const std::string& k, const Json& v) override { inner.SetTrialUserAttr(t, k, v); }
  void SetTrialSystemAttr(int64_t t, const std::string& k, const Json& v) override {
    if (k == "grid_fingerprint") last_fingerprint = v;
    if (k == "grid_id" && rival_trial_id >= 0) {
      inner.SetTrialSystemAttr(rival_trial_id, "grid_fingerprint", last_fingerprint);
      inner.SetTrialSystemAttr(rival_trial_id, "grid_id", v);
      rival_trial_id = -1;
    }
    inner.SetTrialSystemAttr(t, k, v);
  }
  void RecordHeartbeat(int64_t t) override { inner.RecordHeartbeat(t); }
  std::vector<int64_t> FailStaleTrials(int64_t s, double g) override { return inner.FailStaleTrials(s, g); }
  FrozenTrial GetTrial(int64_t t) override { return inner.GetTrial(t); }
  FrozenTrial GetTrialByNumber(int64_t s, int64_t n) override { return inner.GetTrialByNumber(s, n); }
  TrialChanges GetTrialsChangedSince(int64_t s, int64_t w) override { return inner.GetTrialsChangedSince(s, w); }
  int64_t CountTrials(int64_t s, std::optional<TrialState> st) override { return inner.CountTrials(s, st); }
  std::optional<std::string> GetSamplerState(int64_t s, const std::string& k) override {
    return inner.GetSamplerState(s, k);
  }
  void PutSamplerState(int64_t s, const std::string& k, const std::string& v) override {
    inner.PutSamplerState(s, k, v);
  }
};

}  // namespace

TEST(GridSampler, RunsEveryPointOnceInGridOrderThenStops) {
  auto sampler = std::make_shared<GridSampler>(SmallGrid());
  ASSERT_EQ(sampler->Size(), 6);
  auto study = NewStudy(sampler);
  study->Optimize(SmallObjective);  // no n_trials: the grid ends the study
  const auto trials = study->Trials();
  ASSERT_EQ(trials.size(), 6u);
  for (const auto& t : trials) {
    EXPECT_EQ(ParamsOf(t), sampler->Point(t.number)) << "trial " << t.number;
    EXPECT_EQ(t.system_attrs.at("grid_id"), t.number);
  }
  // Ids enumerate with the last name ("x") fastest.
  EXPECT_EQ(sampler->Point(1), (std::map<std::string, ParamValue>{{"c", std::string("a")}, {"x", int64_t{2}}}));
}

TEST(GridSampler, ShuffleIsASeededPermutation) {
  for (const int64_t size : {1, 2, 5, 17, 64, 1000}) {
    std::vector<ParamValue> values;
    for (int64_t i = 0; i < size; ++i) values.emplace_back(i);
    GridSampler a({{"v", values}}, true, 3);
    GridSampler b({{"v", values}}, true, 3);
    GridSampler c({{"v", values}}, true, 4);
    std::set<int64_t> seen;
    int moved = 0;
    int differ = 0;
    for (int64_t p = 0; p < size; ++p) {
      const int64_t id = a.OrderAt(p);
      ASSERT_GE(id, 0);
      ASSERT_LT(id, size);
      seen.insert(id);
      EXPECT_EQ(id, b.OrderAt(p));
      if (id != p) ++moved;
      if (id != c.OrderAt(p)) ++differ;
    }
    EXPECT_EQ(static_cast<int64_t>(seen.size()), size);
    if (size >= 17) {
      EXPECT_GT(moved, size / 2);
      EXPECT_GT(differ, size / 2);
    }
  }
}

TEST(GridSampler, ShuffledStudyStillCoversTheGridOnce) {
  auto sampler = std::make_shared<GridSampler>(SmallGrid(), true, 8);
  auto study = NewStudy(sampler);
  study->Optimize(SmallObjective, {.n_jobs = 2});
  const auto trials = study->Trials();
  // The study stops once every point is finished. A worker that asks while the last point is still running
  // finds every point taken and re-runs a visited one (see grid.hpp), so two jobs may add one extra trial.
  ASSERT_GE(trials.size(), 6u);
  ASSERT_LE(trials.size(), 7u);
  std::set<std::map<std::string, ParamValue>> points;
  for (const auto& t : trials) points.insert(ParamsOf(t));
  EXPECT_EQ(points.size(), 6u);
}

TEST(GridSampler, ExhaustedGridRerunsAVisitedPoint) {
  auto sampler = std::make_shared<GridSampler>(SmallGrid());
  auto study = NewStudy(sampler);
  study->Optimize(SmallObjective);
  ASSERT_TRUE(study->StopRequested());
  Trial extra = study->Ask();
  const double value = SmallObjective(extra);
  study->Tell(extra, value);
  const auto trials = study->Trials();
  ASSERT_EQ(trials.size(), 7u);
  EXPECT_EQ(ParamsOf(trials[6]), sampler->Point(6 % 6));
}

TEST(GridSampler, UnknownParameterOrValueOutsideTheDistributionNamesTheParameter) {
  auto study = NewStudy(std::make_shared<GridSampler>(SmallGrid()));
  Trial trial = study->Ask();
  try {
    trial.SuggestFloat("lr", 0.0, 1.0);
    FAIL() << "expected InvalidArgumentError";
  } catch (const InvalidArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("'lr'"), std::string::npos) << e.what();
  }
  try {
    trial.SuggestInt("x", 0, 2);  // the grid has x = 3
    FAIL() << "expected InvalidArgumentError";
  } catch (const InvalidArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("'x'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(trial.SuggestCategorical("c", std::vector<std::string>{"a"}), InvalidArgumentError);
}

TEST(GridSampler, TwoProcessesOnOneStorageTakeDistinctPoints) {
  auto storage = std::make_shared<MemoryStorage>();
  auto p1 = NewStudy(std::make_shared<GridSampler>(SmallGrid()), storage);
  auto p2 = Study::Load("grid", storage, std::make_shared<GridSampler>(SmallGrid()));
  std::vector<Trial> running;
  for (int i = 0; i < 6; ++i) running.push_back((i % 2 == 0 ? *p1 : *p2).Ask());
  std::set<std::map<std::string, ParamValue>> points;
  for (auto& t : running) {
    SmallObjective(t);
    points.insert(t.Params());
  }
  EXPECT_EQ(points.size(), 6u);
}

TEST(GridSampler, BacksOffWhenAnotherWorkerTookThePointConcurrently) {
  auto storage = std::make_shared<RacingStorage>();
  auto sampler = std::make_shared<GridSampler>(SmallGrid());
  auto study = NewStudy(sampler, storage);
  const FrozenTrial rival = storage->CreateTrial(study->id(), nullptr);  // another process's RUNNING trial
  storage->rival_trial_id = rival.id;
  Trial trial = study->Ask();
  SmallObjective(trial);
  EXPECT_EQ(storage->GetTrial(rival.id).system_attrs.at("grid_id"), 0);
  EXPECT_EQ(trial.Params(), sampler->Point(1));
}

TEST(GridSampler, EnqueuedPointsAreTakenOnce) {
  auto sampler = std::make_shared<GridSampler>(SmallGrid());
  auto study = NewStudy(sampler);
  study->EnqueueTrial({{"x", int64_t{2}}, {"c", std::string("b")}});  // a whole point
  study->EnqueueTrial({{"x", int64_t{3}}});                           // part of a point
  study->Optimize(SmallObjective);
  const auto trials = study->Trials();
  ASSERT_EQ(trials.size(), 6u);
  EXPECT_EQ(ParamsOf(trials[0]), (std::map<std::string, ParamValue>{{"c", std::string("b")}, {"x", int64_t{2}}}));
  EXPECT_EQ(std::get<int64_t>(trials[1].Param("x")), 3);
  std::set<std::map<std::string, ParamValue>> points;
  for (const auto& t : trials) points.insert(ParamsOf(t));
  EXPECT_EQ(points.size(), 6u);
}

TEST(GridSampler, GridFromSearchSpaceEnumeratesEachKind) {
  SearchSpace space;
  space["c"] = CategoricalDistribution{{std::string("a"), int64_t{2}}};
  space["i"] = IntDistribution{1, 9, false, 4};
  space["f"] = FloatDistribution{0.0, 1.0, false, 0.25};
  space["lin"] = FloatDistribution{-1.0, 3.0, false, std::nullopt};
  space["log"] = FloatDistribution{1e-4, 1.0, true, std::nullopt};
  space["one"] = FloatDistribution{2.0, 2.0, false, std::nullopt};
  const GridSpace grid = GridFromSearchSpace(space, 5);
  EXPECT_EQ(grid.at("c"), std::get<CategoricalDistribution>(space["c"]).choices);
  EXPECT_EQ(grid.at("i"), (std::vector<ParamValue>{int64_t{1}, int64_t{5}, int64_t{9}}));
  ASSERT_EQ(grid.at("f").size(), 5u);
  ASSERT_EQ(grid.at("lin").size(), 5u);
  ASSERT_EQ(grid.at("log").size(), 5u);
  EXPECT_EQ(grid.at("one"), std::vector<ParamValue>{2.0});
  for (const auto& [name, values] : grid) {
    for (const auto& v : values) EXPECT_NO_THROW(ToInternal(space.at(name), v)) << name;
  }
  EXPECT_EQ(std::get<double>(grid.at("lin").front()), -1.0);
  EXPECT_EQ(std::get<double>(grid.at("lin").back()), 3.0);
  EXPECT_EQ(std::get<double>(grid.at("log").front()), 1e-4);
  EXPECT_EQ(std::get<double>(grid.at("log").back()), 1.0);
  for (size_t k = 1; k < 5; ++k) {
    EXPECT_NEAR(std::get<double>(grid.at("lin")[k]) - std::get<double>(grid.at("lin")[k - 1]), 1.0, 1e-12);
    EXPECT_NEAR(std::get<double>(grid.at("log")[k]) / std::get<double>(grid.at("log")[k - 1]), 10.0, 1e-9);
    EXPECT_NEAR(std::get<double>(grid.at("f")[k]), 0.25 * static_cast<double>(k), 1e-12);
  }
}

TEST(GridSampler, GridFromSearchSpaceRejectsHugeOrBadInput) {
  try {
    GridFromSearchSpace({{"n", IntDistribution{0, 10000, false, 1}}}, 3);
    FAIL() << "expected InvalidArgumentError";
  } catch (const InvalidArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("'n'"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(GridFromSearchSpace({{"n", IntDistribution{1, 10000, false, 1}}}, 3));
  EXPECT_THROW(GridFromSearchSpace({{"x", FloatDistribution{0.0, 1.0, false, std::nullopt}}}, 1), InvalidArgumentError);
  EXPECT_THROW(GridFromSearchSpace({{"x", FloatDistribution{1.0, 0.0, false, std::nullopt}}}, 3), InvalidArgumentError);
  EXPECT_THROW(GridSampler(GridSpace{}), InvalidArgumentError);
  EXPECT_THROW(GridSampler(GridSpace{{"x", {}}}), InvalidArgumentError);
}

TEST(GridSampler, RegistryNeedsASearchSpaceObject) {
  try {
    MakeSampler("grid", 1);
    FAIL() << "expected InvalidArgumentError";
  } catch (const InvalidArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("search_space"), std::string::npos) << e.what();
  }
  EXPECT_THROW(MakeSampler("grid", 1, {{"search_space", 5}}), InvalidArgumentError);
  EXPECT_THROW(MakeSampler("grid", 1, {{"search_space", {{"x", Json::array()}}}}), InvalidArgumentError);
  EXPECT_THROW(MakeSampler("grid", 1, {{"search_space", {{"x", {{{"nested", 1}}}}}}}), InvalidArgumentError);
  auto sampler = MakeSampler("grid", 1, {{"search_space", {{"x", {1, 2, 3}}, {"c", {"a", "b"}}}}, {"shuffle", true}});
  ASSERT_NE(sampler, nullptr);
  EXPECT_EQ(sampler->Name(), "grid");
  auto study = NewStudy(sampler);
  study->Optimize(SmallObjective);
  EXPECT_EQ(study->Trials().size(), 6u);
}

}  // namespace hyperscout
