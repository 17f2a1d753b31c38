// The storage contract (include/hyperscout/storage/storage.hpp), one test per clause, run against every
// backend. A new backend joins by adding a factory to Backends(); it is done when this suite passes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <limits>
#include <set>
#include <thread>

#include "hyperscout/common/error.hpp"
#include "hyperscout/registry.hpp"
#include "hyperscout/storage/memory_storage.hpp"
#include "hyperscout/storage/sqlite_storage.hpp"

namespace hyperscout {
namespace {

// One database for one test. Open() returns a handle to it; for shared backends each call is a new,
// independent connection (as another process would have), for memory:// it is the same object.
class BackendInstance {
 public:
  virtual ~BackendInstance() = default;
  virtual std::shared_ptr<Storage> Open() = 0;
};

struct Backend {
  std::string name;
  bool persistent;  // data survives closing every handle and opening again
  std::function<std::unique_ptr<BackendInstance>()> make;
};

class MemoryInstance final : public BackendInstance {
 public:
  std::shared_ptr<Storage> Open() override { return storage_; }

 private:
  std::shared_ptr<Storage> storage_ = std::make_shared<MemoryStorage>();
};

class SqliteInstance final : public BackendInstance {
 public:
  SqliteInstance() {
    static std::atomic<int> counter{0};
    path_ = (std::filesystem::temp_directory_path() /
             ("hyperscout-conformance-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + ".db"))
                .string();
    Remove();
  }
  ~SqliteInstance() override { Remove(); }
  std::shared_ptr<Storage> Open() override { return std::make_shared<SqliteStorage>(path_); }

 private:
  void Remove() {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix, ec);
  }
  std::string path_;
};

// A server database shared by the whole run: each test starts by deleting every study in it.
class UrlInstance final : public BackendInstance {
 public:
  explicit UrlInstance(std::string url) : url_(std::move(url)) {
    auto storage = Open();
    for (const auto& study : storage->GetAllStudies()) storage->DeleteStudy(study.id);
  }
  std::shared_ptr<Storage> Open() override { return OpenStorage(url_); }

 private:
  std::string url_;
};

void PrintTo(const Backend& backend, std::ostream* os) {
  *os << backend.name;
}

std::vector<Backend> Backends() {
  std::vector<Backend> backends = {
      {"memory", false, [] { return std::make_unique<MemoryInstance>(); }},
      {"sqlite", true, [] { return std::make_unique<SqliteInstance>(); }},
  };
  if (const char* url = std::getenv("HYPERSCOUT_TEST_POSTGRES_URL"); url != nullptr && *url != '\0') {
    backends.push_back({"postgresql", true, [u = std::string(url)] { return std::make_unique<UrlInstance>(u); }});
  }
  return backends;
}

const std::vector<StudyDirection> kMin = {StudyDirection::kMinimize};

class StorageConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    instance_ = GetParam().make();
    storage_ = instance_->Open();
  }
  void TearDown() override {
    storage_.reset();
    instance_.reset();
  }

  Storage& s() { return *storage_; }

  // A RUNNING trial with one float parameter.
  FrozenTrial RunningTrial(int64_t study) {
    FrozenTrial trial = s().CreateTrial(study);
    s().SetTrialParam(trial.id, "x", 0.25, FloatDistribution{0.0, 1.0});
    return s().GetTrial(trial.id);
  }

