// Storage: where studies and trials live. Every backend (memory://, sqlite://, and later
// postgresql://) implements the primitives below and passes tests/conformance/storage_conformance.
//
// THE CONTRACT
//
// * Thread and process safety. Every method may be called from any thread. Backends that are shared
//   between processes (SQLite, PostgreSQL) make every primitive a single atomic transaction.
// * Trial numbers within a study are gapless and unique (0, 1, 2, ...), assigned in the transaction
//   that creates the trial.
// * Claiming a WAITING trial (ClaimWaitingTrial) is compare-and-set: two workers never receive the
//   same trial.
// * Ownership: a RUNNING trial is written by the worker that created or claimed it. Once a trial is
//   finished (COMPLETE, PRUNED, FAIL) any write to it throws UpdateFinishedTrialError. Nothing a method
//   acknowledged (returned from without throwing) is ever lost.
// * Returned FrozenTrials are snapshots; they never change under the caller.
// * Times (start, complete, heartbeat, staleness) come from the database's clock, not the worker's.
// * Heartbeats are opt-in per trial: a trial has none until its worker calls RecordHeartbeat. A RUNNING
//   trial whose heartbeat is older than the grace period is reaped to FAIL by FailStaleTrials, which any
//   worker may call; reaping is itself compare-and-set, so a trial is reaped once even when several
//   workers try. A RUNNING trial without a heartbeat (an ask/tell client's, whose process may exit
//   between ask and tell) is never reaped.
// * Change tracking: every write to a trial gives it a new change sequence number, strictly larger
//   than any earlier one in the same study. GetTrialsChangedSince(study, w) returns every trial whose
//   sequence is > w plus the new watermark, so a cache stays exact by fetching only what changed.
// * Errors: an unknown study or trial id throws StudyNotFoundError / InvalidArgumentError; a backend
//   failure throws StorageError with a message that names the cause and the fix. A busy (locked)
//   database is retried inside the backend and never reaches the caller as an error unless the
//   configured timeout is exhausted.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hyperscout/common/json.hpp"
#include "hyperscout/core/distribution.hpp"
#include "hyperscout/core/frozen_trial.hpp"

namespace hyperscout {

struct StudySummary {
  int64_t id = -1;
  std::string name;
  std::vector<StudyDirection> directions;
  int64_t n_trials = 0;
  std::map<std::string, Json> user_attrs;
};

struct TrialChanges {
  std::vector<FrozenTrial> trials;  // ordered by number
  int64_t watermark = 0;            // pass back to get only later changes
};

class Storage {
 public:
  virtual ~Storage() = default;

  // ---- studies ----
  // Throws DuplicatedStudyError when the name is taken; InvalidArgumentError for an empty name or no directions.
  virtual int64_t CreateStudy(const std::string& name, const std::vector<StudyDirection>& directions) = 0;
  // Deletes the study and all its trials. Throws StudyNotFoundError.
  virtual void DeleteStudy(int64_t study_id) = 0;
  // Throws StudyNotFoundError.
  virtual int64_t GetStudyId(const std::string& name) = 0;
  virtual std::string GetStudyName(int64_t study_id) = 0;
  virtual std::vector<StudyDirection> GetStudyDirections(int64_t study_id) = 0;
  virtual std::vector<StudySummary> GetAllStudies() = 0;
  virtual void SetStudyUserAttr(int64_t study_id, const std::string& key, const Json& value) = 0;
  virtual void SetStudySystemAttr(int64_t study_id, const std::string& key, const Json& value) = 0;
  virtual std::map<std::string, Json> GetStudyUserAttrs(int64_t study_id) = 0;
  virtual std::map<std::string, Json> GetStudySystemAttrs(int64_t study_id) = 0;

  // ---- trials ----
  // Creates a trial with the next number. Without a template the trial is RUNNING with its start time
  // set and no heartbeat. With a template, its state (WAITING or RUNNING; a finished state stores a finished
  // trial, e.g. when copying studies), params, distributions, values, intermediate values and attrs are copied.
  virtual FrozenTrial CreateTrial(int64_t study_id, const FrozenTrial* template_trial = nullptr) = 0;
  // Atomically moves the WAITING trial with the smallest number to RUNNING (start time set, heartbeat
  // cleared) and returns it; nullopt when there is none.
  virtual std::optional<FrozenTrial> ClaimWaitingTrial(int64_t study_id) = 0;
  // Sets one parameter of a RUNNING or WAITING trial. Throws UpdateFinishedTrialError when finished.
  virtual void SetTrialParam(int64_t trial_id, const std::string& name, double internal,
                             const Distribution& distribution) = 0;
  virtual void SetTrialIntermediateValue(int64_t trial_id, int64_t step, double value) = 0;
  // Finishes a RUNNING trial (COMPLETE needs one value per direction; PRUNED and FAIL may carry values
  // or none) and sets its completion time. Throws UpdateFinishedTrialError when already finished and
  // InvalidArgumentError for a non-finished target state.
  virtual void SetTrialStateValues(int64_t trial_id, TrialState state, const std::vector<double>& values) = 0;
  virtual void SetTrialUserAttr(int64_t trial_id, const std::string& key, const Json& value) = 0;
  virtual void SetTrialSystemAttr(int64_t trial_id, const std::string& key, const Json& value) = 0;
  virtual void RecordHeartbeat(int64_t trial_id) = 0;
  // Moves RUNNING trials whose heartbeat is older than grace_seconds (by the database clock) to FAIL
  // and returns their numbers.
  virtual std::vector<int64_t> FailStaleTrials(int64_t study_id, double grace_seconds) = 0;

  // Throws InvalidArgumentError for an unknown trial id.
  virtual FrozenTrial GetTrial(int64_t trial_id) = 0;
  // Throws InvalidArgumentError when the study has no trial with that number.
  virtual FrozenTrial GetTrialByNumber(int64_t study_id, int64_t number) = 0;
  virtual TrialChanges GetTrialsChangedSince(int64_t study_id, int64_t watermark) = 0;
  virtual int64_t CountTrials(int64_t study_id, std::optional<TrialState> state = std::nullopt) = 0;

  // ---- sampler state ----
  // Opaque per-study blobs for samplers with compact state (CMA-ES, PBT), keyed by the sampler's choice.
  virtual std::optional<std::string> GetSamplerState(int64_t study_id, const std::string& key) = 0;
  virtual void PutSamplerState(int64_t study_id, const std::string& key, const std::string& value) = 0;
};

// Convenience queries written once above the primitives.
std::vector<FrozenTrial> GetAllTrials(Storage& storage, int64_t study_id, const std::vector<TrialState>& states = {});

}  // namespace hyperscout
