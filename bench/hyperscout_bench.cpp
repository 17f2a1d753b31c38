// hyperscout_bench: the overhead hyperscout adds to each trial, by sampler, storage, number of
// parameters and size of the history already in the study. Reported, never asserted; bench/README.md
// explains each number and bench/compare_optuna.py puts them next to Optuna's.
//
// Case names (stable: compare_optuna.py matches on them):
//   trial/<sampler>/<storage>/p<params>/h<history>   one ask + suggest-all-params + tell per iteration
//                                                    (gp: memory only, p1/p10 at h100, h200, h500)
//   first/gp/memory/p10/h<history>                   the first ask on a study that already holds `history`
//                                                    trials (the GP's cold hyperparameter fit, no warm start)
//   throughput/random/sqlite/p3/h<history>           Study::Optimize on SQLite, items_per_second = trials/s
//
// Everything is built through the registry by name or URL, so a sampler or storage that is not compiled
// in yet shows up as a skipped case ("... not built") instead of breaking the suite.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hyperscout/common/error.hpp"
#include "hyperscout/common/rng.hpp"
#include "hyperscout/registry.hpp"

namespace hyperscout {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kSeed = 20240601;
constexpr double kLow = -5.0;
constexpr double kHigh = 5.0;
// Untimed trials before measuring, so first-call costs (cache fill, lazy allocations) stay out.
constexpr int64_t kWarmupTrials = 2;
constexpr int64_t kThroughputBatch = 100;  // trials per Optimize call in the throughput cases
constexpr int64_t kThroughputBatches = 5;
constexpr int64_t kLargeHistory = 100000;
constexpr const char* kLargeHistoryEnv = "HYPERSCOUT_BENCH_100K";

// The measured trials join the study they are measured on, so the history grows during a case. Timing
// history / 10 trials (at least 10) bounds that growth to ~10% (plus the warm-up), which keeps each
// case's label honest while giving enough trials for a stable median.
int64_t MeasuredTrials(int64_t history) {
  return std::max<int64_t>(10, history / 10);
}

struct SamplerCase {
  std::string label;          // as it appears in the case name
  std::string registry_name;  // MakeSampler name
  Json options;
};

const std::vector<SamplerCase>& SamplerCases() {
  static const std::vector<SamplerCase> cases = {
      {"random", "random", Json::object()},
      {"qmc", "qmc", Json::object()},
      {"tpe-univariate", "tpe", Json{{"multivariate", false}}},
      {"tpe-multivariate", "tpe", Json::object()},
      {"cmaes", "cmaes", Json::object()},
  };
  return cases;
}

bool SamplerBuilt(const std::string& name) {
  const auto& specs = Samplers();
  return std::any_of(specs.begin(), specs.end(), [&](const SamplerSpec& spec) { return spec.name == name; });
}

// A fresh SQLite file per case, removed (with its WAL and shared-memory files) when the case ends.
class TempDatabase {
 public:
  TempDatabase() {
    static std::atomic<int> counter{0};
    path_ = (std::filesystem::temp_directory_path() /
             fmt::format("hyperscout_bench_{}_{}.db", static_cast<long>(getpid()), counter.fetch_add(1)))
                .string();
    Remove();
  }
  ~TempDatabase() { Remove(); }
  TempDatabase(const TempDatabase&) = delete;
  TempDatabase& operator=(const TempDatabase&) = delete;

  std::string Url() const { return "sqlite:///" + path_; }  // path_ is absolute: sqlite:////tmp/...

 private:
  void Remove() const {
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path_ + suffix, ignored);
  }

  std::string path_;
};

struct BenchStudy {
  std::unique_ptr<TempDatabase> database;  // declared first: destroyed after the study closes the file
  std::unique_ptr<Study> study;
};