  std::unique_ptr<BackendInstance> instance_;
  std::shared_ptr<Storage> storage_;
};

TEST_P(StorageConformance, StudyCreateListAndDelete) {
  const int64_t a = s().CreateStudy("a", kMin);
  const int64_t b = s().CreateStudy("b", {StudyDirection::kMaximize, StudyDirection::kMinimize});
  EXPECT_NE(a, b);
  EXPECT_THROW(s().CreateStudy("a", kMin), DuplicatedStudyError);
  EXPECT_THROW(s().CreateStudy("", kMin), InvalidArgumentError);
  EXPECT_THROW(s().CreateStudy("c", {}), InvalidArgumentError);
  EXPECT_EQ(s().GetStudyId("b"), b);
  EXPECT_EQ(s().GetStudyName(a), "a");
  EXPECT_EQ(s().GetStudyDirections(b),
            (std::vector<StudyDirection>{StudyDirection::kMaximize, StudyDirection::kMinimize}));
  s().CreateTrial(b);
  s().CreateTrial(b);
  s().SetStudyUserAttr(b, "owner", "me");
  auto all = s().GetAllStudies();
  ASSERT_EQ(all.size(), 2u);
  const auto& summary_b = all[0].id == b ? all[0] : all[1];
  EXPECT_EQ(summary_b.name, "b");
  EXPECT_EQ(summary_b.n_trials, 2);
  EXPECT_EQ(summary_b.directions.size(), 2u);
  EXPECT_EQ(summary_b.user_attrs.at("owner"), "me");

  s().DeleteStudy(a);
  EXPECT_THROW(s().GetStudyId("a"), StudyNotFoundError);
  EXPECT_THROW(s().DeleteStudy(a), StudyNotFoundError);
  EXPECT_EQ(s().GetAllStudies().size(), 1u);
  // The name is free again.
  EXPECT_NO_THROW(s().CreateStudy("a", kMin));
}

TEST_P(StorageConformance, DeleteStudyRemovesItsTrials) {
  const int64_t study = s().CreateStudy("s", kMin);
  const FrozenTrial trial = RunningTrial(study);
  s().DeleteStudy(study);
  EXPECT_THROW(s().GetTrial(trial.id), InvalidArgumentError);
  const int64_t again = s().CreateStudy("s", kMin);
  EXPECT_EQ(s().CountTrials(again, std::nullopt), 0);
  EXPECT_EQ(s().CreateTrial(again).number, 0);
}

TEST_P(StorageConformance, StudyAttrsRoundTripAndOverwrite) {
  const int64_t study = s().CreateStudy("s", kMin);
  const Json nested = {{"list", {1, 2.5, "three"}}, {"flag", true}, {"none", nullptr}};
  s().SetStudyUserAttr(study, "k", 1);
  s().SetStudyUserAttr(study, "k", nested);
  s().SetStudyUserAttr(study, "unicode", "λ → ∞");
  s().SetStudySystemAttr(study, "sys", 42);
  const auto user = s().GetStudyUserAttrs(study);
  EXPECT_EQ(user.size(), 2u);
  EXPECT_EQ(user.at("k"), nested);
  EXPECT_EQ(user.at("unicode"), "λ → ∞");
  const auto system = s().GetStudySystemAttrs(study);
  EXPECT_EQ(system.size(), 1u);
  EXPECT_EQ(system.at("sys"), 42);
}

TEST_P(StorageConformance, UnknownIdsThrowTheDocumentedErrors) {
  const int64_t missing = 987654;
  EXPECT_THROW(s().GetStudyName(missing), StudyNotFoundError);
  EXPECT_THROW(s().GetStudyDirections(missing), StudyNotFoundError);
  EXPECT_THROW(s().GetStudyId("nope"), StudyNotFoundError);
  EXPECT_THROW(s().SetStudyUserAttr(missing, "k", 1), StudyNotFoundError);
  EXPECT_THROW(s().GetStudyUserAttrs(missing), StudyNotFoundError);
  EXPECT_THROW(s().CreateTrial(missing), StudyNotFoundError);
  EXPECT_THROW(s().ClaimWaitingTrial(missing), StudyNotFoundError);
  EXPECT_THROW(s().GetTrialsChangedSince(missing, 0), StudyNotFoundError);
  EXPECT_THROW(s().CountTrials(missing, std::nullopt), StudyNotFoundError);
  EXPECT_THROW(s().FailStaleTrials(missing, 1.0), StudyNotFoundError);
  EXPECT_THROW(s().PutSamplerState(missing, "k", "v"), StudyNotFoundError);
  EXPECT_THROW(s().GetTrial(missing), InvalidArgumentError);
  EXPECT_THROW(s().SetTrialParam(missing, "x", 0.5, FloatDistribution{}), InvalidArgumentError);
  EXPECT_THROW(s().RecordHeartbeat(missing), InvalidArgumentError);
  const int64_t study = s().CreateStudy("s", kMin);
  s().CreateTrial(study);
  EXPECT_THROW(s().GetTrialByNumber(study, 1), InvalidArgumentError);
  EXPECT_THROW(s().GetTrialByNumber(study, -1), InvalidArgumentError);
}

TEST_P(StorageConformance, TrialNumbersAreGaplessPerStudy) {
  const int64_t a = s().CreateStudy("a", kMin);
  const int64_t b = s().CreateStudy("b", kMin);
  std::set<int64_t> ids;
  for (int64_t i = 0; i < 5; ++i) {
    const FrozenTrial in_a = s().CreateTrial(a);
    const FrozenTrial in_b = s().CreateTrial(b);
    EXPECT_EQ(in_a.number, i);
    EXPECT_EQ(in_b.number, i);
    ids.insert(in_a.id);
    ids.insert(in_b.id);
  }
  EXPECT_EQ(ids.size(), 10u);  // ids are storage-wide
  EXPECT_EQ(s().CountTrials(a, std::nullopt), 5);
  EXPECT_EQ(s().GetTrialByNumber(b, 3).number, 3);
  EXPECT_EQ(s().GetTrialByNumber(b, 3).id, s().GetTrial(s().GetTrialByNumber(b, 3).id).id);
}

TEST_P(StorageConformance, NewTrialIsRunningWithDatabaseTimes) {
  const int64_t study = s().CreateStudy("s", kMin);
  const FrozenTrial trial = s().CreateTrial(study);
  EXPECT_EQ(trial.state, TrialState::kRunning);
  ASSERT_TRUE(trial.datetime_start.has_value());
  EXPECT_FALSE(trial.heartbeat.has_value());  // heartbeats are opt-in: RecordHeartbeat
  EXPECT_FALSE(trial.datetime_complete.has_value());
  // Seconds since the Unix epoch (not days, not milliseconds): within a day of this machine's clock.
  const double local = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_NEAR(*trial.datetime_start, local, 86400.0);
  EXPECT_EQ(s().GetTrial(trial.id), trial);

  s().SetTrialStateValues(trial.id, TrialState::kComplete, {1.5});
  const FrozenTrial done = s().GetTrial(trial.id);
  ASSERT_TRUE(done.datetime_complete.has_value());
  EXPECT_GE(*done.datetime_complete, *done.datetime_start);
  EXPECT_EQ(done.values, std::vector<double>{1.5});
}

TEST_P(StorageConformance, ParamsIntermediateValuesAndAttrsRoundTrip) {
  const int64_t study = s().CreateStudy("s", kMin);
  const FrozenTrial trial = s().CreateTrial(study);
  const Distribution f = FloatDistribution{1e-5, 1e-1, true, std::nullopt};
  const Distribution i = IntDistribution{0, 10, false, 2};
  const Distribution c = CategoricalDistribution{{std::string("adam"), int64_t{3}, 0.5, true}};
  s().SetTrialParam(trial.id, "lr", 1e-3, f);
  s().SetTrialParam(trial.id, "n", 4, i);
  s().SetTrialParam(trial.id, "opt", 2, c);
  s().SetTrialIntermediateValue(trial.id, 0, 3.0);
  s().SetTrialIntermediateValue(trial.id, 7, -std::numeric_limits<double>::infinity());
  s().SetTrialIntermediateValue(trial.id, 8, std::numeric_limits<double>::quiet_NaN());
  s().SetTrialUserAttr(trial.id, "note", Json{{"a", 1}});
  s().SetTrialSystemAttr(trial.id, "sys", "x");
  const FrozenTrial got = s().GetTrial(trial.id);
  EXPECT_EQ(got.params, (std::map<std::string, double>{{"lr", 1e-3}, {"n", 4}, {"opt", 2}}));
  EXPECT_EQ(got.distributions.at("lr"), f);
  EXPECT_EQ(got.distributions.at("n"), i);
  EXPECT_EQ(got.distributions.at("opt"), c);
  ASSERT_EQ(got.intermediate_values.size(), 3u);
  EXPECT_EQ(got.intermediate_values.at(0), 3.0);
  EXPECT_EQ(got.intermediate_values.at(7), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(got.intermediate_values.at(8)));
  EXPECT_EQ(got.user_attrs.at("note"), (Json{{"a", 1}}));
  EXPECT_EQ(got.system_attrs.at("sys"), "x");
  EXPECT_EQ(std::get<double>(got.Param("opt")), 0.5);  // choice index 2
}

TEST_P(StorageConformance, WaitingTemplateIsClaimedInNumberOrderWithItsParamsAndAttrs) {
  const int64_t study = s().CreateStudy("s", kMin);
  s().CreateTrial(study);  // number 0, RUNNING: never claimed
  for (int k = 0; k < 3; ++k) {
    FrozenTrial waiting;
    waiting.state = TrialState::kWaiting;
    waiting.params["x"] = 0.1 * k;
    waiting.distributions["x"] = FloatDistribution{0.0, 1.0};
    waiting.system_attrs["fixed_params"] = Json{{"x", 0.1 * k}};
    waiting.user_attrs["k"] = k;
    const FrozenTrial created = s().CreateTrial(study, &waiting);
    EXPECT_EQ(created.state, TrialState::kWaiting);
    EXPECT_EQ(created.number, k + 1);
    EXPECT_FALSE(created.heartbeat.has_value());
  }
  EXPECT_EQ(s().CountTrials(study, TrialState::kWaiting), 3);
  for (int k = 0; k < 3; ++k) {
    const auto claimed = s().ClaimWaitingTrial(study);
    ASSERT_TRUE(claimed.has_value());
    EXPECT_EQ(claimed->number, k + 1);
    EXPECT_EQ(claimed->state, TrialState::kRunning);
    EXPECT_TRUE(claimed->datetime_start.has_value());
    EXPECT_FALSE(claimed->heartbeat.has_value());
    EXPECT_EQ(claimed->params.at("x"), 0.1 * k);
    EXPECT_EQ(claimed->user_attrs.at("k"), k);
    EXPECT_EQ(claimed->system_attrs.at("fixed_params"), (Json{{"x", 0.1 * k}}));
    EXPECT_EQ(s().GetTrial(claimed->id), *claimed);
  }
  EXPECT_FALSE(s().ClaimWaitingTrial(study).has_value());
  EXPECT_EQ(s().CountTrials(study, TrialState::kRunning), 4);
}

TEST_P(StorageConformance, FinishedTemplateIsCopiedVerbatim) {
  const int64_t source = s().CreateStudy("source", {StudyDirection::kMinimize, StudyDirection::kMaximize});
  const FrozenTrial original = RunningTrial(source);
  s().SetTrialIntermediateValue(original.id, 1, 0.5);
  s().SetTrialUserAttr(original.id, "u", 1);
  s().SetTrialStateValues(original.id, TrialState::kComplete, {1.0, -2.0});
  const FrozenTrial finished = s().GetTrial(original.id);

  const int64_t copy = s().CreateStudy("copy", {StudyDirection::kMinimize, StudyDirection::kMaximize});
  s().CreateTrial(copy);
  const FrozenTrial copied = s().CreateTrial(copy, &finished);
  EXPECT_EQ(copied.number, 1);
  EXPECT_NE(copied.id, finished.id);
  FrozenTrial expected = finished;
  expected.id = copied.id;
  expected.number = copied.number;
  EXPECT_EQ(s().GetTrial(copied.id), expected);
  EXPECT_THROW(s().SetTrialUserAttr(copied.id, "u", 2), UpdateFinishedTrialError);
  EXPECT_FALSE(s().ClaimWaitingTrial(copy).has_value());
}

TEST_P(StorageConformance, ClaimIsCompareAndSetAcrossThreads) {
  const int64_t study = s().CreateStudy("s", kMin);
  constexpr int kTrials = 50;
  constexpr int kThreads = 4;
  for (int k = 0; k < kTrials; ++k) {
    FrozenTrial waiting;
    waiting.state = TrialState::kWaiting;
    s().CreateTrial(study, &waiting);
  }
  std::vector<std::vector<int64_t>> claimed(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t, handle = instance_->Open()] {
      while (auto trial = handle->ClaimWaitingTrial(study)) claimed[t].push_back(trial->number);
    });
  }
  for (auto& thread : threads) thread.join();
  std::multiset<int64_t> all;
  for (const auto& numbers : claimed) all.insert(numbers.begin(), numbers.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kTrials));
  for (int64_t number = 0; number < kTrials; ++number) EXPECT_EQ(all.count(number), 1u) << number;
  EXPECT_EQ(s().CountTrials(study, TrialState::kWaiting), 0);
  EXPECT_EQ(s().CountTrials(study, TrialState::kRunning), kTrials);
}

