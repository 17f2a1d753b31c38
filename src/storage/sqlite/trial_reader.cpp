#include "storage/sqlite/trial_reader.hpp"

#include <fmt/format.h>

#include <array>

namespace hyperscout::sqlite {
namespace {

constexpr size_t kFilters = 3;

const char* WhereClause(TrialFilter filter) {
  switch (filter) {
    case TrialFilter::kId:
      return "t.trial_id = ?1";
    case TrialFilter::kNumber:
      return "t.study_id = ?1 AND t.number = ?2";
    case TrialFilter::kChangedSince:
      return "t.study_id = ?1 AND t.seq > ?2";
  }
  return "0";
}

bool UsesSecondParameter(TrialFilter filter) {
  return filter != TrialFilter::kId;
}

// The six statements for one filter, built once.
struct TrialQueries {
  std::string trials;
  std::string values;
  std::string params;
  std::string intermediate;
  std::string user_attrs;
  std::string system_attrs;
};

TrialQueries BuildQueries(TrialFilter filter) {
  const char* where = WhereClause(filter);
  const auto child = [where](const char* columns, const char* table) {
    return fmt::format("SELECT c.trial_id, {} FROM trials t JOIN {} c ON c.trial_id = t.trial_id WHERE {}", columns,
                       table, where);
  };
  return {fmt::format("SELECT t.trial_id, t.number, t.state, t.datetime_start, t.datetime_complete, t.heartbeat "
                      "FROM trials t WHERE {} ORDER BY t.number",
                      where),
          child("c.objective, c.value", "trial_values"),
          child("c.param_name, c.internal_value, c.distribution_json", "trial_params"),
          child("c.step, c.value", "trial_intermediate_values"),
          child("c.key, c.value_json", "trial_user_attrs"),
          child("c.key, c.value_json", "trial_system_attrs")};
}

const TrialQueries& QueriesFor(TrialFilter filter) {
  static const std::array<TrialQueries, kFilters> queries = {
      BuildQueries(TrialFilter::kId), BuildQueries(TrialFilter::kNumber), BuildQueries(TrialFilter::kChangedSince)};
  return queries[static_cast<size_t>(filter)];
}

}  // namespace

const Distribution& DistributionCache::Get(const std::string& json, const std::string& display_name) {
  if (const auto it = parsed_.find(json); it != parsed_.end()) return it->second;
  // Bounded so a pathological study (a new distribution per trial) cannot grow it without limit.
  if (parsed_.size() >= 4096) parsed_.clear();
  Distribution distribution;
  try {
    distribution = DistributionFromJson(ParseStoredJson(json, "trial_params", display_name));
  } catch (const InvalidArgumentError& e) {
    throw StorageError(
        fmt::format("'{}': a stored distribution is invalid ({}); the file was modified outside "
                    "hyperscout or is damaged",
                    display_name, e.what()));
  }
  return parsed_.emplace(json, std::move(distribution)).first->second;
}

Json ParseStoredJson(const std::string& text, const char* what, const std::string& display_name) {
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {
    throw StorageError(
        fmt::format("'{}': table {} holds malformed JSON ({}); the file was modified outside "
                    "hyperscout or is damaged",
                    display_name, what, e.what()));
  }
}

std::string DumpJson(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::vector<FrozenTrial> ReadTrialsLocked(Connection& connection, TrialFilter filter, int64_t a, int64_t b,
                                          DistributionCache& distributions) {
  const TrialQueries& sql = QueriesFor(filter);
  const std::string& name = connection.display_name();
  std::vector<FrozenTrial> trials;
  std::unordered_map<int64_t, size_t> index;  // trial_id -> position in `trials`
  const auto bind = [&](Query& query) -> Query& {
    query.Bind(1, a);
    if (UsesSecondParameter(filter)) query.Bind(2, b);
    return query;
  };
  {
    auto query = connection.Prepare(sql.trials);
    bind(query);
    while (query.Step()) {
      FrozenTrial trial;
      trial.id = query.Int(0);
      trial.number = query.Int(1);
      trial.state = ParseTrialState(query.Text(2));
      trial.datetime_start = query.OptionalReal(3);
      trial.datetime_complete = query.OptionalReal(4);
      trial.heartbeat = query.OptionalReal(5);
      index.emplace(trial.id, trials.size());
      trials.push_back(std::move(trial));
    }
  }
  if (trials.empty()) return trials;
  // Rows of trials outside `index` cannot appear (same filter, same transaction), but a lookup miss is
  // skipped rather than trusted.
  const auto owner = [&](int64_t trial_id) -> FrozenTrial* {
    const auto it = index.find(trial_id);
    return it == index.end() ? nullptr : &trials[it->second];
  };
  {
    auto query = connection.Prepare(sql.values);
    bind(query);
    while (query.Step()) {
      if (FrozenTrial* trial = owner(query.Int(0))) {
        const auto objective = static_cast<size_t>(query.Int(1));
        if (trial->values.size() <= objective) trial->values.resize(objective + 1);
        trial->values[objective] = query.Real(2);
      }
    }
  }
  {
    auto query = connection.Prepare(sql.params);
    bind(query);
    while (query.Step()) {
      if (FrozenTrial* trial = owner(query.Int(0))) {
        const std::string param = query.Text(1);
        trial->params[param] = query.Real(2);
        trial->distributions[param] = distributions.Get(query.Text(3), name);
      }
    }
  }
  {
    auto query = connection.Prepare(sql.intermediate);
    bind(query);
    while (query.Step()) {
      if (FrozenTrial* trial = owner(query.Int(0))) trial->intermediate_values[query.Int(1)] = query.Real(2);
    }
  }
  {
    auto query = connection.Prepare(sql.user_attrs);
    bind(query);
    while (query.Step()) {
      if (FrozenTrial* trial = owner(query.Int(0))) {
        trial->user_attrs[query.Text(1)] = ParseStoredJson(query.Text(2), "trial_user_attrs", name);
      }
    }
  }
  {
    auto query = connection.Prepare(sql.system_attrs);
    bind(query);
    while (query.Step()) {
      if (FrozenTrial* trial = owner(query.Int(0))) {
        trial->system_attrs[query.Text(1)] = ParseStoredJson(query.Text(2), "trial_system_attrs", name);
      }
    }
  }
  return trials;
}

}  // namespace hyperscout::sqlite
