#include "samplers/tpe/history.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include "math/transform.hpp"
#include "samplers/configuration.hpp"
#include "samplers/tpe/split.hpp"

namespace hyperscout::tpe {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Gives the first `places` entries of `ranked` (sorted ascending, the trial number last in each tuple-like entry) their
// below share, with ties at the boundary sharing what is left. `same` says whether two entries rank equally.
//
// The split is TPE's gamma-quantile of the losses (Bergstra et al. 2011, section 4; Watanabe 2023, section 2). When the
// quantile falls inside a group of equal losses, the observations say nothing about which members are better, so
// choosing `places` of them arbitrarily (a sort's tie order) would invent a difference. Each member instead counts
// places / ties below and the rest above, the usual quantile of a distribution with an atom. This matters on plateaus
// (a decision tree's depth-1 stump, a constant predictor): with an arbitrary pick, l(x) is a few wide kernels over
// the plateau and g(x) many narrow ones, their ratio peaks in the plateau's gaps, and TPE keeps sampling the plateau.
// Shared, l and g see the plateau alike, their ratio there falls as it fills up, and candidates elsewhere win.
template <typename Entry, typename Same>
void ShareBelow(const std::vector<Entry>& ranked, size_t places, Same same, std::vector<double>& below) {
  places = std::min(places, ranked.size());
  if (places == 0) return;
  const Entry& last = ranked[places - 1];
  size_t first_tie = places - 1;
  while (first_tie > 0 && same(ranked[first_tie - 1], last)) --first_tie;
  size_t end_tie = places;
  while (end_tie < ranked.size() && same(ranked[end_tie], last)) ++end_tie;
  auto number = [](const Entry& entry) { return static_cast<size_t>(std::get<std::tuple_size_v<Entry> - 1>(entry)); };
  for (size_t i = 0; i < first_tie; ++i) below[number(ranked[i])] = 1.0;
  const double share = static_cast<double>(places - first_tie) / static_cast<double>(end_tie - first_tie);
  for (size_t i = first_tie; i < end_tie; ++i) below[number(ranked[i])] = share;
}

}  // namespace

double Violation(const FrozenTrial& trial) {
  const auto constraints = trial.Constraints();
  if (constraints.empty()) return std::numeric_limits<double>::infinity();
  double total = 0.0;
  for (const auto& [name, value] : constraints) total += std::max(value, 0.0);
  return total;
}

double Encode(const Distribution& target, const Distribution& source, double internal) {
  if (!SameKind(target, source)) return kNaN;
  if (const auto* t = std::get_if<CategoricalDistribution>(&target)) {
    if (target == source) return internal;
    // Choices may have been reordered or extended: match by value.
    const auto& s = std::get<CategoricalDistribution>(source);
    const auto index = static_cast<size_t>(internal);
    if (index >= s.choices.size()) return kNaN;
    const auto it = std::find(t->choices.begin(), t->choices.end(), s.choices[index]);
    return it == t->choices.end() ? kNaN : static_cast<double>(it - t->choices.begin());
  }
  if (!Contains(target, internal)) return kNaN;
  return math::ToUnit(target, internal);
}

void History::Reset(const Study& study) {
  *this = History();
  storage_ = &study.storage();
  study_id_ = study.id();
  directions_ = study.directions();
}

void History::Refresh(const Study& study, int64_t current) {
  if (storage_ != &study.storage() || study_id_ != study.id()) Reset(study);
  snapshot_ = study.TrialsSnapshot();
  running_.clear();
  for (const auto& trial : snapshot_) {
    const auto number = static_cast<size_t>(trial->number);
    if (number < seen_.size() && seen_[number]) continue;
    if (trial->state == TrialState::kRunning) {
      if (trial->number != current) running_.push_back(trial);
      continue;
    }
    if (trial->state == TrialState::kWaiting) continue;
    if (number >= seen_.size()) seen_.resize(number + 1, 0);
    seen_[number] = 1;
    terminal_.push_back(trial);
    newest_finished_ = std::max(newest_finished_, trial->number);
    if (trial->state == TrialState::kComplete || trial->state == TrialState::kPruned) Ingest(trial);
  }
}

const std::set<std::vector<double>>& History::FinishedConfigurations(const Part& part) {
  if (!(part == configurations_part_)) {
    configurations_part_ = part;
    configurations_.clear();
    configurations_read_ = 0;
  }
  for (; configurations_read_ < terminal_.size(); ++configurations_read_) {
    if (auto c = hyperscout::ConfigurationOf(*terminal_[configurations_read_], part))
      configurations_.insert(std::move(*c));
  }
  return configurations_;
}

void History::Ingest(const FrozenTrialPtr& trial) {
  const auto number = static_cast<size_t>(trial->number);
  if (number >= by_number_.size()) by_number_.resize(number + 1);
  by_number_[number] = trial;
  if (finished_.empty() || finished_.back() < trial->number) {
    finished_.push_back(trial->number);
  } else {
    finished_.insert(std::lower_bound(finished_.begin(), finished_.end(), trial->number), trial->number);
  }
  for (const auto& [name, internal] : trial->params) {
    const Distribution& source = trial->distributions.at(name);
    auto [it, inserted] = columns_.try_emplace(name, ParamColumn{source, {}, {}});
    auto& column = it->second;
    if (column.values.size() <= number) column.values.resize(number + 1, kNaN);
    const double value = Encode(column.distribution, source, internal);
    column.values[number] = value;
    if (!std::isnan(value)) {
      const std::pair<double, int64_t> entry(value, trial->number);
      column.sorted.insert(std::upper_bound(column.sorted.begin(), column.sorted.end(), entry), entry);
    }
  }
  intersection_.Add(trial->distributions);
  groups_.Add(trial->distributions);
}