TEST_P(StorageConformance, EveryWriteToAFinishedTrialThrows) {
  const int64_t study = s().CreateStudy("s", kMin);
  for (TrialState state : {TrialState::kComplete, TrialState::kPruned, TrialState::kFail}) {
    const FrozenTrial trial = RunningTrial(study);
    s().SetTrialStateValues(trial.id, state,
                            state == TrialState::kComplete ? std::vector<double>{1.0} : std::vector<double>{});
    const FrozenTrial before = s().GetTrial(trial.id);
    EXPECT_EQ(before.state, state);
    EXPECT_THROW(s().SetTrialParam(trial.id, "y", 0.5, FloatDistribution{}), UpdateFinishedTrialError);
    EXPECT_THROW(s().SetTrialParam(trial.id, "x", 0.75, FloatDistribution{}), UpdateFinishedTrialError);
    EXPECT_THROW(s().SetTrialIntermediateValue(trial.id, 0, 1.0), UpdateFinishedTrialError);
    EXPECT_THROW(s().SetTrialStateValues(trial.id, TrialState::kComplete, {2.0}), UpdateFinishedTrialError);
    EXPECT_THROW(s().SetTrialStateValues(trial.id, TrialState::kFail, {}), UpdateFinishedTrialError);
    EXPECT_THROW(s().SetTrialUserAttr(trial.id, "k", 1), UpdateFinishedTrialError);
    EXPECT_THROW(s().SetTrialSystemAttr(trial.id, "k", 1), UpdateFinishedTrialError);
    EXPECT_NO_THROW(s().RecordHeartbeat(trial.id));  // ignored, not an error
    EXPECT_EQ(s().GetTrial(trial.id), before) << ToString(state);
  }
}

