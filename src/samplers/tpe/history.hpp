// TPE's per-study view of the trial history, kept incrementally: finished trials are read once (they never
// change), their parameters are stored as unit-scale columns indexed by trial number, and the search spaces and the
// below/above split are updated from them. Each Refresh costs O(number of trials) pointer checks plus work for the
// trials that finished since the last call.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "hyperscout/core/study.hpp"
#include "samplers/tpe/search_space.hpp"

namespace hyperscout::tpe {

// A value of `source` re-expressed on `target`'s model scale: the unit value (math::ToUnit) for numerical
// distributions, the choice index for categorical ones. NaN when `target` cannot represent it (another kind, out of
// range, off the step grid, a choice `target` does not have).
double Encode(const Distribution& target, const Distribution& source, double internal);

// A finished trial's total constraint violation: the sum of its positive constraint values (0 when it is
// feasible), infinite when it reported none. Used once some trial of the study reported constraints; a trial
// without them then ranks last, as in Optuna's constrained TPE (the GP models it as infeasible too).
double Violation(const FrozenTrial& trial);

using Part = std::vector<std::pair<std::string, Distribution>>;
// Whether a configuration (parameter values in a part's order) is already taken by another trial.
using Taken = std::function<bool(const std::vector<double>&)>;

class History {
 public:
  struct ParamColumn {
    Distribution distribution;
    std::vector<double> values;                      // by trial number; NaN where absent or not representable
    std::vector<std::pair<double, int64_t>> sorted;  // (value, trial number) for every non-NaN value, ascending
  };

  // Reads what changed since the last call. RUNNING trials other than `current` are collected for the constant liar.
  void Refresh(const Study& study, int64_t current);

  // COMPLETE and PRUNED trial numbers, ascending.
  const std::vector<int64_t>& finished() const { return finished_; }
  const std::vector<FrozenTrialPtr>& running() const { return running_; }
  // A RUNNING trial numbered below this has been overtaken by a later-asked trial that finished first.
  int64_t newest_finished() const { return newest_finished_; }
  // Every trial of the study as the last Refresh read it, so one suggestion reads the study once.
  const std::vector<FrozenTrialPtr>& snapshot() const { return snapshot_; }
  bool multi_objective() const { return directions_.size() > 1; }
  const IntersectionSpace& intersection() const { return intersection_; }
  const GroupDecomposedSpace& groups() const { return groups_; }

  // Parameter `name` encoded under `distribution` for every finished trial. The sorted view lets TPE compute
  // neighbour bandwidths without sorting on every suggestion.
  const ParamColumn& Column(const std::string& name, const Distribution& distribution);
  // By trial number, the share of each finished trial in the "below" set of `n_below` trials: the best COMPLETE
  // trials, then (when there are too few) the best PRUNED ones. 1 for a trial ranked inside the set, 0 outside. Trials
  // that tie with the one ranked last share the places left among them: each gets places / ties, and the rest of its
  // weight goes "above". Cached until more trials finish.
  const std::vector<double>& Below(int64_t n_below);
  // The configurations (ConfigurationOf, samplers/configuration.hpp) of the COMPLETE, PRUNED and FAIL trials read so
  // far. Kept incrementally: each call reads only the trials that finished since the last one, unless `part` changed.
  const std::set<std::vector<double>>& FinishedConfigurations(const Part& part);

 private:
  void Reset(const Study& study);
  void Ingest(const FrozenTrialPtr& trial);
  void ComputeBelow(int64_t n_below);
  // Gives `places` below shares to the best of `pruned` (deepest step, then the value reported there).
  void RankPruned(const std::vector<int64_t>& pruned, size_t places);

  const void* storage_ = nullptr;
  int64_t study_id_ = -1;
  std::vector<StudyDirection> directions_;
  std::vector<FrozenTrialPtr> by_number_;  // finished trials read so far
  std::vector<char> seen_;                 // by number: read (COMPLETE, PRUNED) or ignored (FAIL)
  std::vector<int64_t> finished_;
  std::vector<FrozenTrialPtr> running_;
  int64_t newest_finished_ = -1;  // the largest number of a trial in terminal_
  std::vector<FrozenTrialPtr> snapshot_;
  std::vector<FrozenTrialPtr> terminal_;  // COMPLETE, PRUNED and FAIL trials in reading order
  Part configurations_part_;
  std::set<std::vector<double>> configurations_;
  size_t configurations_read_ = 0;  // terminal_ entries folded into configurations_
  std::map<std::string, ParamColumn> columns_;
  ParamColumn missing_;  // the column of a parameter no finished trial has
  IntersectionSpace intersection_;
  GroupDecomposedSpace groups_;
  size_t below_for_finished_ = 0;
  int64_t below_for_n_ = -1;
  std::vector<double> below_;
};

}  // namespace hyperscout::tpe
