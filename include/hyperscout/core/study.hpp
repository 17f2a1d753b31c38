// Study: one optimization problem — a name, one or more directions, and the trials kept in storage —
// plus the sampler and pruner this process uses on it. Several processes may open the same study
// through a shared storage; each has its own Study object.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "hyperscout/common/json.hpp"
#include "hyperscout/core/distribution.hpp"
#include "hyperscout/core/frozen_trial.hpp"
#include "hyperscout/core/trial.hpp"
#include "hyperscout/pruners/pruner.hpp"
#include "hyperscout/samplers/sampler.hpp"
#include "hyperscout/storage/storage.hpp"

namespace hyperscout {

using FrozenTrialPtr = std::shared_ptr<const FrozenTrial>;

struct StudyOptions {
  std::string study_name;
  std::shared_ptr<Storage> storage;                                      // required
  std::vector<StudyDirection> directions = {StudyDirection::kMinimize};  // one per objective
  std::shared_ptr<Sampler> sampler;  // required here; registry.hpp's CreateStudy fills the default
  std::shared_ptr<Pruner> pruner;    // default: never prune
  bool load_if_exists = false;
  // A worker refreshes the heartbeat of its RUNNING trials at this interval (seconds; 0 disables), and
  // each Ask reaps RUNNING trials whose heartbeat is older than `heartbeat_grace` seconds.
  double heartbeat_interval = 0.0;
  double heartbeat_grace = 0.0;  // default when heartbeats are on: 3 × interval, at least 10 s
};

using ObjectiveFn = std::function<double(Trial&)>;
using MultiObjectiveFn = std::function<std::vector<double>(Trial&)>;
using StudyCallback = std::function<void(class Study&, const FrozenTrial&)>;

struct OptimizeOptions {
  std::optional<int64_t> n_trials;  // trials this call runs; unset: until timeout, Stop() or exhaustion
  std::optional<double> timeout;    // seconds; no new trial starts after it
  int n_jobs = 1;                   // trials at once, on threads
  std::vector<StudyCallback> callbacks;
  // When the objective throws a std::exception other than TrialPruned: true records FAIL and goes on
  // (the message kept in system attr "fail_reason"); false records FAIL and rethrows.
  bool catch_exceptions = false;
};

class Study {
 public:
  // Creates a study (or loads it when load_if_exists and it exists). Throws DuplicatedStudyError.
  static std::unique_ptr<Study> Create(StudyOptions options);
  // Throws StudyNotFoundError.
  static std::unique_ptr<Study> Load(const std::string& study_name, std::shared_ptr<Storage> storage,
                                     std::shared_ptr<Sampler> sampler, std::shared_ptr<Pruner> pruner = nullptr);
  static void Delete(const std::string& study_name, Storage& storage);

  ~Study();
  Study(const Study&) = delete;
  Study& operator=(const Study&) = delete;

  // ---- ask / tell ----
  // Starts a trial: claims an enqueued trial when there is one, else creates a new one. Parameters in
  // `fixed_distributions` are suggested right away. When the sampler throws, the trial is stored as FAIL (the
  // error in its "fail_reason") and the error is rethrown.
  Trial Ask(const SearchSpace& fixed_distributions = {});
  // Finishes a trial. COMPLETE needs one finite value per direction; a NaN or missing value turns the
  // trial into FAIL (returned) rather than throwing, like a crashed objective. `constraints`, with a COMPLETE
  // or PRUNED state, are stored first as Trial::SetConstraints stores them (for a trial told from outside its
  // objective: the CLI's tell, Python's constraints_func); they are checked before anything is written.
  FrozenTrial Tell(int64_t trial_number, const std::vector<double>& values, TrialState state = TrialState::kComplete,
                   const std::optional<std::vector<double>>& constraints = std::nullopt);
  FrozenTrial Tell(const Trial& trial, double value) { return Tell(trial.number(), {value}); }
  FrozenTrial Tell(const Trial& trial, TrialState state) { return Tell(trial.number(), {}, state); }

  void Optimize(const ObjectiveFn& objective, const OptimizeOptions& options = {});
  void Optimize(const MultiObjectiveFn& objective, const OptimizeOptions& options = {});
  // Asks Optimize (in any thread) to start no new trial; running ones finish.
  void Stop() { stop_requested_ = true; }
  bool StopRequested() const { return stop_requested_; }