TEST_P(StorageConformance, SetTrialStateValuesChecksItsArguments) {
  const int64_t study = s().CreateStudy("s", {StudyDirection::kMinimize, StudyDirection::kMinimize});
  const FrozenTrial trial = s().CreateTrial(study);
  EXPECT_THROW(s().SetTrialStateValues(trial.id, TrialState::kRunning, {}), InvalidArgumentError);
  EXPECT_THROW(s().SetTrialStateValues(trial.id, TrialState::kWaiting, {}), InvalidArgumentError);
  EXPECT_THROW(s().SetTrialStateValues(trial.id, TrialState::kComplete, {1.0}), InvalidArgumentError);
  EXPECT_EQ(s().GetTrial(trial.id).state, TrialState::kRunning);
  s().SetTrialStateValues(trial.id, TrialState::kPruned, {});
  EXPECT_EQ(s().GetTrial(trial.id).state, TrialState::kPruned);
  EXPECT_TRUE(s().GetTrial(trial.id).values.empty());
}

TEST_P(StorageConformance, ReturnedTrialsAreSnapshots) {
  const int64_t study = s().CreateStudy("s", kMin);
  const FrozenTrial trial = RunningTrial(study);
  const FrozenTrial snapshot = s().GetTrial(trial.id);
  const auto changes = s().GetTrialsChangedSince(study, 0);
  s().SetTrialParam(trial.id, "y", 0.5, FloatDistribution{});
  s().SetTrialUserAttr(trial.id, "k", 1);
  s().SetTrialStateValues(trial.id, TrialState::kComplete, {3.0});
  EXPECT_EQ(snapshot.state, TrialState::kRunning);
  EXPECT_EQ(snapshot.params.size(), 1u);
  EXPECT_TRUE(snapshot.user_attrs.empty());
  ASSERT_EQ(changes.trials.size(), 1u);
  EXPECT_EQ(changes.trials[0], snapshot);
  const FrozenTrial now = s().GetTrial(trial.id);
  EXPECT_NE(now, snapshot);
  EXPECT_EQ(now.params.size(), 2u);
}

