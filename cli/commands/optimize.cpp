// `hyperscout optimize [options] -- COMMAND ARG...`: runs COMMAND once per trial (DESIGN.md §5).
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <thread>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/interrupt.hpp"
#include "cli/progress.hpp"
#include "cli/protocol.hpp"
#include "cli/runner.hpp"
#include "cli/trial_view.hpp"
#include "hyperscout/registry.hpp"

namespace hyperscout::cli {
namespace {

struct OptimizeFlags {
  StorageFlags storage;
  std::string space_file = "space.toml";
  std::vector<std::string> params;
  std::string direction;
  std::string directions;
  std::string sampler;
  std::vector<std::string> sampler_options;
  std::string pruner;
  std::vector<std::string> pruner_options;
  std::optional<uint64_t> seed;
  std::optional<int64_t> n_trials;
  std::optional<double> timeout;
  int jobs = 1;
  std::optional<double> trial_timeout;
  double grace = 5.0;
  double heartbeat = 30.0;
  double heartbeat_grace = 0.0;  // 0: 3 × heartbeat, at least 10 s
  std::vector<std::string> enqueue;
  int grid_points = kDefaultGridPointsPerFloat;
  std::vector<std::string> command;
};

// What one trial's child did, as the reason recorded on a FAIL trial.
class TrialFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <class Specs>
std::string RegistryNames(const Specs& specs) {
  std::vector<std::string> names;
  names.reserve(specs.size());
  for (const auto& spec : specs) names.push_back(spec.name);
  return fmt::format("{}", fmt::join(names, ", "));
}

void CheckFlags(const OptimizeFlags& flags) {
  if (flags.command.empty()) {
    throw InvalidArgumentError("no command to optimize; put it after --, e.g. -- python3 train.py --lr {lr}");
  }
  if (flags.jobs < 1) throw InvalidArgumentError(fmt::format("--jobs must be >= 1, got {}", flags.jobs));
  if (flags.n_trials && *flags.n_trials < 0) {
    throw InvalidArgumentError(fmt::format("--n-trials must be >= 0, got {}", *flags.n_trials));
  }
  if (flags.timeout && !(*flags.timeout > 0)) throw InvalidArgumentError("--timeout must be > 0 seconds");
  if (flags.trial_timeout && !(*flags.trial_timeout > 0)) {
    throw InvalidArgumentError("--trial-timeout must be > 0 seconds");
  }
  if (!(flags.grace >= 0) || !std::isfinite(flags.grace)) throw InvalidArgumentError("--grace must be >= 0 seconds");
  if (!(flags.heartbeat >= 0) || !std::isfinite(flags.heartbeat)) {
    throw InvalidArgumentError("--heartbeat must be >= 0 seconds (0 turns heartbeats off)");
  }
  if (!(flags.heartbeat_grace >= 0) || !std::isfinite(flags.heartbeat_grace)) {
    throw InvalidArgumentError("--heartbeat-grace must be >= 0 seconds");
  }
  if (flags.heartbeat_grace > 0 && flags.heartbeat_grace <= flags.heartbeat) {
    throw InvalidArgumentError(fmt::format(
        "--heartbeat-grace {} must be longer than --heartbeat {}, or live trials would be reaped; use 3 × --heartbeat",
        flags.heartbeat_grace, flags.heartbeat));
  }
}

// Enqueued trials are checked against the space before the study is touched.
std::vector<std::map<std::string, ParamValue>> ParseEnqueued(const std::vector<std::string>& texts,
                                                             const Space& space) {
  std::vector<std::map<std::string, ParamValue>> out;
  for (const auto& text : texts) {
    const Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object()) {
      throw InvalidArgumentError(
          fmt::format("--enqueue '{}': expected a JSON object such as '{{\"lr\": 0.01}}'", text));
    }
    std::map<std::string, ParamValue> params;
    for (const auto& [name, value] : json.items()) {
      const SpaceParam* param = space.Find(name);
      if (param == nullptr) {
        throw InvalidArgumentError(fmt::format("--enqueue: '{}' is not a parameter of the space; fix the name", name));
      }
      try {
        params[name] = ParamValueFromJson(value);
        ToInternal(param->distribution, params[name]);
      } catch (const InvalidArgumentError& e) {
        throw InvalidArgumentError(
            fmt::format("--enqueue: parameter '{}': {}; pick a value inside the space", name, e.what()));
      }
    }
    out.push_back(std::move(params));
  }
  return out;
}

// The values of the child's result; constraints it printed are stored on the trial first.
std::vector<double> ParseChildResult(const ChildResult& result, Trial& trial) {
  const ParsedResult parsed = ParseResultLine(result.last_line);
  if (!parsed.values) throw TrialFailure(parsed.error);
  const auto& values = *parsed.values;
  for (double v : values) {
    if (std::isnan(v)) throw TrialFailure("the objective printed NaN");
  }
  const size_t n_objectives = trial.study().directions().size();
  if (values.size() != n_objectives) {
    throw TrialFailure(fmt::format("the objective printed {} value(s) but the study has {} direction(s)", values.size(),
                                   n_objectives));
  }
  if (parsed.constraints) {
    try {
      trial.SetConstraints(*parsed.constraints);
    } catch (const InvalidArgumentError& e) {
      throw TrialFailure(fmt::format("the result's {}; print finite numbers", e.what()));
    }
  }
  return values;
}

std::vector<double> RunTrial(Trial& trial, const Space& space, const OptimizeFlags& flags,
                             const std::string& executable, const std::vector<ArgTemplate>& templates) {
  if (InterruptLevel() > 0) {
    trial.study().Stop();
    throw TrialFailure("interrupted");
  }
  const auto active = space.SuggestAll(trial);
  Json params_json = Json::object();
  for (const auto& [name, value] : active) params_json[name] = ParamValueToJson(value);

  ChildSpec spec;
  spec.executable = executable;
  spec.argv.push_back(flags.command[0]);
  for (auto& arg : ExpandArgs(templates, active)) spec.argv.push_back(std::move(arg));
  spec.extra_env = {fmt::format("HYPERSCOUT_TRIAL_NUMBER={}", trial.number()),
                    fmt::format("HYPERSCOUT_STUDY={}", trial.study().name()),
                    fmt::format("HYPERSCOUT_PARAMS={}", params_json.dump())};
  spec.timeout = flags.trial_timeout;
  spec.grace = flags.grace;

  const ChildResult result = RunChild(
      spec,
      [&trial](const Report& report) {
        trial.Report(report.step, report.value);
        return trial.ShouldPrune();
      },
      [] { return InterruptLevel(); });

  std::string reason;
  Json exit_status = nullptr;
  switch (result.end) {
    case ChildEnd::kPruned:
      throw TrialPruned();
    case ChildEnd::kInterrupted:
      reason = "interrupted";
      break;
    case ChildEnd::kTimedOut:
      reason = fmt::format("timed out after {} s (--trial-timeout); the process group was killed",
                           FormatValue(*flags.trial_timeout));
      break;
    case ChildEnd::kStartFailed:
      reason = fmt::format("cannot execute '{}': {}", executable, result.start_error);
      exit_status = 127;
      break;
    case ChildEnd::kSignaled:
      reason = fmt::format("killed by {}", SignalName(result.signal));
      exit_status = -result.signal;
      break;
    case ChildEnd::kExited:
      exit_status = result.exit_code;
      if (result.exit_code != 0) {
        reason = fmt::format("exited with status {}", result.exit_code);
        break;
      }
      try {
        return ParseChildResult(result, trial);
      } catch (const TrialFailure& e) {
        reason = e.what();
      }
      break;
  }
  if (!exit_status.is_null()) trial.SetSystemAttr("exit_status", exit_status);
  if (!result.stderr_tail.empty()) trial.SetSystemAttr("stderr", result.stderr_tail);
  throw TrialFailure(reason);
}

int RunOptimize(const OptimizeFlags& flags, bool space_given) {
  CheckFlags(flags);
  const auto directions = ParseDirections(flags.direction, flags.directions);
  std::optional<Space> space = LoadSpaceFromFlags(flags.space_file, space_given, flags.params);
  const std::string executable = ResolveExecutable(flags.command[0]);
  const Json sampler_options = ParseOptionPairs(flags.sampler_options, "--sampler-option");
  const Json pruner_options = ParseOptionPairs(flags.pruner_options, "--pruner-option");
  std::shared_ptr<Pruner> pruner;
  if (!flags.pruner.empty()) {
    pruner = MakePruner(flags.pruner, pruner_options);
  } else if (!flags.pruner_options.empty()) {
    throw InvalidArgumentError("--pruner-option needs --pruner NAME");
  }

  const std::string url = ResolveStorageUrl(flags.storage);
  auto storage = OpenStorageForCli(url);
  std::optional<int64_t> existing;
  try {
    existing = storage->GetStudyId(flags.storage.study);
  } catch (const StudyNotFoundError&) {
  }
  const bool space_from_flags = space.has_value();
  if (!space && existing) space = StoredSpace(*storage, *existing);
  if (!space) {
    throw InvalidArgumentError(
        fmt::format("{}: no such space file; write one (see docs/space-file.md), pass --space "
                    "FILE, or declare parameters with --param NAME=SPEC",
                    flags.space_file));
  }
  const std::vector<std::string> args(flags.command.begin() + 1, flags.command.end());
  const auto templates = ParseArgTemplates(args, *space);
  const auto enqueued = ParseEnqueued(flags.enqueue, *space);

  auto sampler =
      MakeSamplerForCli(flags.sampler, sampler_options, flags.seed, space, storage.get(), existing, flags.grid_points);
  auto study = CreateOrLoadStudy(storage, flags.storage.study, directions, sampler, pruner, flags.heartbeat,
                                 flags.heartbeat_grace);
  if (space_from_flags) StoreSpace(*storage, study->id(), study->name(), *space);
  storage->SetStudySystemAttr(study->id(), kSamplerAttr, Json{{"name", sampler->Name()}, {"options", sampler_options}});
  for (const auto& params : enqueued) study->EnqueueTrial(params);

  std::optional<double> best_before;
  if (!study->IsMultiObjective()) {
    const auto best = BestOf(study->Trials({TrialState::kComplete}), study->directions());
    if (!best.empty()) best_before = best[0].values[0];
  }
  Progress progress(StderrIsTerminal(), flags.n_trials, study->directions(), best_before);

  InterruptGuard interrupts;
  // Between trials nothing polls the interrupt counter, so a watcher stops the study from starting more.
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done) {
      if (InterruptLevel() > 0) study->Stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });

  OptimizeOptions options;
  options.n_trials = flags.n_trials;
  options.timeout = flags.timeout;
  options.n_jobs = flags.jobs;
  options.catch_exceptions = true;
  options.callbacks.push_back([&progress](Study& running, const FrozenTrial& trial) {
    // Callbacks run before the worker decides on its next trial, so this leaves no window after Ctrl-C.
    if (InterruptLevel() > 0) running.Stop();
    progress.TrialFinished(trial);
  });
  const Space& the_space = *space;
  const auto started = std::chrono::steady_clock::now();
  progress.Start();
  std::exception_ptr error;
  try {
    study->Optimize(
        [&](Trial& trial) {
          try {
            return RunTrial(trial, the_space, flags, executable, templates);
          } catch (const TrialPruned&) {
            throw;
          } catch (const TrialFailure&) {
            throw;
          } catch (const InvalidArgumentError& e) {
            // A parameter problem (e.g. an enqueued value) fails this trial only.
            throw TrialFailure(e.what());
          }
        },
        options);
  } catch (...) {
    error = std::current_exception();
  }
  done = true;
  watcher.join();
  progress.Stop();
  if (error) std::rethrow_exception(error);

  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string best_text;
  const auto best = BestOf(study->Trials({TrialState::kComplete}), study->directions());
  if (study->IsMultiObjective()) {
    best_text =
        fmt::format("; {} trial(s) on the Pareto front (hyperscout best --study {})", best.size(), study->name());
  } else if (!best.empty()) {
    best_text = fmt::format("; best trial {} value={} params={}", best[0].number, FormatValue(best[0].values[0]),
                            ParamsText(best[0]));
  }
  progress.Line(fmt::format("study '{}': {} trial(s) finished in {:.1f} s{}", study->name(), progress.finished(),
                            elapsed, best_text));
  if (InterruptLevel() > 0) {
    PrintError(
        fmt::format("interrupted by {}; running trials were stopped and recorded FAIL; run the same command "
                    "again to continue study '{}'",
                    SignalName(InterruptSignal()), study->name()));
    return static_cast<int>(ExitCode::kInterrupted);
  }
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace

