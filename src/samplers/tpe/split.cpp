#include "samplers/tpe/split.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <numeric>

namespace hyperscout::tpe {
namespace {

bool DominatesLoss(const std::vector<double>& a, const std::vector<double>& b) {
  bool strictly = false;
  for (size_t m = 0; m < a.size(); ++m) {
    if (a[m] > b[m]) return false;
    if (a[m] < b[m]) strictly = true;
  }
  return strictly;
}

// Greedy hypervolume subset selection for two objectives: repeatedly take the point that adds the most
// hypervolume to what is already chosen (greedy is a (1 - 1/e) approximation; Guerreiro et al. 2016). The points of
// one front are mutually nondominated, so the chosen ones form a staircase sorted by the first objective, and the
// area a candidate adds is the rectangle between its staircase neighbours: O(log k) per candidate.
std::vector<size_t> SelectByHypervolume(const std::vector<std::vector<double>>& losses,
                                        const std::vector<size_t>& front, size_t count) {
  // Reference point as in Optuna's MOTPE: just past the front's worst corner.
  double ref[2];
  for (size_t m = 0; m < 2; ++m) {
    double worst = -std::numeric_limits<double>::infinity();
    for (size_t i : front) worst = std::max(worst, losses[i][m]);
    ref[m] = std::max(1.1 * worst, 0.9 * worst);
    if (ref[m] == 0.0) ref[m] = 1e-12;
  }
  std::vector<size_t> chosen;
  std::vector<char> taken(front.size(), 0);
  std::vector<std::pair<double, double>> staircase;  // chosen points, ascending in the first objective
  while (chosen.size() < count) {
    size_t best = front.size();
    double best_gain = -1.0;
    for (size_t j = 0; j < front.size(); ++j) {
      if (taken[j]) continue;
      const double x = losses[front[j]][0];
      const double y = losses[front[j]][1];
      const auto right = std::upper_bound(staircase.begin(), staircase.end(), std::make_pair(x, y));
      const double right_x = right == staircase.end() ? ref[0] : right->first;
      const double left_y = right == staircase.begin() ? ref[1] : std::prev(right)->second;
      const double gain = std::max(0.0, right_x - x) * std::max(0.0, left_y - y);
      if (gain > best_gain) {
        best_gain = gain;
        best = j;
      }
    }
    taken[best] = 1;
    chosen.push_back(front[best]);
    const std::pair<double, double> point(losses[front[best]][0], losses[front[best]][1]);
    staircase.insert(std::upper_bound(staircase.begin(), staircase.end(), point), point);
  }
  return chosen;
}

// Largest crowding distance first; the extremes of each objective count as infinitely far from the crowd.
std::vector<size_t> SelectByCrowding(const std::vector<std::vector<double>>& losses, const std::vector<size_t>& front,
                                     size_t count) {
  const size_t n_objectives = losses[front[0]].size();
  std::vector<double> distance(front.size(), 0.0);
  std::vector<size_t> order(front.size());
  for (size_t m = 0; m < n_objectives; ++m) {
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return losses[front[a]][m] < losses[front[b]][m]; });
    const double span = losses[front[order.back()]][m] - losses[front[order.front()]][m];
    distance[order.front()] = std::numeric_limits<double>::infinity();
    distance[order.back()] = std::numeric_limits<double>::infinity();
    if (!(span > 0.0)) continue;
    for (size_t j = 1; j + 1 < order.size(); ++j) {
      distance[order[j]] += (losses[front[order[j + 1]]][m] - losses[front[order[j - 1]]][m]) / span;
    }
  }
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return distance[a] > distance[b]; });
  std::vector<size_t> chosen;
  for (size_t j = 0; j < count; ++j) chosen.push_back(front[order[j]]);
  return chosen;
}

}  // namespace

int64_t DefaultGamma(int64_t n, double fraction, int64_t cap) {
  const auto below = static_cast<int64_t>(std::ceil(fraction * static_cast<double>(n) - 1e-9));
  return std::clamp<int64_t>(cap > 0 ? std::min(below, cap) : below, 0, n);
}

void DefaultWeights(size_t n, std::vector<double>& out) {
  out.assign(n, 1.0);
  constexpr size_t kFlat = 25;
  if (n <= kFlat) return;
  // numpy.linspace(1 / n, 1, n - 25) over the oldest observations.
  const size_t ramp = n - kFlat;
  const double start = 1.0 / static_cast<double>(n);
  for (size_t i = 0; i < ramp; ++i) {
    out[i] = ramp == 1 ? start : start + (1.0 - start) * static_cast<double>(i) / static_cast<double>(ramp - 1);
  }
}

double Hypervolume2d(std::vector<std::pair<double, double>> points, double ref0, double ref1) {
  std::sort(points.begin(), points.end());
  double volume = 0.0;
  double floor1 = ref1;  // best second objective seen so far while sweeping the first upwards
  for (const auto& [f0, f1] : points) {
    if (f0 >= ref0 || f1 >= floor1) continue;
    volume += (ref0 - f0) * (floor1 - f1);
    floor1 = f1;
  }
  return volume;
}

std::vector<size_t> SelectBelowMultiObjective(const std::vector<std::vector<double>>& losses, size_t n_below) {
  const size_t n = losses.size();
  std::vector<size_t> selected;
  if (n_below >= n) {
    selected.resize(n);
    std::iota(selected.begin(), selected.end(), size_t{0});
    return selected;
  }
  // In lexicographic order a point's dominators all come before it, and a point dominated by a remaining point is
  // also dominated by a member of the current front (transitivity), so peeling one front only compares against
  // that front's members.
  std::vector<size_t> remaining(n);
  std::iota(remaining.begin(), remaining.end(), size_t{0});
  std::stable_sort(remaining.begin(), remaining.end(), [&](size_t a, size_t b) { return losses[a] < losses[b]; });
  std::vector<size_t> front;
  std::vector<size_t> rest;
  while (selected.size() < n_below && !remaining.empty()) {
    front.clear();
    rest.clear();
    for (size_t i : remaining) {
      const bool dominated =
          std::any_of(front.begin(), front.end(), [&](size_t f) { return DominatesLoss(losses[f], losses[i]); });
      (dominated ? rest : front).push_back(i);
    }
    const size_t room = n_below - selected.size();
    if (front.size() <= room) {
      selected.insert(selected.end(), front.begin(), front.end());
      remaining.swap(rest);
      continue;
    }
    const auto chosen =
        losses[front[0]].size() == 2 ? SelectByHypervolume(losses, front, room) : SelectByCrowding(losses, front, room);
    selected.insert(selected.end(), chosen.begin(), chosen.end());
  }
  return selected;
}

}  // namespace hyperscout::tpe
