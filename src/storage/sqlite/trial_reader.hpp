// Reading FrozenTrials back from the SQLite schema: one query per table for a whole batch of trials
// (a trial row plus its values, params, intermediate values and attrs), so fetching n changed trials
// costs six indexed queries, not 6n.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "hyperscout/common/json.hpp"
#include "hyperscout/core/frozen_trial.hpp"
#include "storage/sqlite/connection.hpp"

namespace hyperscout::sqlite {

// Which trials to read. Each names an indexed lookup on `trials`.
enum class TrialFilter {
  kId,            // ?1 = trial_id
  kNumber,        // ?1 = study_id, ?2 = number
  kChangedSince,  // ?1 = study_id, ?2 = watermark: trials with seq > watermark
};

// Parsed distributions by their stored JSON text. A study has few distinct distributions, so this
// turns a JSON parse per parameter row into a hash lookup.
class DistributionCache {
 public:
  const Distribution& Get(const std::string& json, const std::string& display_name);

 private:
  std::unordered_map<std::string, Distribution> parsed_;
};

// Parses JSON text read from the database; a malformed value throws StorageError naming the table.
Json ParseStoredJson(const std::string& text, const char* what, const std::string& display_name);
// JSON text to store; invalid UTF-8 in strings is replaced rather than throwing.
std::string DumpJson(const Json& value);

// Runs inside the caller's transaction; returns the matching trials ordered by number.
std::vector<FrozenTrial> ReadTrialsLocked(Connection& connection, TrialFilter filter, int64_t a, int64_t b,
                                          DistributionCache& distributions);

}  // namespace hyperscout::sqlite
