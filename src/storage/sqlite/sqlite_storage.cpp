#include "hyperscout/storage/sqlite_storage.hpp"

#include <fmt/format.h>

#include <mutex>

#include "storage/sqlite/connection.hpp"
#include "storage/sqlite/schema.hpp"
#include "storage/sqlite/trial_reader.hpp"

namespace hyperscout {

using sqlite::Connection;
using sqlite::Query;
using sqlite::TransactionKind;
using sqlite::TrialFilter;

namespace {

// SQLite's own wait inside one call. The brief waits of normal contention end inside it; the retry
// loop around it (lock_timeout_seconds) covers the cases SQLite does not hand to its busy handler.
constexpr double kBusyTimeoutSeconds = 10.0;

std::string Sql(const char* text) {
  return fmt::format(fmt::runtime(text), fmt::arg("now", sqlite::kNowSql));
}

// Where the two kinds of attributes live, so user and system attrs share one code path.
const char* StudyAttrTable(bool system) {
  return system ? "study_system_attrs" : "study_user_attrs";
}
const char* TrialAttrTable(bool system) {
  return system ? "trial_system_attrs" : "trial_user_attrs";
}

}  // namespace

struct SqliteStorage::Impl {
  Impl(const std::string& path, const SqliteStorageOptions& options)
      : connection(path, path, std::min(kBusyTimeoutSeconds, options.lock_timeout_seconds),
                   options.lock_timeout_seconds) {}

  std::mutex mutex;  // one thread at a time on the connection
  Connection connection;
  sqlite::DistributionCache distributions;

  struct TrialRow {
    int64_t study_id;
    int64_t number;
    TrialState state;
  };

  void RequireStudyLocked(int64_t study_id) {
    auto query = connection.Prepare("SELECT 1 FROM studies WHERE study_id = ?1");
    if (!query.Bind(1, study_id).Step()) throw StudyNotFoundError(fmt::format("no study with id {}", study_id));
  }

  TrialRow TrialLocked(int64_t trial_id) {
    auto query = connection.Prepare("SELECT study_id, number, state FROM trials WHERE trial_id = ?1");
    if (!query.Bind(1, trial_id).Step()) throw InvalidArgumentError(fmt::format("no trial with id {}", trial_id));
    return {query.Int(0), query.Int(1), ParseTrialState(query.Text(2))};
  }

  // The trial, after checking it may still be written, with a fresh change sequence number.
  TrialRow WritableTrialLocked(int64_t trial_id) {
    const TrialRow row = TrialLocked(trial_id);
    if (IsFinished(row.state)) {
      throw UpdateFinishedTrialError(
          fmt::format("trial {} is already {} and cannot change", row.number, ToString(row.state)));
    }
    TouchLocked(row.study_id, trial_id);
    return row;
  }

  int64_t NextSeqLocked(int64_t study_id) {
    auto query =
        connection.Prepare("UPDATE studies SET next_seq = next_seq + 1 WHERE study_id = ?1 RETURNING next_seq - 1");
    if (!query.Bind(1, study_id).Step()) throw StudyNotFoundError(fmt::format("no study with id {}", study_id));
    return query.Int(0);
  }

  void TouchLocked(int64_t study_id, int64_t trial_id) {
    const int64_t seq = NextSeqLocked(study_id);
    connection.Prepare("UPDATE trials SET seq = ?2 WHERE trial_id = ?1").Bind(1, trial_id).Bind(2, seq).Run();
  }

  void PutTrialAttrLocked(bool system, int64_t trial_id, const std::string& key, const std::string& json) {
    connection
        .Prepare(fmt::format("INSERT INTO {} (trial_id, key, value_json) VALUES (?1, ?2, ?3) "
                             "ON CONFLICT (trial_id, key) DO UPDATE SET value_json = excluded.value_json",
                             TrialAttrTable(system)))
        .Bind(1, trial_id)
        .Bind(2, key)
        .Bind(3, json)
        .Run();
  }

