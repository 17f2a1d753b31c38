#include "samplers/tpe/history.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include "math/transform.hpp"
#include "samplers/tpe/split.hpp"

namespace hyperscout::tpe {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

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
  const std::vector<FrozenTrialPtr> trials = study.TrialsSnapshot();
  running_.clear();
  for (const auto& trial : trials) {
    const auto number = static_cast<size_t>(trial->number);
    if (number < seen_.size() && seen_[number]) continue;
    if (trial->state == TrialState::kRunning) {
      if (trial->number != current) running_.push_back(trial);
      continue;
    }
    if (trial->state == TrialState::kWaiting) continue;
    if (number >= seen_.size()) seen_.resize(number + 1, 0);
    seen_[number] = 1;
    if (trial->state == TrialState::kComplete || trial->state == TrialState::kPruned) Ingest(trial);
  }
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

const std::vector<char>& History::Below(int64_t n_below) {
  if (below_for_n_ != n_below || below_for_finished_ != finished_.size()) {
    ComputeBelow(n_below);
    below_for_n_ = n_below;
    below_for_finished_ = finished_.size();
  }
  return below_;
}

void History::ComputeBelow(int64_t n_below) {
  below_.assign(by_number_.size(), 0);
  std::vector<int64_t> complete;
  std::vector<int64_t> pruned;
  for (int64_t number : finished_) {
    (by_number_[static_cast<size_t>(number)]->state == TrialState::kComplete ? complete : pruned).push_back(number);
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
    std::nth_element(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(from_complete - 1), ranked.end());
    for (size_t i = 0; i < from_complete; ++i) below_[static_cast<size_t>(ranked[i].second)] = 1;
  } else if (from_complete > 0) {
    std::vector<std::vector<double>> losses;
    losses.reserve(complete.size());
    for (int64_t number : complete) {
      const FrozenTrial& trial = *by_number_[static_cast<size_t>(number)];
      std::vector<double> row(directions_.size());
      for (size_t m = 0; m < row.size(); ++m) row[m] = loss(trial, m);
      losses.push_back(std::move(row));
    }
    for (size_t i : SelectBelowMultiObjective(losses, from_complete)) below_[static_cast<size_t>(complete[i])] = 1;
  }
  remaining -= from_complete;
  if (remaining == 0 || pruned.empty()) return;
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
  for (size_t i = 0; i < std::min(remaining, ranked.size()); ++i)
    below_[static_cast<size_t>(std::get<2>(ranked[i]))] = 1;
}

}  // namespace hyperscout::tpe
