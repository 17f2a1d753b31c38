#include "hyperscout/core/study.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <set>
#include <thread>

#include "hyperscout/common/error.hpp"

namespace hyperscout {

// Incremental mirror of the study's trials: each refresh fetches only the trials whose change
// sequence is past the watermark (see the storage contract), so its cost follows the number of
// changes, not the number of trials.
struct Study::Cache {
  std::mutex mutex;
  int64_t watermark = 0;
  std::vector<FrozenTrialPtr> by_number;

  void RefreshLocked(Storage& storage, int64_t study_id) {
    TrialChanges changes = storage.GetTrialsChangedSince(study_id, watermark);
    for (auto& trial : changes.trials) {
      const auto number = static_cast<size_t>(trial.number);
      if (number >= by_number.size()) by_number.resize(number + 1);
      by_number[number] = std::make_shared<const FrozenTrial>(std::move(trial));
    }
    watermark = std::max(watermark, changes.watermark);
  }
};

// Keeps the heartbeat of this process's RUNNING trials fresh so other workers do not reap them.
struct Study::Heartbeat {
  std::mutex mutex;
  std::condition_variable wake;
  std::set<int64_t> trial_ids;
  bool stop = false;
  std::thread thread;
};

Study::Study(std::string name, int64_t study_id, std::shared_ptr<Storage> storage, std::shared_ptr<Sampler> sampler,
             std::shared_ptr<Pruner> pruner, std::vector<StudyDirection> directions, double heartbeat_interval,
             double heartbeat_grace)
    : name_(std::move(name)),
      study_id_(study_id),
      storage_(std::move(storage)),
      sampler_(std::move(sampler)),
      pruner_(pruner ? std::move(pruner) : std::make_shared<NopPruner>()),
      directions_(std::move(directions)),
      heartbeat_interval_(heartbeat_interval),
      heartbeat_grace_(heartbeat_grace),
      cache_(std::make_unique<Cache>()) {
  if (heartbeat_interval_ > 0.0 && heartbeat_grace_ <= 0.0) heartbeat_grace_ = std::max(10.0, 3 * heartbeat_interval_);
  if (heartbeat_interval_ > 0.0) StartHeartbeat();
}

Study::~Study() {
  StopHeartbeat();
}

std::unique_ptr<Study> Study::Create(StudyOptions options) {
  if (!options.storage) throw InvalidArgumentError("a study needs a storage");
  if (!options.sampler) throw InvalidArgumentError("a study needs a sampler");
  if (options.directions.empty()) throw InvalidArgumentError("a study needs at least one direction");
  int64_t study_id = -1;
  try {
    study_id = options.storage->CreateStudy(options.study_name, options.directions);
  } catch (const DuplicatedStudyError&) {
    if (!options.load_if_exists) throw;
    study_id = options.storage->GetStudyId(options.study_name);
    const auto stored = options.storage->GetStudyDirections(study_id);
    if (stored != options.directions) {
      std::vector<std::string> names;
      names.reserve(stored.size());
      for (auto d : stored) names.push_back(ToString(d));
      throw InvalidArgumentError(fmt::format("study '{}' exists with direction(s) {}; pass the same directions",
                                             options.study_name, fmt::join(names, ",")));
    }
  }
  return std::unique_ptr<Study>(new Study(options.study_name, study_id, options.storage, options.sampler,
                                          options.pruner, options.directions, options.heartbeat_interval,
                                          options.heartbeat_grace));
}

std::unique_ptr<Study> Study::Load(const std::string& study_name, std::shared_ptr<Storage> storage,
                                   std::shared_ptr<Sampler> sampler, std::shared_ptr<Pruner> pruner) {
  if (!storage) throw InvalidArgumentError("a study needs a storage");
  if (!sampler) throw InvalidArgumentError("a study needs a sampler");
  const int64_t study_id = storage->GetStudyId(study_name);
  auto directions = storage->GetStudyDirections(study_id);
  return std::unique_ptr<Study>(new Study(study_name, study_id, std::move(storage), std::move(sampler),
                                          std::move(pruner), std::move(directions), 0.0, 0.0));
}

void Study::Delete(const std::string& study_name, Storage& storage) {
  storage.DeleteStudy(storage.GetStudyId(study_name));
}

void Study::StartHeartbeat() {
  heartbeat_ = std::make_unique<Heartbeat>();
  heartbeat_->thread = std::thread([this] {
    std::unique_lock lock(heartbeat_->mutex);
    while (!heartbeat_->stop) {
      heartbeat_->wake.wait_for(lock, std::chrono::duration<double>(heartbeat_interval_));
      if (heartbeat_->stop) break;
      const std::set<int64_t> ids = heartbeat_->trial_ids;
      lock.unlock();
      for (int64_t id : ids) {
        try {
          storage_->RecordHeartbeat(id);
        } catch (const std::exception&) {
          // A missed beat is retried at the next interval; the grace period covers several intervals.
        }
      }
      lock.lock();
    }
  });
}

void Study::StopHeartbeat() {
  if (!heartbeat_) return;
  {
    std::lock_guard lock(heartbeat_->mutex);
    heartbeat_->stop = true;
  }
  heartbeat_->wake.notify_all();
  heartbeat_->thread.join();
  heartbeat_.reset();
}

Trial Study::Ask(const SearchSpace& fixed_distributions) {
  if (heartbeat_grace_ > 0.0) storage_->FailStaleTrials(study_id_, heartbeat_grace_);
  std::optional<FrozenTrial> claimed = storage_->ClaimWaitingTrial(study_id_);
  FrozenTrial trial = claimed ? std::move(*claimed) : storage_->CreateTrial(study_id_);
  const int64_t trial_id = trial.id;
  // The trial is RUNNING from here. A sampler that throws before the caller holds the trial (an option it checks at
  // first use, a Python sampler's bug) would leave it RUNNING with nobody to finish it, and without a heartbeat
  // nobody reaps it: it is failed with the error as its reason, then the error goes to the caller.
  try {
    SearchSpace space;
    std::map<std::string, double> relative;
    {
      std::lock_guard lock(sampler_mutex_);
      sampler_->BeforeTrial(*this, trial);
      space = sampler_->InferRelativeSearchSpace(*this, trial);
      if (!space.empty()) relative = sampler_->SampleRelative(*this, trial, space);
    }
    if (heartbeat_) {
      std::lock_guard lock(heartbeat_->mutex);
      heartbeat_->trial_ids.insert(trial.id);
    }
    // The first beat makes the trial reapable should this worker die; trials without one never are.
    if (heartbeat_) storage_->RecordHeartbeat(trial.id);
    Trial live(this, std::move(trial), std::move(relative), std::move(space));
    for (const auto& [name, distribution] : fixed_distributions) live.Suggest(name, distribution);
    return live;
  } catch (const std::exception& e) {
    FailUnstartedTrial(trial_id, e.what());
    throw;
  } catch (...) {
    FailUnstartedTrial(trial_id, "unknown exception");
    throw;
  }
}

void Study::FailUnstartedTrial(int64_t trial_id, const std::string& error) noexcept {
  if (heartbeat_) {
    std::lock_guard lock(heartbeat_->mutex);
    heartbeat_->trial_ids.erase(trial_id);
  }
  try {
    storage_->SetTrialSystemAttr(trial_id, "fail_reason", "sampling failed before the objective ran: " + error);
    storage_->SetTrialStateValues(trial_id, TrialState::kFail, {});
  } catch (...) {
    // The storage itself failed, likely the cause of the error being handled: nothing more can be written. The
    // caller gets that first error, not this one.
  }
}

double Study::SampleIndependentLocked(const FrozenTrial& trial, const std::string& name,
                                      const Distribution& distribution) {
  std::lock_guard lock(sampler_mutex_);
  return sampler_->SampleIndependent(*this, trial, name, distribution);
}

bool Study::PruneTrial(const FrozenTrial& trial) {
  return pruner_->Prune(*this, trial);
}

FrozenTrial Study::Tell(int64_t trial_number, const std::vector<double>& values, TrialState state,
                        const std::optional<std::vector<double>>& constraints) {
  FrozenTrial trial = storage_->GetTrialByNumber(study_id_, trial_number);
  if (IsFinished(trial.state)) {
    throw UpdateFinishedTrialError(fmt::format("trial {} is already {}; a finished trial cannot be told again",
                                               trial_number, ToString(trial.state)));
  }
  if (trial.state == TrialState::kWaiting) {
    throw InvalidArgumentError(
        fmt::format("trial {} is WAITING (enqueued) and was never asked; ask for it first", trial_number));
  }
  if (!IsFinished(state)) {
    throw InvalidArgumentError(fmt::format("tell needs complete, pruned or fail, got {}", ToString(state)));
  }
  if (constraints) {
    if (state == TrialState::kFail) {
      throw InvalidArgumentError("constraints with state FAIL: a failed trial is never ranked; drop the constraints");
    }
    CheckConstraintValues(*constraints);
    storage_->SetTrialSystemAttr(trial.id, "constraints", Json(*constraints));
  }
  std::vector<double> stored_values = values;
  std::string fail_reason;
  if (state == TrialState::kComplete) {
    if (values.size() != directions_.size()) {
      fail_reason = fmt::format("the objective returned {} value(s) but the study has {} direction(s)", values.size(),
                                directions_.size());
    } else if (std::any_of(values.begin(), values.end(), [](double v) { return std::isnan(v); })) {
      fail_reason = "the objective returned NaN";
    }
    if (!fail_reason.empty()) {
      state = TrialState::kFail;
      stored_values.clear();
    }
  } else if (state == TrialState::kPruned) {
    // A pruned single-objective trial keeps its last reported value, so it still ranks in plots.
    if (values.empty() && !IsMultiObjective() && !trial.intermediate_values.empty()) {
      const double last = trial.intermediate_values.rbegin()->second;
      if (!std::isnan(last)) stored_values = {last};
    }
  } else {
    stored_values.clear();
  }
  if (!fail_reason.empty()) storage_->SetTrialSystemAttr(trial.id, "fail_reason", fail_reason);
  // A sampler whose AfterTrial throws (a Python sampler's bug, a storage error in CMA-ES's state update) must not
  // leave the trial RUNNING forever: the state is stored first, then the error goes to the caller (as in Optuna).
  std::exception_ptr sampler_error;
  {
    std::lock_guard lock(sampler_mutex_);
    try {
      sampler_->AfterTrial(*this, trial, state, stored_values);
    } catch (...) {
      sampler_error = std::current_exception();
    }
  }
  storage_->SetTrialStateValues(trial.id, state, stored_values);
  if (heartbeat_) {
    std::lock_guard lock(heartbeat_->mutex);
    heartbeat_->trial_ids.erase(trial.id);
  }
  if (sampler_error) std::rethrow_exception(sampler_error);
  return storage_->GetTrial(trial.id);
}

void Study::Optimize(const ObjectiveFn& objective, const OptimizeOptions& options) {
  RunOptimizeLoop([&objective](Trial& trial) { return std::vector<double>{objective(trial)}; }, options, true);
}

void Study::Optimize(const MultiObjectiveFn& objective, const OptimizeOptions& options) {
  RunOptimizeLoop(objective, options, false);
}

void Study::RunOptimizeLoop(const MultiObjectiveFn& objective, const OptimizeOptions& options, bool single_objective) {
  if (single_objective && IsMultiObjective()) {
    throw InvalidArgumentError(
        fmt::format("study '{}' has {} directions; the objective must return a vector", name_, directions_.size()));
  }
  if (options.n_jobs < 1) throw InvalidArgumentError(fmt::format("n_jobs must be >= 1, got {}", options.n_jobs));
  if (options.n_trials && *options.n_trials < 0) throw InvalidArgumentError("n_trials must be >= 0");
  stop_requested_ = false;
  const auto started = std::chrono::steady_clock::now();
  std::atomic<int64_t> started_trials{0};
  std::mutex callback_mutex;
  std::exception_ptr first_error;

  auto worker = [&] {
    while (!stop_requested_) {
      if (options.n_trials && started_trials.fetch_add(1) >= *options.n_trials) break;
      if (options.timeout &&
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() >= *options.timeout) {
        break;
      }
      try {
        Trial trial = Ask();
        std::vector<double> values;
        TrialState state = TrialState::kComplete;
        std::exception_ptr objective_error;  // rethrown after the FAIL is stored, unless caught by the options
        try {
          values = objective(trial);
        } catch (const TrialPruned&) {
          state = TrialState::kPruned;
        } catch (const std::exception& e) {
          storage_->SetTrialSystemAttr(trial.id(), "fail_reason", e.what());
          state = TrialState::kFail;
          if (!options.catch_exceptions) objective_error = std::current_exception();
        } catch (...) {
          storage_->SetTrialSystemAttr(trial.id(), "fail_reason", "unknown exception");
          state = TrialState::kFail;
          objective_error = std::current_exception();
        }
        // Outside the handlers above: an error of Tell itself (the sampler's AfterTrial) is not the objective's,
        // and reaches the caller with the trial's state already stored.
        const FrozenTrial finished = Tell(trial.number(), values, state);
        if (objective_error) std::rethrow_exception(objective_error);
        std::lock_guard lock(callback_mutex);
        for (const auto& callback : options.callbacks) callback(*this, finished);
      } catch (...) {
        std::lock_guard lock(callback_mutex);
        if (!first_error) first_error = std::current_exception();
        stop_requested_ = true;
        break;
      }
    }
  };

  if (options.n_jobs == 1) {
    worker();
  } else {
    std::vector<std::thread> threads;
    threads.reserve(static_cast<size_t>(options.n_jobs));
    for (int i = 0; i < options.n_jobs; ++i) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
  }
  if (first_error) std::rethrow_exception(first_error);
}

void Study::EnqueueTrial(const std::map<std::string, ParamValue>& params,
                         const std::map<std::string, Json>& user_attrs) {
  FrozenTrial trial;
  trial.state = TrialState::kWaiting;
  Json fixed = Json::object();
  for (const auto& [name, value] : params) fixed[name] = ParamValueToJson(value);
  trial.system_attrs["fixed_params"] = fixed;
  trial.user_attrs = user_attrs;
  storage_->CreateTrial(study_id_, &trial);
}

FrozenTrial Study::AddTrial(const FrozenTrial& trial) {
  const std::string state = ToString(trial.state);
  if (trial.state == TrialState::kComplete) {
    if (trial.values.size() != directions_.size()) {
      throw InvalidArgumentError(fmt::format("a COMPLETE trial needs {} value(s), one per direction; got {}",
                                             directions_.size(), trial.values.size()));
    }
    if (std::any_of(trial.values.begin(), trial.values.end(), [](double v) { return !std::isfinite(v); })) {
      throw InvalidArgumentError("a COMPLETE trial's values must be finite; add it as FAIL instead");
    }
  } else if (trial.state == TrialState::kPruned) {
    if (trial.values.size() > directions_.size()) {
      throw InvalidArgumentError(
          fmt::format("a PRUNED trial takes at most {} value(s), got {}", directions_.size(), trial.values.size()));
    }
  } else if (!trial.values.empty()) {
    throw InvalidArgumentError(fmt::format("a {} trial has no values; pass none", state));
  }
  for (const auto& [name, internal] : trial.params) {
    const auto it = trial.distributions.find(name);
    if (it == trial.distributions.end()) {
      throw InvalidArgumentError(fmt::format("parameter '{}' has no distribution; pass one for every param", name));
    }
    if (!Contains(it->second, internal)) {
      throw InvalidArgumentError(fmt::format("parameter '{}': internal value {} is outside its distribution {}", name,
                                             internal, DistributionToJson(it->second).dump()));
    }
  }
  if (trial.distributions.size() != trial.params.size()) {
    throw InvalidArgumentError("every distribution needs a param value; drop distributions of unset params");
  }
  if (trial.datetime_complete && !IsFinished(trial.state)) {
    throw InvalidArgumentError(fmt::format("a {} trial has no datetime_complete", state));
  }
  if (trial.datetime_start && trial.datetime_complete && *trial.datetime_complete < *trial.datetime_start) {
    throw InvalidArgumentError("datetime_complete is before datetime_start");
  }
  FrozenTrial stored = trial;
  stored.id = -1;
  stored.number = -1;
  stored.heartbeat.reset();
  return storage_->CreateTrial(study_id_, &stored);
}

std::vector<FrozenTrialPtr> Study::TrialsSnapshot(const std::vector<TrialState>& states) const {
  std::lock_guard lock(cache_->mutex);
  cache_->RefreshLocked(*storage_, study_id_);
  std::vector<FrozenTrialPtr> out;
  out.reserve(cache_->by_number.size());
  for (const auto& trial : cache_->by_number) {
    if (!trial) continue;
    if (states.empty() || std::find(states.begin(), states.end(), trial->state) != states.end()) out.push_back(trial);
  }
  return out;
}

std::vector<FrozenTrial> Study::Trials(const std::vector<TrialState>& states) const {
  const auto snapshot = TrialsSnapshot(states);
  std::vector<FrozenTrial> out;
  out.reserve(snapshot.size());
  for (const auto& trial : snapshot) out.push_back(*trial);
  return out;
}

namespace {
// FeasibleParetoFront over a snapshot.
std::vector<FrozenTrial> FeasibleParetoFront(const std::vector<FrozenTrialPtr>& snapshot,
                                             const std::vector<StudyDirection>& directions) {
  std::vector<const FrozenTrial*> trials;
  trials.reserve(snapshot.size());
  for (const auto& trial : snapshot) trials.push_back(trial.get());
  return hyperscout::FeasibleParetoFront(trials, directions);
}
}  // namespace

FrozenTrial Study::BestTrial() const {
  if (IsMultiObjective()) {
    throw InvalidArgumentError("BestTrial is for single-objective studies; use BestTrials for the Pareto front");
  }
  const auto complete = TrialsSnapshot({TrialState::kComplete});
  if (complete.empty()) throw InvalidArgumentError(fmt::format("study '{}' has no COMPLETE trial yet", name_));
  const auto front = FeasibleParetoFront(complete, directions_);
  if (front.empty()) {
    throw InvalidArgumentError(fmt::format(
        "study '{}' has no feasible COMPLETE trial yet: all {} broke a constraint (a value > 0 in their constraints); "
        "run more trials, or list the trials to see the violations",
        name_, complete.size()));
  }
  return front.front();  // the earliest of the ties
}

bool Dominates(const std::vector<double>& a, const std::vector<double>& b,
               const std::vector<StudyDirection>& directions) {
  bool strictly_better = false;
  for (size_t i = 0; i < directions.size(); ++i) {
    const double x = directions[i] == StudyDirection::kMinimize ? a[i] : -a[i];
    const double y = directions[i] == StudyDirection::kMinimize ? b[i] : -b[i];
    if (x > y) return false;
    if (x < y) strictly_better = true;
  }
  return strictly_better;
}

bool IsFeasible(const FrozenTrial& trial) {
  const auto constraints = trial.Constraints();
  return std::none_of(constraints.begin(), constraints.end(), [](const auto& entry) { return entry.second > 0.0; });
}

std::vector<FrozenTrial> FeasibleParetoFront(const std::vector<const FrozenTrial*>& trials,
                                             const std::vector<StudyDirection>& directions) {
  std::vector<const FrozenTrial*> candidates;
  for (const FrozenTrial* trial : trials) {
    if (trial->state == TrialState::kComplete && trial->values.size() == directions.size() && IsFeasible(*trial)) {
      candidates.push_back(trial);
    }
  }
  if (directions.size() == 1) {  // the best value's ties, in one pass (BestValue runs after every trial in loops)
    const double sign = directions[0] == StudyDirection::kMaximize ? -1.0 : 1.0;
    std::vector<const FrozenTrial*> best;
    for (const FrozenTrial* trial : candidates) {
      if (best.empty() || sign * trial->values[0] < sign * best[0]->values[0]) {
        best.assign(1, trial);
      } else if (trial->values[0] == best[0]->values[0]) {
        best.push_back(trial);
      }
    }
    std::vector<FrozenTrial> out;
    out.reserve(best.size());
    for (const FrozenTrial* trial : best) out.push_back(*trial);
    return out;
  }
  // In lexicographic order of the (minimization-signed) values a trial can only be dominated by an earlier one,
  // and whoever dominates it is itself dominated by, or is, a member of the front so far (dominance is
  // transitive). So each trial is checked against the front only: O(n log n + n * front) instead of O(n^2).
  std::vector<std::pair<std::vector<double>, size_t>> order;
  order.reserve(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) {
    std::vector<double> signed_values(candidates[i]->values);
    for (size_t k = 0; k < signed_values.size(); ++k) {
      if (directions[k] == StudyDirection::kMaximize) signed_values[k] = -signed_values[k];
    }
    order.emplace_back(std::move(signed_values), i);
  }
  std::sort(order.begin(), order.end());
  std::vector<size_t> front;  // indices into `candidates`
  for (const auto& [values, index] : order) {
    bool dominated = false;
    for (size_t member : front) {
      if (Dominates(candidates[member]->values, candidates[index]->values, directions)) {
        dominated = true;
        break;
      }
    }
    if (!dominated) front.push_back(index);
  }
  std::sort(front.begin(), front.end());  // the order given
  std::vector<FrozenTrial> out;
  out.reserve(front.size());
  for (size_t index : front) out.push_back(*candidates[index]);
  return out;
}

std::vector<FrozenTrial> Study::BestTrials() const {
  return FeasibleParetoFront(TrialsSnapshot({TrialState::kComplete}), directions_);
}

void Study::SetUserAttr(const std::string& key, const Json& value) {
  storage_->SetStudyUserAttr(study_id_, key, value);
}

std::map<std::string, Json> Study::UserAttrs() const {
  return storage_->GetStudyUserAttrs(study_id_);
}

}  // namespace hyperscout