TEST_P(StorageConformance, ChangedSinceReturnsExactlyTheChangedTrials) {
  const int64_t study = s().CreateStudy("s", kMin);
  const int64_t other = s().CreateStudy("other", kMin);
  std::vector<FrozenTrial> trials;
  for (int k = 0; k < 5; ++k) trials.push_back(s().CreateTrial(study));
  const TrialChanges first = s().GetTrialsChangedSince(study, 0);
  ASSERT_EQ(first.trials.size(), 5u);
  for (int k = 0; k < 5; ++k) EXPECT_EQ(first.trials[k].number, k);
  EXPECT_GT(first.watermark, 0);

  // Nothing changed: nothing returned, the watermark stays.
  const TrialChanges idle = s().GetTrialsChangedSince(study, first.watermark);
  EXPECT_TRUE(idle.trials.empty());
  EXPECT_EQ(idle.watermark, first.watermark);

  // Writes to another study leave this one's view alone.
  s().CreateTrial(other);
  EXPECT_TRUE(s().GetTrialsChangedSince(study, first.watermark).trials.empty());

  s().SetTrialParam(trials[3].id, "x", 0.5, FloatDistribution{});
  s().SetTrialIntermediateValue(trials[1].id, 0, 1.0);
  s().SetTrialStateValues(trials[3].id, TrialState::kComplete, {1.0});
  const TrialChanges second = s().GetTrialsChangedSince(study, first.watermark);
  ASSERT_EQ(second.trials.size(), 2u);
  EXPECT_EQ(second.trials[0].number, 1);
  EXPECT_EQ(second.trials[1].number, 3);
  EXPECT_EQ(second.trials[1].state, TrialState::kComplete);
  EXPECT_GT(second.watermark, first.watermark);

  const FrozenTrial added = s().CreateTrial(study);
  const TrialChanges third = s().GetTrialsChangedSince(study, second.watermark);
  ASSERT_EQ(third.trials.size(), 1u);
  EXPECT_EQ(third.trials[0].number, added.number);
  EXPECT_GT(third.watermark, second.watermark);
  // From zero: every trial, once, in number order.
  const TrialChanges all = s().GetTrialsChangedSince(study, 0);
  ASSERT_EQ(all.trials.size(), 6u);
  for (int k = 0; k < 6; ++k) EXPECT_EQ(all.trials[k].number, k);
  EXPECT_EQ(all.watermark, third.watermark);
}

