// memory:// — everything in this process's memory, guarded by one mutex. Fast, not durable.
#pragma once

#include <memory>
#include <mutex>
#include <unordered_map>

#include "hyperscout/storage/storage.hpp"

namespace hyperscout {

class MemoryStorage final : public Storage {
 public:
  MemoryStorage();
  ~MemoryStorage() override;

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

  FrozenTrial CreateTrial(int64_t study_id, const FrozenTrial* template_trial) override;
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
  int64_t CountTrials(int64_t study_id, std::optional<TrialState> state) override;
  std::optional<std::string> GetSamplerState(int64_t study_id, const std::string& key) override;
  void PutSamplerState(int64_t study_id, const std::string& key, const std::string& value) override;

 private:
  struct StudyRecord;
  StudyRecord& StudyLocked(int64_t study_id);
  // Returns the study and the trial's index within it.
  std::pair<StudyRecord*, size_t> TrialLocked(int64_t trial_id);
  FrozenTrial& WritableTrialLocked(int64_t trial_id);

  std::mutex mutex_;
  int64_t next_study_id_ = 0;
  int64_t next_trial_id_ = 0;
  std::map<int64_t, std::unique_ptr<StudyRecord>> studies_;
  std::unordered_map<int64_t, std::pair<int64_t, size_t>> trial_index_;  // trial id -> (study id, number)
};

}  // namespace hyperscout