// Opens a study on `storage_kind` ("memory" or "sqlite") with the sampler. Returns the reason when a
// piece is not built into this binary (or fails to open), so the caller can skip the case.
std::optional<std::string> OpenBenchStudy(const std::string& storage_kind, const std::string& sampler_name,
                                          const Json& sampler_options, BenchStudy& out) {
  if (!SamplerBuilt(sampler_name)) return fmt::format("sampler '{}' not built", sampler_name);
  StudyOptions options;
  options.study_name = "bench";
  try {
    options.sampler = MakeSampler(sampler_name, kSeed, sampler_options);
  } catch (const std::exception& e) {
    return fmt::format("sampler '{}' with options {} not built: {}", sampler_name, sampler_options.dump(), e.what());
  }
  std::string url = "memory://";
  if (storage_kind == "sqlite") {
    out.database = std::make_unique<TempDatabase>();
    url = out.database->Url();
  }
  try {
    options.storage = OpenStorage(url);
    out.study = CreateStudy(std::move(options));
  } catch (const std::exception& e) {
    return fmt::format("storage '{}' not built or failed to open: {}", storage_kind, e.what());
  }
  return std::nullopt;
}

std::vector<std::string> ParamNames(int n_params) {
  std::vector<std::string> names;
  for (int i = 0; i < n_params; ++i) names.push_back(fmt::format("x{}", i));
  return names;
}

// Writes `n_trials` finished trials straight through Storage::CreateTrial (one call each), as a study
// that already ran would hold them: uniform parameters, objective = sum of squares. The sampler never
// runs here, so setup stays fast even for TPE and 100,000 trials.
void Prepopulate(Study& study, const std::vector<std::string>& names, int64_t n_trials) {
  Rng rng(MixSeed(kSeed, static_cast<uint64_t>(names.size())));
  FrozenTrial tmpl;
  tmpl.state = TrialState::kComplete;
  for (const auto& name : names) tmpl.distributions[name] = FloatDistribution{kLow, kHigh, false, std::nullopt};
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  tmpl.datetime_start = now;
  tmpl.datetime_complete = now;
  Storage& storage = study.storage();
  for (int64_t i = 0; i < n_trials; ++i) {
    double value = 0.0;
    for (const auto& name : names) {
      const double x = rng.Uniform(kLow, kHigh);
      tmpl.params[name] = x;
      value += x * x;
    }
    tmpl.values = {value};
    storage.CreateTrial(study.id(), &tmpl);
  }
}

// One trial cycle; returns the ask+suggest time and the full time through `suggest_ns` / `trial_ns`.
void RunOneTrial(Study& study, const std::vector<std::string>& names, int64_t& suggest_ns, int64_t& trial_ns) {
  const auto start = Clock::now();
  Trial trial = study.Ask();
  double value = 0.0;
  for (const auto& name : names) {
    const double x = trial.SuggestFloat(name, kLow, kHigh);
    value += x * x;
  }
  const auto suggested = Clock::now();
  study.Tell(trial, value);
  const auto done = Clock::now();
  suggest_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(suggested - start).count();
  trial_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(done - start).count();
}