CommandAction SetupOptimize(CLI::App& app) {
  auto flags = std::make_shared<OptimizeFlags>();
  AddStorageFlags(app, flags->storage);
  auto* space =
      app.add_option("--space", flags->space_file, "Space file (TOML, docs/space-file.md; default ./space.toml)")
          ->type_name("FILE");
  app.add_option("--param", flags->params,
                 "A parameter instead of a space file: NAME=float:LOW:HIGH[:log][:step=S], NAME=int:LOW:HIGH[:log]"
                 "[:step=S] or NAME=cat:A,B,C; repeatable")
      ->allow_extra_args(false)
      ->type_name("NAME=SPEC");
  app.add_option("--direction", flags->direction, "minimize (default) or maximize");
  app.add_option("--directions", flags->directions, "Several objectives, e.g. minimize,maximize");
  app.add_option("--sampler", flags->sampler,
                 fmt::format("Sampler from the registry (available samplers: {}) (default: the study's, else {})",
                             RegistryNames(Samplers()), DefaultSamplerName()));
  app.add_option("--sampler-option", flags->sampler_options,
                 "KEY=VALUE for the sampler (VALUE parsed as JSON, else a "
                 "string); repeatable")
      ->allow_extra_args(false);
  app.add_option(
      "--pruner", flags->pruner,
      fmt::format("Pruner from the registry (available pruners: {}) (default: none)", RegistryNames(Pruners())));
  app.add_option("--pruner-option", flags->pruner_options, "KEY=VALUE for the pruner; repeatable")
      ->allow_extra_args(false);
  app.add_option("--grid-points", flags->grid_points,
                 "With --sampler grid: points per continuous float parameter (default 5); ints and steps are "
                 "enumerated");
  app.add_option("--seed", flags->seed, "Sampler seed (reproducible trials)");
  app.add_option("--n-trials", flags->n_trials,
                 "Trials to run in this invocation (default: until --timeout or Ctrl-C)");
  app.add_option("--timeout", flags->timeout, "Seconds after which no new trial starts")->type_name("SECONDS");
  app.add_option("--jobs,-j", flags->jobs, "Trials to run at once (default 1)");
  app.add_option("--trial-timeout", flags->trial_timeout, "Seconds one trial may run before it is killed (FAIL)")
      ->type_name("SECONDS");
  app.add_option("--grace", flags->grace, "Seconds between SIGTERM and SIGKILL when a trial is stopped (default 5)")
      ->type_name("SECONDS");
  app.add_option("--heartbeat", flags->heartbeat,
                 "Seconds between this worker's liveness beats for its running trials; a trial whose worker died "
                 "(kill -9, lost machine) is marked FAIL by the next worker that asks (default 30; 0: off)")
      ->type_name("SECONDS");
  app.add_option("--heartbeat-grace", flags->heartbeat_grace,
                 "Seconds without a beat after which a running trial counts as dead (default 3 × --heartbeat, at "
                 "least 10)")
      ->type_name("SECONDS");
  app.add_option("--enqueue", flags->enqueue,
                 "Run a trial with these parameters first, e.g. '{\"lr\": 0.01}'; "
                 "repeatable")
      ->allow_extra_args(false)
      ->type_name("JSON");
  app.add_option("command", flags->command, "The command to run per trial, after --; {name} becomes a parameter")
      ->type_name("-- COMMAND ARG...");
  app.footer(
      "The command prints its result as the last stdout line: a number, {\"value\": x} or {\"values\": [x, y]};\n"
      "lines {\"step\": n, \"value\": x} are intermediate values for pruning. See docs/cli.md.\n"
      "Example:\n"
      "  hyperscout optimize --study demo --param x=float:-5:5 --n-trials 50 -- \\\n"
      "      python3 -c 'import sys; x = float(sys.argv[1]); print((x - 2) ** 2)' {x}");
  return [flags, space] { return RunOptimize(*flags, space->count() > 0); };
}

}  // namespace hyperscout::cli
