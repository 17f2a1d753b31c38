// Choosing TPE's "below" (good) observations among finished trials.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hyperscout::tpe {

// Number of "below" trials among n finished ones: ceil(fraction * n), at most `cap` when cap > 0 (Optuna's
// default is fraction 0.1, cap 25 for one objective, no cap for several; Watanabe 2023, section 3.1).
int64_t DefaultGamma(int64_t n, double fraction, int64_t cap);

// Weights of n observations in trial-number order: 1 for the 25 newest, a linear ramp from 1/n up to 1 for older
// ones (Bergstra et al. 2011; Optuna's default_weights; Watanabe 2023, section 3.2).
void DefaultWeights(size_t n, std::vector<double>& out);

// Indices of `n_below` points chosen from `losses` (one row per point, every objective minimized): whole
// nondomination fronts first (Watanabe 2023, section 3.6), and the front that does not fit is thinned greedily by
// hypervolume contribution for two objectives (the hypervolume subset selection of Optuna's MOTPE) or by crowding
// distance (Deb et al. 2002, NSGA-II) for three or more.
std::vector<size_t> SelectBelowMultiObjective(const std::vector<std::vector<double>>& losses, size_t n_below);

// 2-D hypervolume dominated by `points` (minimized) and bounded by `reference`.
double Hypervolume2d(std::vector<std::pair<double, double>> points, double ref0, double ref1);

}  // namespace hyperscout::tpe
