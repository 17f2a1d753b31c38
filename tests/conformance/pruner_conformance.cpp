// Pruner conformance: every pruner in the registry (so a new one joins by being registered) must
//  - never prune a trial that reported nothing,
//  - never prune before its warm-up ends, where it has a warm-up option,
//  - survive NaN and infinite intermediate values without throwing,
//  - decide the same for a maximized study as for its mirror image (values negated, direction flipped),
//  - be deterministic, and
//  - answer consistently when four threads ask at once.
// Pruners whose defaults cannot be built (a threshold needs a bound) get options from RequiredOptions.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <thread>
#include <utility>

#include "hyperscout/common/error.hpp"
#include "hyperscout/common/rng.hpp"
#include "hyperscout/core/study.hpp"
#include "hyperscout/registry.hpp"
#include "hyperscout/samplers/random.hpp"
#include "hyperscout/storage/memory_storage.hpp"

namespace hyperscout {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int kSteps = 16;

// Options a pruner cannot do without. Bounds are symmetric so the mirror test holds for absolute thresholds.
Json RequiredOptions(const std::string& name) {
  if (name == "threshold") return Json{{"lower", -1.0}, {"upper", 1.0}};
  return Json::object();
}

bool HasOption(const PrunerSpec& spec, const std::string& option) {
  return std::any_of(spec.options.begin(), spec.options.end(), [&](const OptionSpec& o) { return o.name == option; });
}

const PrunerSpec& SpecNamed(const std::string& name) {
  for (const auto& spec : Pruners()) {
    if (spec.name == name) return spec;
  }
  throw InvalidArgumentError("no pruner " + name);
}

std::unique_ptr<Study> NewStudy(std::shared_ptr<Pruner> pruner, StudyDirection direction) {
  StudyOptions options;
  options.study_name = "conformance";
  options.storage = std::make_shared<MemoryStorage>();
  options.sampler = std::make_shared<RandomSampler>(1);
  options.pruner = std::move(pruner);
  options.directions = {direction};
  return Study::Create(options);
}

// Learning curves that decay towards different plateaus, plus a few with NaN and infinities, so the
// history has good, bad and broken trials. Fixed seed.
std::vector<std::vector<double>> Curves(int n_trials) {
  Rng rng(20240607);
  std::vector<std::vector<double>> curves;
  for (int i = 0; i < n_trials; ++i) {
    const double plateau = rng.Uniform(-1.5, 1.5);
    const double scale = rng.Uniform(0.0, 2.0);
    std::vector<double> curve;
    curve.reserve(kSteps);
    for (int step = 0; step < kSteps; ++step) {
      curve.push_back(plateau + scale / (step + 1.0) + 0.05 * rng.Normal());
    }
    if (i == 3) curve[5] = kNan;
    if (i == 6) curve[2] = kInf;
    if (i == 9) curve[7] = -kInf;
    if (i == 11) curve.assign(kSteps, kNan);
    curves.push_back(std::move(curve));
  }
  return curves;
}

struct TrialRecord {
  std::vector<bool> decisions;  // one per report
  TrialState state;
};

// Runs one trial the way an objective does: report, ask, stop when told. `sign` mirrors the values.
TrialRecord RunTrial(Study& study, const std::vector<double>& curve, double sign) {
  Trial trial = study.Ask();
  TrialRecord record;
  for (size_t step = 0; step < curve.size(); ++step) {
    trial.Report(static_cast<int64_t>(step), sign * curve[step]);
    const bool prune = trial.ShouldPrune();
    record.decisions.push_back(prune);
    if (prune) {
      record.state = study.Tell(trial, TrialState::kPruned).state;
      return record;
    }
  }
  record.state = study.Tell(trial, sign * curve.back()).state;
  return record;
}

std::vector<TrialRecord> RunHistory(Study& study, double sign, int n_trials = 14) {
  std::vector<TrialRecord> records;
  for (const auto& curve : Curves(n_trials)) records.push_back(RunTrial(study, curve, sign));
  return records;
}

class PrunerConformance : public ::testing::TestWithParam<std::string> {
 protected:
  std::shared_ptr<Pruner> Make(Json extra = Json::object()) const {
    Json options = RequiredOptions(GetParam());
    for (const auto& [key, value] : extra.items()) options[key] = value;
    return MakePruner(GetParam(), options);
  }
};

TEST_P(PrunerConformance, NeverPrunesATrialWithoutReports) {
  auto empty = NewStudy(Make(), StudyDirection::kMinimize);
  Trial first = empty->Ask();
  EXPECT_FALSE(first.ShouldPrune());

  auto study = NewStudy(Make(), StudyDirection::kMinimize);
  RunHistory(*study, 1.0);
  Trial fresh = study->Ask();
  EXPECT_FALSE(fresh.ShouldPrune());
  EXPECT_FALSE(study->PruneTrial(fresh.Snapshot()));
}

// Options that hold pruning off for the first 6 steps (reports at steps 0, 1, ...), by name.
const std::vector<std::pair<std::string, Json>> kWarmupOptions = {
    {"n_warmup_steps", 6},  // the percentile family, threshold
    {"min_resource", 6},    // successive halving: the first rung ends at step 6
    {"patience", 5},        // patient: needs patience + 2 reports before it can judge
};

TEST_P(PrunerConformance, NeverPrunesDuringWarmup) {
  const PrunerSpec& spec = SpecNamed(GetParam());
  constexpr int kWarmup = 6;
  Json options = Json::object();
  for (const auto& [name, value] : kWarmupOptions) {
    if (HasOption(spec, name)) options[name] = value;
  }
  if (options.empty()) GTEST_SKIP() << GetParam() << " has no warm-up option";
  if (HasOption(spec, "n_startup_trials")) options["n_startup_trials"] = 0;
  auto study = NewStudy(Make(options), StudyDirection::kMinimize);
  for (const auto& record : RunHistory(*study, 1.0)) {
    for (size_t step = 0; step < record.decisions.size() && step < kWarmup; ++step)
      EXPECT_FALSE(record.decisions[step]);
  }
  // A hopeless trial: far worse than everything, diverged, infinite.
  Trial trial = study->Ask();
  const double hopeless[] = {1e9, kNan, kInf, 1e9, kNan, kInf};
  for (int step = 0; step < kWarmup; ++step) {
    trial.Report(step, hopeless[step]);
    EXPECT_FALSE(trial.ShouldPrune()) << "step " << step;
  }
}

TEST_P(PrunerConformance, NonFiniteValuesNeverThrow) {
  for (const auto direction : {StudyDirection::kMinimize, StudyDirection::kMaximize}) {
    auto study = NewStudy(Make(), direction);
    EXPECT_NO_THROW(RunHistory(*study, direction == StudyDirection::kMinimize ? 1.0 : -1.0));
    const std::vector<std::vector<double>> odd = {
        {kNan, kNan, kNan, kNan, kNan}, {kInf, kInf, 1.0, kInf, 0.5},       {-kInf, 0.0, -kInf, kNan, kInf},
        {0.1, kNan, 0.2, -kInf, kNan},  {1e308, -1e308, 1e-308, 0.0, -0.0},
    };
    for (const auto& curve : odd) {
      Trial trial = study->Ask();
      for (size_t step = 0; step < curve.size(); ++step) {
        trial.Report(static_cast<int64_t>(step), curve[step]);
        EXPECT_NO_THROW(trial.ShouldPrune());
      }
      EXPECT_NO_THROW(study->Tell(trial, TrialState::kPruned));
    }
  }
}

TEST_P(PrunerConformance, MaximizeMirrorsMinimize) {
  auto minimize = NewStudy(Make(), StudyDirection::kMinimize);
  auto maximize = NewStudy(Make(), StudyDirection::kMaximize);
  const auto a = RunHistory(*minimize, 1.0);
  const auto b = RunHistory(*maximize, -1.0);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].decisions, b[i].decisions) << "trial " << i;
    EXPECT_EQ(a[i].state, b[i].state) << "trial " << i;
  }
}