TEST_P(StorageConformance, StaleTrialsAreReapedOnceByTheDatabaseClock) {
  const int64_t study = s().CreateStudy("s", kMin);
  const FrozenTrial stale = s().CreateTrial(study);
  const FrozenTrial fresh = s().CreateTrial(study);
  const FrozenTrial unbeaten = s().CreateTrial(study);  // an ask/tell client's: never beats, never reaped
  s().RecordHeartbeat(stale.id);
  s().RecordHeartbeat(fresh.id);
  const FrozenTrial fresh_first = s().GetTrial(fresh.id);
  FrozenTrial waiting;
  waiting.state = TrialState::kWaiting;
  s().CreateTrial(study, &waiting);
  EXPECT_TRUE(s().FailStaleTrials(study, 0.5).empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  s().RecordHeartbeat(fresh.id);
  const FrozenTrial beaten = s().GetTrial(fresh.id);
  EXPECT_GT(*beaten.heartbeat, *fresh_first.heartbeat);

  // Several workers reap at once; each stale trial is reaped by exactly one of them.
  std::vector<std::vector<int64_t>> reaped(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < reaped.size(); ++t) {
    threads.emplace_back([&, t, handle = instance_->Open()] { reaped[t] = handle->FailStaleTrials(study, 0.5); });
  }
  for (auto& thread : threads) thread.join();
  std::vector<int64_t> all;
  for (const auto& numbers : reaped) all.insert(all.end(), numbers.begin(), numbers.end());
  EXPECT_EQ(all, std::vector<int64_t>{stale.number});
  EXPECT_TRUE(s().FailStaleTrials(study, 0.5).empty());

  const FrozenTrial failed = s().GetTrial(stale.id);
  EXPECT_EQ(failed.state, TrialState::kFail);
  EXPECT_TRUE(failed.datetime_complete.has_value());
  EXPECT_TRUE(failed.system_attrs.count("fail_reason"));
  EXPECT_THROW(s().SetTrialStateValues(stale.id, TrialState::kComplete, {1.0}), UpdateFinishedTrialError);
  EXPECT_EQ(s().GetTrial(fresh.id).state, TrialState::kRunning);
  EXPECT_EQ(s().GetTrial(unbeaten.id).state, TrialState::kRunning);
  EXPECT_EQ(s().CountTrials(study, TrialState::kWaiting), 1);
}

TEST_P(StorageConformance, SamplerStateIsPerStudyAndKey) {
  const int64_t a = s().CreateStudy("a", kMin);
  const int64_t b = s().CreateStudy("b", kMin);
  EXPECT_FALSE(s().GetSamplerState(a, "cma").has_value());
  const std::string binary("\x00\x01state\xff", 8);
  s().PutSamplerState(a, "cma", "v1");
  s().PutSamplerState(a, "cma", binary);
  s().PutSamplerState(a, "pbt", "p");
  EXPECT_EQ(s().GetSamplerState(a, "cma"), binary);
  EXPECT_EQ(s().GetSamplerState(a, "pbt"), "p");
  EXPECT_FALSE(s().GetSamplerState(b, "cma").has_value());
}

TEST_P(StorageConformance, ConcurrentCreatesGetGaplessUniqueNumbers) {
  const int64_t study = s().CreateStudy("s", kMin);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::vector<std::vector<int64_t>> numbers(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t, handle = instance_->Open()] {
      for (int k = 0; k < kPerThread; ++k) numbers[t].push_back(handle->CreateTrial(study).number);
    });
  }
  for (auto& thread : threads) thread.join();
  std::multiset<int64_t> all;
  for (const auto& list : numbers) {
    EXPECT_TRUE(std::is_sorted(list.begin(), list.end()));  // one worker's trials are numbered in its order
    all.insert(list.begin(), list.end());
  }
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  for (int64_t n = 0; n < kThreads * kPerThread; ++n) EXPECT_EQ(all.count(n), 1u) << n;
  EXPECT_EQ(s().CountTrials(study, std::nullopt), kThreads * kPerThread);
}