  // Adds a WAITING trial with fixed parameter values; exactly one worker will claim and run it.
  void EnqueueTrial(const std::map<std::string, ParamValue>& params,
                    const std::map<std::string, Json>& user_attrs = {});
  // Adds a trial made elsewhere (an imported or copied one) as it is: state, values, params, intermediate
  // values, attrs and start/complete times; its id and number are the storage's. COMPLETE needs one
  // finite value per direction, RUNNING, WAITING and FAIL take no values, every param needs its
  // distribution and must lie in it, and a trial cannot complete before it starts. The sampler is not
  // told. Returns the stored trial; throws InvalidArgumentError naming the first problem.
  FrozenTrial AddTrial(const FrozenTrial& trial);

  // ---- results ----
  // Only feasible trials count (IsFeasible: trials that reported constraints and broke one are left out).
  // Throws InvalidArgumentError when no trial is COMPLETE yet, when every COMPLETE trial broke a constraint, or
  // when the study has several objectives.
  FrozenTrial BestTrial() const;
  std::map<std::string, ParamValue> BestParams() const { return BestTrial().ExternalParams(); }
  double BestValue() const { return BestTrial().Value(); }
  // The Pareto front of the feasible COMPLETE trials (the best trial's ties for a single objective).
  std::vector<FrozenTrial> BestTrials() const;

  std::vector<FrozenTrial> Trials(const std::vector<TrialState>& states = {}) const;
  // Shared, immutable snapshots from the incremental cache; cheap for samplers and pruners.
  std::vector<FrozenTrialPtr> TrialsSnapshot(const std::vector<TrialState>& states = {}) const;

  void SetUserAttr(const std::string& key, const Json& value);
  std::map<std::string, Json> UserAttrs() const;

  const std::string& name() const { return name_; }
  int64_t id() const { return study_id_; }
  const std::vector<StudyDirection>& directions() const { return directions_; }
  bool IsMultiObjective() const { return directions_.size() > 1; }
  Storage& storage() const { return *storage_; }
  const std::shared_ptr<Storage>& storage_ptr() const { return storage_; }
  Sampler& sampler() const { return *sampler_; }
  Pruner& pruner() const { return *pruner_; }

  // Used by Trial.
  double SampleIndependentLocked(const FrozenTrial& trial, const std::string& name, const Distribution& distribution);
  bool PruneTrial(const FrozenTrial& trial);

 private:
  Study(std::string name, int64_t study_id, std::shared_ptr<Storage> storage, std::shared_ptr<Sampler> sampler,
        std::shared_ptr<Pruner> pruner, std::vector<StudyDirection> directions, double heartbeat_interval,
        double heartbeat_grace);
  void RunOptimizeLoop(const MultiObjectiveFn& objective, const OptimizeOptions& options, bool single_objective);
  void StartHeartbeat();
  void StopHeartbeat();
  // Fails a trial Ask created whose sampling threw, so it is not left RUNNING; never throws.
  void FailUnstartedTrial(int64_t trial_id, const std::string& error) noexcept;

  std::string name_;
  int64_t study_id_;
  std::shared_ptr<Storage> storage_;
  std::shared_ptr<Sampler> sampler_;
  std::shared_ptr<Pruner> pruner_;
  std::vector<StudyDirection> directions_;
  double heartbeat_interval_;
  double heartbeat_grace_;
  std::atomic<bool> stop_requested_{false};

  mutable std::mutex sampler_mutex_;  // serializes calls into the sampler

  struct Cache;
  std::unique_ptr<Cache> cache_;
  struct Heartbeat;
  std::unique_ptr<Heartbeat> heartbeat_;
};

// Whether `a` dominates `b` for the given directions (no worse everywhere, better somewhere).
bool Dominates(const std::vector<double>& a, const std::vector<double>& b,
               const std::vector<StudyDirection>& directions);

// Whether a trial meets its constraints: none of FrozenTrial::Constraints() is above 0. A trial that reported no
// constraints counts as feasible, as in Optuna.
bool IsFeasible(const FrozenTrial& trial);

// The Pareto front of the COMPLETE, feasible trials among `trials` with one value per direction (for one
// direction: the trials with the best value), in the order given. What Study::BestTrials returns, for callers that
// read trials from storage themselves (the CLI).
std::vector<FrozenTrial> FeasibleParetoFront(const std::vector<const FrozenTrial*>& trials,
                                             const std::vector<StudyDirection>& directions);

}  // namespace hyperscout