  void PutParamLocked(int64_t trial_id, const std::string& name, double internal, const std::string& json) {
    connection
        .Prepare(
            "INSERT INTO trial_params (trial_id, param_name, internal_value, distribution_json) VALUES (?1, ?2, ?3, "
            "?4) "
            "ON CONFLICT (trial_id, param_name) DO UPDATE SET internal_value = excluded.internal_value, "
            "distribution_json = excluded.distribution_json")
        .Bind(1, trial_id)
        .Bind(2, name)
        .Bind(3, internal)
        .Bind(4, json)
        .Run();
  }

  void PutIntermediateLocked(int64_t trial_id, int64_t step, double value) {
    connection
        .Prepare(
            "INSERT INTO trial_intermediate_values (trial_id, step, value) VALUES (?1, ?2, ?3) "
            "ON CONFLICT (trial_id, step) DO UPDATE SET value = excluded.value")
        .Bind(1, trial_id)
        .Bind(2, step)
        .Bind(3, value)
        .Run();
  }

  void PutValuesLocked(int64_t trial_id, const std::vector<double>& values) {
    connection.Prepare("DELETE FROM trial_values WHERE trial_id = ?1").Bind(1, trial_id).Run();
    for (size_t i = 0; i < values.size(); ++i) {
      connection.Prepare("INSERT INTO trial_values (trial_id, objective, value) VALUES (?1, ?2, ?3)")
          .Bind(1, trial_id)
          .Bind(2, static_cast<int64_t>(i))
          .Bind(3, values[i])
          .Run();
    }
  }

  void SetStudyAttr(bool system, int64_t study_id, const std::string& key, const Json& value) {
    const std::string json = sqlite::DumpJson(value);
    std::lock_guard lock(mutex);
    connection.Transaction(TransactionKind::kWrite, [&] {
      RequireStudyLocked(study_id);
      connection
          .Prepare(fmt::format("INSERT INTO {} (study_id, key, value_json) VALUES (?1, ?2, ?3) "
                               "ON CONFLICT (study_id, key) DO UPDATE SET value_json = excluded.value_json",
                               StudyAttrTable(system)))
          .Bind(1, study_id)
          .Bind(2, key)
          .Bind(3, json)
          .Run();
    });
  }

  std::map<std::string, Json> StudyAttrsLocked(bool system, int64_t study_id) {
    std::map<std::string, Json> out;
    auto query =
        connection.Prepare(fmt::format("SELECT key, value_json FROM {} WHERE study_id = ?1", StudyAttrTable(system)));
    query.Bind(1, study_id);
    while (query.Step()) {
      out[query.Text(0)] = sqlite::ParseStoredJson(query.Text(1), StudyAttrTable(system), connection.display_name());
    }
    return out;
  }

  std::map<std::string, Json> GetStudyAttrs(bool system, int64_t study_id) {
    std::lock_guard lock(mutex);
    return connection.Transaction(TransactionKind::kRead, [&] {
      RequireStudyLocked(study_id);
      return StudyAttrsLocked(system, study_id);
    });
  }