TEST_P(PrunerConformance, DecisionsAreDeterministic) {
  auto first = NewStudy(Make(), StudyDirection::kMinimize);
  auto second = NewStudy(Make(), StudyDirection::kMinimize);
  const auto a = RunHistory(*first, 1.0);
  const auto b = RunHistory(*second, 1.0);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].decisions, b[i].decisions) << "trial " << i;

  // Asking again about an unchanged trial gives the same answer.
  Trial trial = first->Ask();
  for (int step = 0; step < kSteps; ++step) {
    trial.Report(step, 0.7 + 1.0 / (step + 1.0));
    const bool decision = trial.ShouldPrune();
    for (int again = 0; again < 3; ++again) EXPECT_EQ(trial.ShouldPrune(), decision) << "step " << step;
  }
}

TEST_P(PrunerConformance, ConcurrentCallsAgree) {
  auto study = NewStudy(Make(), StudyDirection::kMinimize);
  RunHistory(*study, 1.0);
  // Running trials at different depths and qualities, asked about by four threads at once.
  std::vector<FrozenTrial> running;
  for (int k = 0; k < 6; ++k) {
    Trial trial = study->Ask();
    const int depth = 2 + 3 * k % kSteps;
    for (int step = 0; step <= depth; ++step) trial.Report(step, -1.0 + 0.6 * k + 1.0 / (step + 1.0));
    running.push_back(trial.Snapshot());
  }
  constexpr int kThreads = 4;
  constexpr int kRounds = 20;
  std::vector<std::vector<int>> answers(kThreads, std::vector<int>(running.size(), -1));
  std::atomic<int> inconsistent{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        for (size_t i = 0; i < running.size(); ++i) {
          // Each thread walks the trials in a different order to interleave differently.
          const size_t index = (i + static_cast<size_t>(t)) % running.size();
          try {
            const int answer = study->PruneTrial(running[index]) ? 1 : 0;
            if (answers[t][index] == -1) answers[t][index] = answer;
            if (answers[t][index] != answer) ++inconsistent;
          } catch (...) {
            ++errors;
          }
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(inconsistent.load(), 0);
  for (size_t i = 0; i < running.size(); ++i) {
    const int sequential = study->PruneTrial(running[i]) ? 1 : 0;
    for (int t = 0; t < kThreads; ++t) EXPECT_EQ(answers[t][i], sequential) << "trial " << i << " thread " << t;
  }
}

std::vector<std::string> RegisteredPruners() {
  std::vector<std::string> names;
  for (const auto& spec : Pruners()) names.push_back(spec.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Registry, PrunerConformance, ::testing::ValuesIn(RegisteredPruners()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace hyperscout
