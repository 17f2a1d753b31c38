#include "hyperscout/storage/memory_storage.hpp"

#include <fmt/format.h>

#include <chrono>
#include <set>

#include "hyperscout/common/error.hpp"

namespace hyperscout {
namespace {

double NowSeconds() {
  using std::chrono::duration;
  using std::chrono::system_clock;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

struct MemoryStorage::StudyRecord {
  int64_t id = -1;
  std::string name;
  std::vector<StudyDirection> directions;
  std::map<std::string, Json> user_attrs;
  std::map<std::string, Json> system_attrs;
  std::map<std::string, std::string> sampler_state;
  std::vector<FrozenTrial> trials;    // index == number
  std::vector<int64_t> seq;           // change sequence per trial number
  std::map<int64_t, int64_t> by_seq;  // seq -> number, for GetTrialsChangedSince
  std::set<int64_t> waiting;          // numbers of WAITING trials
  int64_t next_seq = 1;

  void Touch(size_t number) {
    if (number < seq.size()) {
      by_seq.erase(seq[number]);
    } else {
      seq.resize(number + 1, 0);
    }
    seq[number] = next_seq++;
    by_seq.emplace(seq[number], static_cast<int64_t>(number));
  }
};

MemoryStorage::MemoryStorage() = default;
MemoryStorage::~MemoryStorage() = default;

MemoryStorage::StudyRecord& MemoryStorage::StudyLocked(int64_t study_id) {
  const auto it = studies_.find(study_id);
  if (it == studies_.end()) throw StudyNotFoundError(fmt::format("no study with id {}", study_id));
  return *it->second;
}

std::pair<MemoryStorage::StudyRecord*, size_t> MemoryStorage::TrialLocked(int64_t trial_id) {
  const auto it = trial_index_.find(trial_id);
  if (it == trial_index_.end()) throw InvalidArgumentError(fmt::format("no trial with id {}", trial_id));
  return {&StudyLocked(it->second.first), it->second.second};
}

FrozenTrial& MemoryStorage::WritableTrialLocked(int64_t trial_id) {
  auto [study, number] = TrialLocked(trial_id);
  FrozenTrial& trial = study->trials[number];
  if (IsFinished(trial.state)) {
    throw UpdateFinishedTrialError(
        fmt::format("trial {} is already {} and cannot change", trial.number, ToString(trial.state)));
  }
  study->Touch(number);
  return trial;
}

int64_t MemoryStorage::CreateStudy(const std::string& name, const std::vector<StudyDirection>& directions) {
  if (name.empty()) throw InvalidArgumentError("a study name must not be empty");
  if (directions.empty()) throw InvalidArgumentError("a study needs at least one direction");
  std::lock_guard lock(mutex_);
  for (const auto& [id, study] : studies_) {
    if (study->name == name) throw DuplicatedStudyError(fmt::format("a study named '{}' already exists", name));
  }
  auto study = std::make_unique<StudyRecord>();
  study->id = next_study_id_++;
  study->name = name;
  study->directions = directions;
  const int64_t id = study->id;
  studies_.emplace(id, std::move(study));
  return id;
}

void MemoryStorage::DeleteStudy(int64_t study_id) {
  std::lock_guard lock(mutex_);
  auto& study = StudyLocked(study_id);
  for (const auto& trial : study.trials) trial_index_.erase(trial.id);
  studies_.erase(study_id);
}

int64_t MemoryStorage::GetStudyId(const std::string& name) {
  std::lock_guard lock(mutex_);
  for (const auto& [id, study] : studies_) {
    if (study->name == name) return id;
  }
  throw StudyNotFoundError(fmt::format("no study named '{}'", name));
}

std::string MemoryStorage::GetStudyName(int64_t study_id) {
  std::lock_guard lock(mutex_);
  return StudyLocked(study_id).name;
}

std::vector<StudyDirection> MemoryStorage::GetStudyDirections(int64_t study_id) {
  std::lock_guard lock(mutex_);
  return StudyLocked(study_id).directions;
}

std::vector<StudySummary> MemoryStorage::GetAllStudies() {
  std::lock_guard lock(mutex_);
  std::vector<StudySummary> out;
  for (const auto& [id, study] : studies_) {
    out.push_back({id, study->name, study->directions, static_cast<int64_t>(study->trials.size()), study->user_attrs});
  }
  return out;
}

void MemoryStorage::SetStudyUserAttr(int64_t study_id, const std::string& key, const Json& value) {
  std::lock_guard lock(mutex_);
  StudyLocked(study_id).user_attrs[key] = value;
}

void MemoryStorage::SetStudySystemAttr(int64_t study_id, const std::string& key, const Json& value) {
  std::lock_guard lock(mutex_);
  StudyLocked(study_id).system_attrs[key] = value;
}

std::map<std::string, Json> MemoryStorage::GetStudyUserAttrs(int64_t study_id) {
  std::lock_guard lock(mutex_);
  return StudyLocked(study_id).user_attrs;
}

std::map<std::string, Json> MemoryStorage::GetStudySystemAttrs(int64_t study_id) {
  std::lock_guard lock(mutex_);
  return StudyLocked(study_id).system_attrs;
}

FrozenTrial MemoryStorage::CreateTrial(int64_t study_id, const FrozenTrial* template_trial) {
  std::lock_guard lock(mutex_);
  auto& study = StudyLocked(study_id);
  FrozenTrial trial;
  const double now = NowSeconds();
  if (template_trial != nullptr) {
    trial = *template_trial;
    if (trial.state == TrialState::kRunning && !trial.datetime_start) trial.datetime_start = now;
  } else {
    trial.state = TrialState::kRunning;
    trial.datetime_start = now;
  }
  trial.id = next_trial_id_++;
  trial.number = static_cast<int64_t>(study.trials.size());
  study.trials.push_back(trial);
  study.Touch(static_cast<size_t>(trial.number));
  if (trial.state == TrialState::kWaiting) study.waiting.insert(trial.number);
  trial_index_.emplace(trial.id, std::make_pair(study_id, static_cast<size_t>(trial.number)));
  return trial;
}

std::optional<FrozenTrial> MemoryStorage::ClaimWaitingTrial(int64_t study_id) {
  std::lock_guard lock(mutex_);
  auto& study = StudyLocked(study_id);
  if (study.waiting.empty()) return std::nullopt;
  const int64_t number = *study.waiting.begin();
  study.waiting.erase(study.waiting.begin());
  FrozenTrial& trial = study.trials[static_cast<size_t>(number)];
  trial.state = TrialState::kRunning;
  trial.datetime_start = NowSeconds();
  trial.heartbeat.reset();
  study.Touch(static_cast<size_t>(number));
  return trial;
}

void MemoryStorage::SetTrialParam(int64_t trial_id, const std::string& name, double internal,
                                  const Distribution& distribution) {
  std::lock_guard lock(mutex_);
  FrozenTrial& trial = WritableTrialLocked(trial_id);
  trial.params[name] = internal;
  trial.distributions[name] = distribution;
}

void MemoryStorage::SetTrialIntermediateValue(int64_t trial_id, int64_t step, double value) {
  std::lock_guard lock(mutex_);
  WritableTrialLocked(trial_id).intermediate_values[step] = value;
}

void MemoryStorage::SetTrialStateValues(int64_t trial_id, TrialState state, const std::vector<double>& values) {
  if (!IsFinished(state)) {
    throw InvalidArgumentError(fmt::format("SetTrialStateValues needs a finished state, got {}", ToString(state)));
  }
  std::lock_guard lock(mutex_);
  auto [study, number] = TrialLocked(trial_id);
  if (state == TrialState::kComplete && values.size() != study->directions.size()) {
    throw InvalidArgumentError(
        fmt::format("a COMPLETE trial needs {} value(s), got {}", study->directions.size(), values.size()));
  }
  FrozenTrial& trial = WritableTrialLocked(trial_id);
  if (trial.state == TrialState::kWaiting) study->waiting.erase(trial.number);
  trial.state = state;
  trial.values = values;
  trial.datetime_complete = NowSeconds();
}

void MemoryStorage::SetTrialUserAttr(int64_t trial_id, const std::string& key, const Json& value) {
  std::lock_guard lock(mutex_);
  WritableTrialLocked(trial_id).user_attrs[key] = value;
}

void MemoryStorage::SetTrialSystemAttr(int64_t trial_id, const std::string& key, const Json& value) {
  std::lock_guard lock(mutex_);
  WritableTrialLocked(trial_id).system_attrs[key] = value;
}

void MemoryStorage::RecordHeartbeat(int64_t trial_id) {
  std::lock_guard lock(mutex_);
  auto [study, number] = TrialLocked(trial_id);
  FrozenTrial& trial = study->trials[number];
  if (trial.state == TrialState::kRunning) trial.heartbeat = NowSeconds();
}

std::vector<int64_t> MemoryStorage::FailStaleTrials(int64_t study_id, double grace_seconds) {
  std::lock_guard lock(mutex_);
  auto& study = StudyLocked(study_id);
  const double now = NowSeconds();
  std::vector<int64_t> reaped;
  for (auto& trial : study.trials) {
    if (trial.state == TrialState::kRunning && trial.heartbeat && now - *trial.heartbeat > grace_seconds) {
      trial.state = TrialState::kFail;
      trial.datetime_complete = now;
      trial.system_attrs["fail_reason"] = "heartbeat expired";
      study.Touch(static_cast<size_t>(trial.number));
      reaped.push_back(trial.number);
    }
  }
  return reaped;
}

FrozenTrial MemoryStorage::GetTrial(int64_t trial_id) {
  std::lock_guard lock(mutex_);
  auto [study, number] = TrialLocked(trial_id);
  return study->trials[number];
}

FrozenTrial MemoryStorage::GetTrialByNumber(int64_t study_id, int64_t number) {
  std::lock_guard lock(mutex_);
  auto& study = StudyLocked(study_id);
  if (number < 0 || number >= static_cast<int64_t>(study.trials.size())) {
    throw InvalidArgumentError(fmt::format("study '{}' has no trial number {}", study.name, number));
  }
  return study.trials[static_cast<size_t>(number)];
}

TrialChanges MemoryStorage::GetTrialsChangedSince(int64_t study_id, int64_t watermark) {
  std::lock_guard lock(mutex_);
  auto& study = StudyLocked(study_id);
  TrialChanges out;
  std::vector<int64_t> numbers;
  for (auto it = study.by_seq.upper_bound(watermark); it != study.by_seq.end(); ++it) numbers.push_back(it->second);
  std::sort(numbers.begin(), numbers.end());
  out.trials.reserve(numbers.size());
  for (int64_t n : numbers) out.trials.push_back(study.trials[static_cast<size_t>(n)]);
  out.watermark = study.next_seq - 1;
  return out;
}

int64_t MemoryStorage::CountTrials(int64_t study_id, std::optional<TrialState> state) {
  std::lock_guard lock(mutex_);
  auto& study = StudyLocked(study_id);
  if (!state) return static_cast<int64_t>(study.trials.size());
  int64_t n = 0;
  for (const auto& t : study.trials) n += t.state == *state ? 1 : 0;
  return n;
}

std::optional<std::string> MemoryStorage::GetSamplerState(int64_t study_id, const std::string& key) {
  std::lock_guard lock(mutex_);
  auto& study = StudyLocked(study_id);
  const auto it = study.sampler_state.find(key);
  if (it == study.sampler_state.end()) return std::nullopt;
  return it->second;
}

void MemoryStorage::PutSamplerState(int64_t study_id, const std::string& key, const std::string& value) {
  std::lock_guard lock(mutex_);
  StudyLocked(study_id).sampler_state[key] = value;
}

}  // namespace hyperscout