TEST_P(StorageConformance, DataSurvivesClosingAndReopening) {
  if (!GetParam().persistent) GTEST_SKIP() << GetParam().name << " is not persistent";
  const int64_t study = s().CreateStudy("s", kMin);
  s().SetStudyUserAttr(study, "k", "v");
  const FrozenTrial trial = RunningTrial(study);
  s().SetTrialStateValues(trial.id, TrialState::kComplete, {0.5});
  s().PutSamplerState(study, "key", "blob");
  const TrialChanges before = s().GetTrialsChangedSince(study, 0);
  storage_.reset();

  storage_ = instance_->Open();
  EXPECT_EQ(s().GetStudyId("s"), study);
  EXPECT_EQ(s().GetStudyUserAttrs(study).at("k"), "v");
  EXPECT_EQ(s().GetSamplerState(study, "key"), "blob");
  const TrialChanges after = s().GetTrialsChangedSince(study, 0);
  EXPECT_EQ(after.trials, before.trials);
  EXPECT_EQ(after.watermark, before.watermark);
  EXPECT_EQ(s().CreateTrial(study).number, 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageConformance, ::testing::ValuesIn(Backends()),
                         [](const ::testing::TestParamInfo<Backend>& info) { return info.param.name; });

}  // namespace
}  // namespace hyperscout
