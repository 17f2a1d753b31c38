// Trials as rows: the columns shared by `trials`, `best` and `export`.
#pragma once

#include <string>
#include <vector>

#include "hyperscout/core/frozen_trial.hpp"

namespace hyperscout::cli {

// Every parameter name that appears in any of the trials, sorted.
std::vector<std::string> ParamNames(const std::vector<FrozenTrial>& trials);

// "value" for one objective, "value_0", "value_1", ... for several.
std::vector<std::string> ValueColumns(size_t n_objectives);

// number, state, value column(s), params_<name>..., duration_s; `exact` keeps every digit (CSV),
// otherwise numbers are shortened for reading. `verbose` adds fail_reason.
struct TrialRows {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};
TrialRows BuildTrialRows(const std::vector<FrozenTrial>& trials, size_t n_objectives, bool exact, bool verbose);

// The study's best feasible trials (core FeasibleParetoFront): the single best one, or the Pareto set for several
// objectives.
std::vector<FrozenTrial> BestOf(const std::vector<FrozenTrial>& trials, const std::vector<StudyDirection>& directions);

}  // namespace hyperscout::cli