  void SetTrialAttr(bool system, int64_t trial_id, const std::string& key, const Json& value) {
    const std::string json = sqlite::DumpJson(value);
    std::lock_guard lock(mutex);
    connection.Transaction(TransactionKind::kWrite, [&] {
      WritableTrialLocked(trial_id);
      PutTrialAttrLocked(system, trial_id, key, json);
    });
  }
};

SqliteStorage::SqliteStorage(const std::string& path, SqliteStorageOptions options) : path_(path) {
  sqlite::CheckDatabasePath(path, path);
  impl_ = std::make_unique<Impl>(path, options);
  sqlite::PrepareDatabase(impl_->connection);
}

SqliteStorage::~SqliteStorage() = default;

// ---- studies ----

int64_t SqliteStorage::CreateStudy(const std::string& name, const std::vector<StudyDirection>& directions) {
  if (name.empty()) throw InvalidArgumentError("a study name must not be empty");
  if (directions.empty()) throw InvalidArgumentError("a study needs at least one direction");
  std::lock_guard lock(impl_->mutex);
  Connection& db = impl_->connection;
  return db.Transaction(TransactionKind::kWrite, [&] {
    if (db.Prepare("SELECT 1 FROM studies WHERE study_name = ?1").Bind(1, name).Step()) {
      throw DuplicatedStudyError(fmt::format("a study named '{}' already exists", name));
    }
    int64_t study_id = -1;
    {
      auto insert = db.Prepare("INSERT INTO studies (study_name) VALUES (?1) RETURNING study_id");
      insert.Bind(1, name).Step();
      study_id = insert.Int(0);
    }
    for (size_t i = 0; i < directions.size(); ++i) {
      db.Prepare("INSERT INTO study_directions (study_id, objective, direction) VALUES (?1, ?2, ?3)")
          .Bind(1, study_id)
          .Bind(2, static_cast<int64_t>(i))
          .Bind(3, ToString(directions[i]))
          .Run();
    }
    return study_id;
  });
}

void SqliteStorage::DeleteStudy(int64_t study_id) {
  std::lock_guard lock(impl_->mutex);
  Connection& db = impl_->connection;
  db.Transaction(TransactionKind::kWrite, [&] {
    // Foreign keys cascade to directions, attrs, sampler state, trials and everything under trials.
    db.Prepare("DELETE FROM studies WHERE study_id = ?1").Bind(1, study_id).Run();
    if (db.Changes() == 0) throw StudyNotFoundError(fmt::format("no study with id {}", study_id));
  });
}

int64_t SqliteStorage::GetStudyId(const std::string& name) {
  std::lock_guard lock(impl_->mutex);
  Connection& db = impl_->connection;
  return db.Transaction(TransactionKind::kRead, [&] {
    auto query = db.Prepare("SELECT study_id FROM studies WHERE study_name = ?1");
    if (!query.Bind(1, name).Step()) throw StudyNotFoundError(fmt::format("no study named '{}'", name));
    return query.Int(0);
  });
}

std::string SqliteStorage::GetStudyName(int64_t study_id) {
  std::lock_guard lock(impl_->mutex);
  Connection& db = impl_->connection;
  return db.Transaction(TransactionKind::kRead, [&] {
    auto query = db.Prepare("SELECT study_name FROM studies WHERE study_id = ?1");
    if (!query.Bind(1, study_id).Step()) throw StudyNotFoundError(fmt::format("no study with id {}", study_id));
    return query.Text(0);
  });
}

std::vector<StudyDirection> SqliteStorage::GetStudyDirections(int64_t study_id) {
  std::lock_guard lock(impl_->mutex);
  Connection& db = impl_->connection;
  return db.Transaction(TransactionKind::kRead, [&] {
    impl_->RequireStudyLocked(study_id);
    std::vector<StudyDirection> out;
    auto query = db.Prepare("SELECT direction FROM study_directions WHERE study_id = ?1 ORDER BY objective");
    query.Bind(1, study_id);
    while (query.Step()) out.push_back(ParseStudyDirection(query.Text(0)));
    return out;
  });
}

std::vector<StudySummary> SqliteStorage::GetAllStudies() {
  std::lock_guard lock(impl_->mutex);
  Connection& db = impl_->connection;
  return db.Transaction(TransactionKind::kRead, [&] {
    std::vector<StudySummary> out;
    std::map<int64_t, size_t> index;
    {
      // next_number is the trial count: numbers are gapless from 0.
      auto query = db.Prepare("SELECT study_id, study_name, next_number FROM studies ORDER BY study_id");
      while (query.Step()) {
        index.emplace(query.Int(0), out.size());
        out.push_back({query.Int(0), query.Text(1), {}, query.Int(2), {}});
      }
    }
    {
      auto query = db.Prepare("SELECT study_id, direction FROM study_directions ORDER BY study_id, objective");
      while (query.Step()) {
        if (const auto it = index.find(query.Int(0)); it != index.end()) {
          out[it->second].directions.push_back(ParseStudyDirection(query.Text(1)));
        }
      }
    }
    {
      auto query = db.Prepare("SELECT study_id, key, value_json FROM study_user_attrs");
      while (query.Step()) {
        if (const auto it = index.find(query.Int(0)); it != index.end()) {
          out[it->second].user_attrs[query.Text(1)] =
              sqlite::ParseStoredJson(query.Text(2), "study_user_attrs", db.display_name());
        }
      }
    }
    return out;
  });
}

void SqliteStorage::SetStudyUserAttr(int64_t study_id, const std::string& key, const Json& value) {
  impl_->SetStudyAttr(false, study_id, key, value);
}

void SqliteStorage::SetStudySystemAttr(int64_t study_id, const std::string& key, const Json& value) {
  impl_->SetStudyAttr(true, study_id, key, value);
}

std::map<std::string, Json> SqliteStorage::GetStudyUserAttrs(int64_t study_id) {
  return impl_->GetStudyAttrs(false, study_id);
}

std::map<std::string, Json> SqliteStorage::GetStudySystemAttrs(int64_t study_id) {
  return impl_->GetStudyAttrs(true, study_id);
}

// ---- trials ----

FrozenTrial SqliteStorage::CreateTrial(int64_t study_id, const FrozenTrial* template_trial) {
  FrozenTrial trial;
  if (template_trial != nullptr) {
    trial = *template_trial;
  } else {
    trial.state = TrialState::kRunning;
  }
  // Serialize outside the lock: JSON work does not need the connection.
  std::vector<std::pair<std::string, std::string>> distribution_json;
  for (const auto& [name, internal] : trial.params) {
    const auto it = trial.distributions.find(name);
    if (it == trial.distributions.end()) {
      throw InvalidArgumentError(fmt::format("template trial parameter '{}' has no distribution", name));
    }
    distribution_json.emplace_back(name, sqlite::DumpJson(DistributionToJson(it->second)));
  }
  std::lock_guard lock(impl_->mutex);
  Connection& db = impl_->connection;
  return db.Transaction(TransactionKind::kWrite, [&] {
    FrozenTrial created = trial;
    {
      auto counters = db.Prepare(
          "UPDATE studies SET next_number = next_number + 1, next_seq = next_seq + 1 WHERE study_id = ?1 "
          "RETURNING next_number - 1, next_seq - 1");
      if (!counters.Bind(1, study_id).Step()) throw StudyNotFoundError(fmt::format("no study with id {}", study_id));
      created.number = counters.Int(0);
      const int64_t seq = counters.Int(1);
      // A RUNNING trial starts now (unless the template says when); it has no heartbeat until its worker beats.
      static const std::string insert_sql =
          Sql("INSERT INTO trials (study_id, number, state, datetime_start, datetime_complete, heartbeat, seq) "
              "VALUES (?1, ?2, ?3, coalesce(?4, CASE WHEN ?3 = 'RUNNING' THEN {now} END), ?5, "
              "?6, ?7) "
              "RETURNING trial_id, datetime_start, heartbeat");
      auto insert = db.Prepare(insert_sql);
      insert.Bind(1, study_id)
          .Bind(2, created.number)
          .Bind(3, ToString(created.state))
          .Bind(4, created.datetime_start)
          .Bind(5, created.datetime_complete)
          .Bind(6, created.heartbeat)
          .Bind(7, seq)
          .Step();
      created.id = insert.Int(0);
      created.datetime_start = insert.OptionalReal(1);
      created.heartbeat = insert.OptionalReal(2);
    }
    impl_->PutValuesLocked(created.id, created.values);
    for (const auto& [name, json] : distribution_json) {
      impl_->PutParamLocked(created.id, name, created.params.at(name), json);
    }
    for (const auto& [step, value] : created.intermediate_values) impl_->PutIntermediateLocked(created.id, step, value);
    for (const auto& [key, value] : created.user_attrs) {
      impl_->PutTrialAttrLocked(false, created.id, key, sqlite::DumpJson(value));
    }
    for (const auto& [key, value] : created.system_attrs) {
      impl_->PutTrialAttrLocked(true, created.id, key, sqlite::DumpJson(value));
    }
    return created;
  });
}

std::optional<FrozenTrial> SqliteStorage::ClaimWaitingTrial(int64_t study_id) {
  std::lock_guard lock(impl_->mutex);
  Connection& db = impl_->connection;
  // Most asks find no enqueued trial; a read answers that without taking the write lock.
  const bool any_waiting = db.Transaction(TransactionKind::kRead, [&] {
    auto query = db.Prepare(
        "SELECT EXISTS (SELECT 1 FROM trials WHERE study_id = ?1 AND state = 'WAITING') FROM studies "
        "WHERE study_id = ?1");
    if (!query.Bind(1, study_id).Step()) throw StudyNotFoundError(fmt::format("no study with id {}", study_id));
    return query.Int(0) != 0;
  });
  if (!any_waiting) return std::nullopt;
  return db.Transaction(TransactionKind::kWrite, [&]() -> std::optional<FrozenTrial> {
    int64_t trial_id = -1;
    {
      auto query =
          db.Prepare("SELECT trial_id FROM trials WHERE study_id = ?1 AND state = 'WAITING' ORDER BY number LIMIT 1");
      if (!query.Bind(1, study_id).Step()) return std::nullopt;  // another worker took the last one
      trial_id = query.Int(0);
    }
    const int64_t seq = impl_->NextSeqLocked(study_id);
    // Compare-and-set on the state: only a trial still WAITING moves to RUNNING.
    static const std::string claim_sql =
        Sql("UPDATE trials SET state = 'RUNNING', datetime_start = {now}, heartbeat = NULL, seq = ?2 "
            "WHERE trial_id = ?1 AND state = 'WAITING'");
    db.Prepare(claim_sql).Bind(1, trial_id).Bind(2, seq).Run();
    if (db.Changes() != 1) return std::nullopt;
    auto trials = sqlite::ReadTrialsLocked(db, TrialFilter::kId, trial_id, 0, impl_->distributions);
    return std::move(trials.at(0));
  });
}

void SqliteStorage::SetTrialParam(int64_t trial_id, const std::string& name, double internal,
                                  const Distribution& distribution) {
  const std::string json = sqlite::DumpJson(DistributionToJson(distribution));
  std::lock_guard lock(impl_->mutex);
  impl_->connection.Transaction(TransactionKind::kWrite, [&] {
    impl_->WritableTrialLocked(trial_id);
    impl_->PutParamLocked(trial_id, name, internal, json);
  });
}

void SqliteStorage::SetTrialIntermediateValue(int64_t trial_id, int64_t step, double value) {
  std::lock_guard lock(impl_->mutex);
  impl_->connection.Transaction(TransactionKind::kWrite, [&] {
    impl_->WritableTrialLocked(trial_id);
    impl_->PutIntermediateLocked(trial_id, step, value);
  });
}

void SqliteStorage::SetTrialStateValues(int64_t trial_id, TrialState state, const std::vector<double>& values) {
  if (!IsFinished(state)) {
    throw InvalidArgumentError(fmt::format("SetTrialStateValues needs a finished state, got {}", ToString(state)));
  }
  std::lock_guard lock(impl_->mutex);
  Connection& db = impl_->connection;
  db.Transaction(TransactionKind::kWrite, [&] {
    const auto row = impl_->WritableTrialLocked(trial_id);
    if (state == TrialState::kComplete) {
      auto query = db.Prepare("SELECT count(*) FROM study_directions WHERE study_id = ?1");
      query.Bind(1, row.study_id).Step();
      if (query.Int(0) != static_cast<int64_t>(values.size())) {
        throw InvalidArgumentError(
            fmt::format("a COMPLETE trial needs {} value(s), got {}", query.Int(0), values.size()));
      }
    }
    impl_->PutValuesLocked(trial_id, values);
    static const std::string finish_sql =
        Sql("UPDATE trials SET state = ?2, datetime_complete = {now} WHERE trial_id = ?1");
    db.Prepare(finish_sql).Bind(1, trial_id).Bind(2, ToString(state)).Run();
  });
}

void SqliteStorage::SetTrialUserAttr(int64_t trial_id, const std::string& key, const Json& value) {
  impl_->SetTrialAttr(false, trial_id, key, value);
}

void SqliteStorage::SetTrialSystemAttr(int64_t trial_id, const std::string& key, const Json& value) {
  impl_->SetTrialAttr(true, trial_id, key, value);
}

void SqliteStorage::RecordHeartbeat(int64_t trial_id) {
  std::lock_guard lock(impl_->mutex);
  Connection& db = impl_->connection;
  db.Transaction(TransactionKind::kWrite, [&] {
    // A heartbeat is bookkeeping, not a change to the trial's data, so it keeps its change sequence
    // number: caches are not refetched once per beat. A beat for a finished trial is ignored.
    static const std::string beat_sql =
        Sql("UPDATE trials SET heartbeat = {now} WHERE trial_id = ?1 AND state = 'RUNNING'");
    db.Prepare(beat_sql).Bind(1, trial_id).Run();
    if (db.Changes() == 0) impl_->TrialLocked(trial_id);  // throws for an unknown id
  });
}

std::vector<int64_t> SqliteStorage::FailStaleTrials(int64_t study_id, double grace_seconds) {
  std::lock_guard lock(impl_->mutex);
  Connection& db = impl_->connection;
  static const std::string stale_sql =
      Sql("SELECT trial_id, number FROM trials WHERE study_id = ?1 AND state = 'RUNNING' AND heartbeat < {now} - ?2 "
          "ORDER BY number");
  // Called at every ask when heartbeats are on; usually nothing is stale and a read says so.
  const bool any_stale = db.Transaction(TransactionKind::kRead, [&] {
    impl_->RequireStudyLocked(study_id);
    return db.Prepare(stale_sql).Bind(1, study_id).Bind(2, grace_seconds).Step();
  });
  if (!any_stale) return {};
  return db.Transaction(TransactionKind::kWrite, [&] {
    std::vector<std::pair<int64_t, int64_t>> stale;  // (trial_id, number)
    {
      auto query = db.Prepare(stale_sql);
      query.Bind(1, study_id).Bind(2, grace_seconds);
      while (query.Step()) stale.emplace_back(query.Int(0), query.Int(1));
    }
    std::vector<int64_t> reaped;
    static const std::string reap_sql =
        Sql("UPDATE trials SET state = 'FAIL', datetime_complete = {now} WHERE trial_id = ?1 AND state = 'RUNNING'");
    for (const auto& [trial_id, number] : stale) {
      db.Prepare(reap_sql).Bind(1, trial_id).Run();
      if (db.Changes() != 1) continue;
      impl_->TouchLocked(study_id, trial_id);
      impl_->PutTrialAttrLocked(true, trial_id, "fail_reason", sqlite::DumpJson("heartbeat expired"));
      reaped.push_back(number);
    }
    return reaped;
  });
}

FrozenTrial SqliteStorage::GetTrial(int64_t trial_id) {
  std::lock_guard lock(impl_->mutex);
  Connection& db = impl_->connection;
  return db.Transaction(TransactionKind::kRead, [&] {
    auto trials = sqlite::ReadTrialsLocked(db, TrialFilter::kId, trial_id, 0, impl_->distributions);
    if (trials.empty()) throw InvalidArgumentError(fmt::format("no trial with id {}", trial_id));
    return std::move(trials[0]);
  });
}

FrozenTrial SqliteStorage::GetTrialByNumber(int64_t study_id, int64_t number) {
  std::lock_guard lock(impl_->mutex);
  Connection& db = impl_->connection;
  return db.Transaction(TransactionKind::kRead, [&] {
    auto trials = sqlite::ReadTrialsLocked(db, TrialFilter::kNumber, study_id, number, impl_->distributions);
    if (trials.empty()) {
      auto query = db.Prepare("SELECT study_name FROM studies WHERE study_id = ?1");
      if (!query.Bind(1, study_id).Step()) throw StudyNotFoundError(fmt::format("no study with id {}", study_id));
      throw InvalidArgumentError(fmt::format("study '{}' has no trial number {}", query.Text(0), number));
    }
    return std::move(trials[0]);
  });
}

TrialChanges SqliteStorage::GetTrialsChangedSince(int64_t study_id, int64_t watermark) {
  std::lock_guard lock(impl_->mutex);
  Connection& db = impl_->connection;
  // One read transaction: the watermark and the trials come from the same snapshot, so a change
  // committed after it gets a larger sequence number and shows up in the next call.
  return db.Transaction(TransactionKind::kRead, [&] {
    TrialChanges out;
    {
      auto query = db.Prepare("SELECT next_seq - 1 FROM studies WHERE study_id = ?1");
      if (!query.Bind(1, study_id).Step()) throw StudyNotFoundError(fmt::format("no study with id {}", study_id));
      out.watermark = query.Int(0);
    }
    if (watermark < out.watermark) {
      out.trials = sqlite::ReadTrialsLocked(db, TrialFilter::kChangedSince, study_id, watermark, impl_->distributions);
    }
    return out;
  });
}

int64_t SqliteStorage::CountTrials(int64_t study_id, std::optional<TrialState> state) {
  std::lock_guard lock(impl_->mutex);
  Connection& db = impl_->connection;
  return db.Transaction(TransactionKind::kRead, [&] {
    auto query = db.Prepare(
        "SELECT next_number, (SELECT count(*) FROM trials WHERE study_id = ?1 AND state = ?2) FROM studies "
        "WHERE study_id = ?1");
    query.Bind(1, study_id).Bind(2, state ? ToString(*state) : std::string());
    if (!query.Step()) throw StudyNotFoundError(fmt::format("no study with id {}", study_id));
    return state ? query.Int(1) : query.Int(0);
  });
}

// ---- sampler state ----

std::optional<std::string> SqliteStorage::GetSamplerState(int64_t study_id, const std::string& key) {
  std::lock_guard lock(impl_->mutex);
  Connection& db = impl_->connection;
  return db.Transaction(TransactionKind::kRead, [&]() -> std::optional<std::string> {
    impl_->RequireStudyLocked(study_id);
    auto query = db.Prepare("SELECT value FROM sampler_state WHERE study_id = ?1 AND key = ?2");
    if (!query.Bind(1, study_id).Bind(2, key).Step()) return std::nullopt;
    return query.Blob(0);
  });
}

void SqliteStorage::PutSamplerState(int64_t study_id, const std::string& key, const std::string& value) {
  std::lock_guard lock(impl_->mutex);
  Connection& db = impl_->connection;
  db.Transaction(TransactionKind::kWrite, [&] {
    impl_->RequireStudyLocked(study_id);
    db.Prepare(
          "INSERT INTO sampler_state (study_id, key, value) VALUES (?1, ?2, ?3) "
          "ON CONFLICT (study_id, key) DO UPDATE SET value = excluded.value")
        .Bind(1, study_id)
        .Bind(2, key)
        .BindBlob(3, value)
        .Run();
  });
}

}  // namespace hyperscout