const History::ParamColumn& History::Column(const std::string& name, const Distribution& distribution) {
  const auto it = columns_.find(name);
  if (it == columns_.end()) {
    missing_.values.assign(by_number_.size(), kNaN);
    return missing_;
  }
  auto& column = it->second;
  if (!(column.distribution == distribution)) {
    // The objective changed this parameter's range or choices: re-encode once under the new distribution.
    column.distribution = distribution;
    column.values.assign(by_number_.size(), kNaN);
    for (int64_t number : finished_) {
      const auto& trial = by_number_[static_cast<size_t>(number)];
      const auto param = trial->params.find(name);
      if (param == trial->params.end()) continue;
      column.values[static_cast<size_t>(number)] = Encode(distribution, trial->distributions.at(name), param->second);
    }
    column.sorted.clear();
    for (int64_t number : finished_) {
      const double value = column.values[static_cast<size_t>(number)];
      if (!std::isnan(value)) column.sorted.emplace_back(value, number);
    }
    std::sort(column.sorted.begin(), column.sorted.end());
  }
  if (column.values.size() < by_number_.size()) column.values.resize(by_number_.size(), kNaN);
  return column;
}

const std::vector<double>& History::Below(int64_t n_below) {
  if (below_for_n_ != n_below || below_for_finished_ != finished_.size()) {
    ComputeBelow(n_below);
    below_for_n_ = n_below;
    below_for_finished_ = finished_.size();
  }
  return below_;
}

void History::ComputeBelow(int64_t n_below) {
  below_.assign(by_number_.size(), 0.0);
  // With constraints (some finished trial reported them), trials that broke one, or reported none, rank after all
  // feasible ones, by their total violation: Optuna's constrained TPE split (Watanabe 2023, arXiv:2304.11127,
  // section 3.7; the same order as Deb's constraint handling for NSGA-II).
  const bool constrained = std::any_of(finished_.begin(), finished_.end(), [&](int64_t number) {
    return !by_number_[static_cast<size_t>(number)]->Constraints().empty();
  });
  std::vector<int64_t> complete;
  std::vector<int64_t> pruned;
  std::vector<std::pair<double, int64_t>> infeasible;  // (total violation, number)
  for (int64_t number : finished_) {
    const FrozenTrial& trial = *by_number_[static_cast<size_t>(number)];
    if (constrained) {
      if (const double violation = Violation(trial); violation > 0.0) {
        infeasible.emplace_back(violation, number);
        continue;
      }
    }
    (trial.state == TrialState::kComplete ? complete : pruned).push_back(number);
  }
  auto loss = [&](const FrozenTrial& trial, size_t m) {
    return directions_[m] == StudyDirection::kMaximize ? -trial.values[m] : trial.values[m];
  };
  auto remaining = static_cast<size_t>(std::max<int64_t>(n_below, 0));
  const size_t from_complete = std::min(remaining, complete.size());
  if (from_complete > 0 && directions_.size() == 1) {
    std::vector<std::pair<double, int64_t>> ranked;
    ranked.reserve(complete.size());
    for (int64_t number : complete) ranked.emplace_back(loss(*by_number_[static_cast<size_t>(number)], 0), number);
    std::sort(ranked.begin(), ranked.end());
    ShareBelow(
        ranked, from_complete, [](const auto& a, const auto& b) { return a.first == b.first; }, below_);
  } else if (from_complete > 0) {
    std::vector<std::vector<double>> losses;
    losses.reserve(complete.size());
    for (int64_t number : complete) {
      const FrozenTrial& trial = *by_number_[static_cast<size_t>(number)];
      std::vector<double> row(directions_.size());
      for (size_t m = 0; m < row.size(); ++m) row[m] = loss(trial, m);
      losses.push_back(std::move(row));
    }
    for (size_t i : SelectBelowMultiObjective(losses, from_complete)) below_[static_cast<size_t>(complete[i])] = 1.0;
  }
  remaining -= from_complete;
  if (remaining == 0) return;
  const size_t from_pruned = std::min(remaining, pruned.size());
  if (from_pruned > 0) RankPruned(pruned, from_pruned);
  remaining -= from_pruned;
  if (remaining == 0 || infeasible.empty()) return;
  std::sort(infeasible.begin(), infeasible.end());
  ShareBelow(
      infeasible, remaining, [](const auto& a, const auto& b) { return a.first == b.first; }, below_);
}

void History::RankPruned(const std::vector<int64_t>& pruned, size_t places) {
  // Pruned trials: the deeper the last reported step, the better; then the value reported there (Optuna's rule).
  const bool maximize = directions_[0] == StudyDirection::kMaximize;
  std::vector<std::tuple<double, double, int64_t>> ranked;
  ranked.reserve(pruned.size());
  for (int64_t number : pruned) {
    const FrozenTrial& trial = *by_number_[static_cast<size_t>(number)];
    if (trial.intermediate_values.empty()) {
      ranked.emplace_back(1.0, 0.0, number);
      continue;
    }
    const auto& [step, value] = *trial.intermediate_values.rbegin();
    const double score = std::isnan(value) ? std::numeric_limits<double>::infinity() : (maximize ? -value : value);
    ranked.emplace_back(-static_cast<double>(step), score, number);
  }
  std::sort(ranked.begin(), ranked.end());
  ShareBelow(
      ranked, places,
      [](const auto& a, const auto& b) { return std::get<0>(a) == std::get<0>(b) && std::get<1>(a) == std::get<1>(b); },
      below_);
}

}  // namespace hyperscout::tpe