double MedianMicros(std::vector<int64_t> nanos) {
  if (nanos.empty()) return 0.0;
  const size_t mid = nanos.size() / 2;
  std::nth_element(nanos.begin(), nanos.begin() + static_cast<std::ptrdiff_t>(mid), nanos.end());
  double median = static_cast<double>(nanos[mid]);
  if (nanos.size() % 2 == 0) {
    median = (median +
              static_cast<double>(*std::max_element(nanos.begin(), nanos.begin() + static_cast<std::ptrdiff_t>(mid)))) /
             2.0;
  }
  return median / 1000.0;
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Per-trial latency of ask + suggest-all-params + tell. The benchmark's own time is the mean per trial;
// counters add the mean ask+suggest time ("suggest latency") and both medians, which compare_optuna.py
// uses because Optuna's side is timed the same way.
void BenchTrial(benchmark::State& state, const SamplerCase& sampler, const std::string& storage_kind, int n_params,
                int64_t history) {
  BenchStudy bench;
  if (auto reason = OpenBenchStudy(storage_kind, sampler.registry_name, sampler.options, bench)) {
    state.SkipWithError(reason->c_str());
    return;
  }
  Study& study = *bench.study;
  const std::vector<std::string> names = ParamNames(n_params);
  std::vector<int64_t> suggest_ns;
  std::vector<int64_t> trial_ns;
  suggest_ns.reserve(static_cast<size_t>(state.max_iterations));
  trial_ns.reserve(static_cast<size_t>(state.max_iterations));
  try {
    const auto setup_start = Clock::now();
    Prepopulate(study, names, history);
    state.counters["prepopulate_s"] = SecondsSince(setup_start);
    int64_t ignored_suggest = 0;
    int64_t ignored_trial = 0;
    for (int64_t i = 0; i < kWarmupTrials; ++i) RunOneTrial(study, names, ignored_suggest, ignored_trial);
  } catch (const std::exception& e) {
    state.SkipWithError(fmt::format("setup failed: {}", e.what()).c_str());
    return;
  }
  const int64_t history_start = study.storage().CountTrials(study.id());
  for (auto _ : state) {
    int64_t one_suggest = 0;
    int64_t one_trial = 0;
    try {
      RunOneTrial(study, names, one_suggest, one_trial);
    } catch (const std::exception& e) {
      state.SkipWithError(fmt::format("trial failed: {}", e.what()).c_str());
      break;
    }
    suggest_ns.push_back(one_suggest);
    trial_ns.push_back(one_trial);
  }
  if (trial_ns.empty()) return;
  double suggest_total_us = 0.0;
  for (const int64_t ns : suggest_ns) suggest_total_us += static_cast<double>(ns) / 1000.0;
  state.counters["suggest_us"] = benchmark::Counter(suggest_total_us, benchmark::Counter::kAvgIterations);
  state.counters["suggest_p50_us"] = MedianMicros(suggest_ns);
  state.counters["trial_p50_us"] = MedianMicros(trial_ns);
  state.counters["history_start"] = static_cast<double>(history_start);
  state.counters["history_end"] = static_cast<double>(study.storage().CountTrials(study.id()));
}

// The first suggestion on a study that already holds `history` finished trials, e.g. a study resumed by a new
// process or filled by enqueue: the GP has no previous hyperparameters to continue from, so this is its cold fit.
// Each iteration opens a fresh study (untimed), fills it and times one ask + suggest.
void BenchFirstAsk(benchmark::State& state, const SamplerCase& sampler, int n_params, int64_t history) {
  const std::vector<std::string> names = ParamNames(n_params);
  std::vector<int64_t> suggest_ns;
  for (auto _ : state) {
    state.PauseTiming();
    BenchStudy bench;
    if (auto reason = OpenBenchStudy("memory", sampler.registry_name, sampler.options, bench)) {
      state.SkipWithError(reason->c_str());
      return;
    }
    Prepopulate(*bench.study, names, history);
    state.ResumeTiming();
    int64_t one_suggest = 0;
    int64_t one_trial = 0;
    try {
      RunOneTrial(*bench.study, names, one_suggest, one_trial);
    } catch (const std::exception& e) {
      state.SkipWithError(fmt::format("trial failed: {}", e.what()).c_str());
      break;
    }
    suggest_ns.push_back(one_suggest);
  }
  state.counters["suggest_p50_us"] = MedianMicros(suggest_ns);
}

// Trials per second from one process: Study::Optimize with the random sampler on a fresh SQLite file
// that already holds `history` trials. Flat cost per trial across histories is the goal.
void BenchThroughput(benchmark::State& state, int64_t history) {
  if (history >= kLargeHistory && std::getenv(kLargeHistoryEnv) == nullptr) {
    state.SkipWithError(
        fmt::format("skipped: set {}=1 to run (pre-populating {} trials takes a while)", kLargeHistoryEnv, history)
            .c_str());
    return;
  }
  BenchStudy bench;
  if (auto reason = OpenBenchStudy("sqlite", "random", Json::object(), bench)) {
    state.SkipWithError(reason->c_str());
    return;
  }
  Study& study = *bench.study;
  const std::vector<std::string> names = ParamNames(3);
  const auto objective = [&names](Trial& trial) {
    double value = 0.0;
    for (const auto& name : names) {
      const double x = trial.SuggestFloat(name, kLow, kHigh);
      value += x * x;
    }
    return value;
  };
  try {
    const auto setup_start = Clock::now();
    Prepopulate(study, names, history);
    state.counters["prepopulate_s"] = SecondsSince(setup_start);
    OptimizeOptions warmup;
    warmup.n_trials = kWarmupTrials;
    study.Optimize(objective, warmup);
  } catch (const std::exception& e) {
    state.SkipWithError(fmt::format("setup failed: {}", e.what()).c_str());
    return;
  }
  const int64_t history_start = study.storage().CountTrials(study.id());
  OptimizeOptions batch;
  batch.n_trials = kThroughputBatch;
  for (auto _ : state) {
    try {
      study.Optimize(objective, batch);
    } catch (const std::exception& e) {
      state.SkipWithError(fmt::format("optimize failed: {}", e.what()).c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kThroughputBatch);
  state.counters["history_start"] = static_cast<double>(history_start);
  state.counters["history_end"] = static_cast<double>(study.storage().CountTrials(study.id()));
}

void RegisterAll() {
  for (const auto& sampler : SamplerCases()) {
    for (const char* storage_kind : {"memory", "sqlite"}) {
      for (const int n_params : {1, 10, 30}) {
        // CMA-ES also at 200 finished trials, the size its per-suggestion target is stated for.
        std::vector<int64_t> histories = {100, 1000, 10000};
        if (sampler.label == "cmaes") histories.insert(histories.begin() + 1, 200);
        for (const int64_t history : histories) {
          const std::string name = fmt::format("trial/{}/{}/p{}/h{}", sampler.label, storage_kind, n_params, history);
          benchmark::RegisterBenchmark(name.c_str(), BenchTrial, sampler, std::string(storage_kind), n_params, history)
              ->Iterations(MeasuredTrials(history))
              ->Unit(benchmark::kMicrosecond)
              ->UseRealTime();
        }
      }
    }
  }
  // The GP's exact model costs O(n³) per suggestion, so it is measured at the history sizes it is meant for.
  const SamplerCase gp{"gp", "gp", Json::object()};
  for (const int n_params : {1, 10}) {
    for (const int64_t history : {100, 200, 500}) {
      const std::string name = fmt::format("trial/gp/memory/p{}/h{}", n_params, history);
      benchmark::RegisterBenchmark(name.c_str(), BenchTrial, gp, std::string("memory"), n_params, history)
          ->Iterations(MeasuredTrials(history))
          ->Unit(benchmark::kMicrosecond)
          ->UseRealTime();
    }
  }
  for (const int64_t history : {100, 200, 500}) {
    const std::string name = fmt::format("first/gp/memory/p10/h{}", history);
    benchmark::RegisterBenchmark(name.c_str(), BenchFirstAsk, gp, 10, history)
        ->Iterations(5)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  for (const int64_t history : {int64_t{0}, int64_t{1000}, int64_t{10000}, kLargeHistory}) {
    const std::string name = fmt::format("throughput/random/sqlite/p3/h{}", history);
    benchmark::RegisterBenchmark(name.c_str(), BenchThroughput, history)
        ->Iterations(kThroughputBatches)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
}

}  // namespace
}  // namespace hyperscout

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("hyperscout_seed", std::to_string(hyperscout::kSeed));
  benchmark::AddCustomContext(
      "history_growth",
      fmt::format("trial/* cases time max(10, history/10) trials after {} warm-up trials, all added to the study "
                  "being measured (history_start/history_end counters); throughput/* cases run {} x {} trials",
                  hyperscout::kWarmupTrials, hyperscout::kThroughputBatches, hyperscout::kThroughputBatch));
  benchmark::AddCustomContext("values", "time = mean per trial; suggest_us = mean ask+suggest; *_p50_us = medians");
  hyperscout::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
