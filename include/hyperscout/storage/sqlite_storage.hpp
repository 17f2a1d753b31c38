// sqlite:///path.db — an embedded, durable store in one SQLite file that many threads and processes
// may share. See docs/storage.md for the file layout, pragmas and what is guaranteed under concurrency.
//
// Concurrency model: one SQLite connection per SqliteStorage object, guarded by a mutex, so the
// threads of one process take turns; separate processes (or separate SqliteStorage objects on the same
// file) run in parallel through SQLite's WAL locking. Every write is one BEGIN IMMEDIATE transaction;
// readers never block writers. A busy database is retried with jittered backoff for up to
// `lock_timeout_seconds` before a StorageError reports it.
#pragma once

#include <memory>
#include <string>

#include "hyperscout/storage/storage.hpp"

namespace hyperscout {

struct SqliteStorageOptions {
  // Total time one operation keeps retrying a locked database before giving up with StorageError.
  double lock_timeout_seconds = 60.0;
};

class SqliteStorage final : public Storage {
 public:
  // Opens `path`, creating the file and its schema when missing. Throws StorageError (naming the fix)
  // for a missing directory, a file that is not a hyperscout database, or one written by a newer
  // hyperscout; such files are left untouched.
  explicit SqliteStorage(const std::string& path, SqliteStorageOptions options = {});
  ~SqliteStorage() override;

  int64_t CreateStudy(const std::string& name, const std::vector<StudyDirection>& directions) override;
  void DeleteStudy(int64_t study_id) override;
  int64_t GetStudyId(const std::string& name) override;
  std::string GetStudyName(int64_t study_id) override;
  std::vector<StudyDirection> GetStudyDirections(int64_t study_id) override;
  std::vector<StudySummary> GetAllStudies() override;
  void SetStudyUserAttr(int64_t study_id, const std::string& key, const Json& value) override;
  void SetStudySystemAttr(int64_t study_id, const std::string& key, const Json& value) override;
  std::map<std::string, Json> GetStudyUserAttrs(int64_t study_id) override;
  std::map<std::string, Json> GetStudySystemAttrs(int64_t study_id) override;

  FrozenTrial CreateTrial(int64_t study_id, const FrozenTrial* template_trial = nullptr) override;
  std::optional<FrozenTrial> ClaimWaitingTrial(int64_t study_id) override;
  void SetTrialParam(int64_t trial_id, const std::string& name, double internal,
                     const Distribution& distribution) override;
  void SetTrialIntermediateValue(int64_t trial_id, int64_t step, double value) override;
  void SetTrialStateValues(int64_t trial_id, TrialState state, const std::vector<double>& values) override;
  void SetTrialUserAttr(int64_t trial_id, const std::string& key, const Json& value) override;
  void SetTrialSystemAttr(int64_t trial_id, const std::string& key, const Json& value) override;
  void RecordHeartbeat(int64_t trial_id) override;
  std::vector<int64_t> FailStaleTrials(int64_t study_id, double grace_seconds) override;
  FrozenTrial GetTrial(int64_t trial_id) override;
  FrozenTrial GetTrialByNumber(int64_t study_id, int64_t number) override;
  TrialChanges GetTrialsChangedSince(int64_t study_id, int64_t watermark) override;
  int64_t CountTrials(int64_t study_id, std::optional<TrialState> state = std::nullopt) override;
  std::optional<std::string> GetSamplerState(int64_t study_id, const std::string& key) override;
  void PutSamplerState(int64_t study_id, const std::string& key, const std::string& value) override;

  const std::string& path() const { return path_; }

 private:
  struct Impl;  // keeps sqlite3.h out of this header

  std::string path_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hyperscout
