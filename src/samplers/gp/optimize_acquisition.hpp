// Maximizing the acquisition over a mixed space: a quasi-random candidate set plus perturbations of the best
// observed points scores the whole space cheaply (one batched prediction); the best few candidates then go through
// alternating local searches, L-BFGS-B over the continuous coordinates (Byrd et al. 1995) and a greedy pass over
// the discrete ones (neighbouring grid values, or values along the whole range of a grid with many, every other
// category), until neither improves (the mixed scheme of Optuna's GPSampler and of Daulton et al. 2022, "Bayesian
// optimization over discrete and mixed spaces via probabilistic reparameterization", in its simplest, deterministic
// form).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <vector>

#include "samplers/gp/acquisition.hpp"

namespace hyperscout::gp {

struct SearchDim {
  enum class Kind { kContinuous, kGrid, kCategorical };
  Kind kind = Kind::kContinuous;
  std::vector<double> grid;  // kGrid: the admissible unit-cube values, ascending
  int n_choices = 0;         // kCategorical: coordinates are choice indices 0 .. n_choices - 1
};

struct AcquisitionSearchOptions {
  int n_candidates = 512;  // quasi-random candidates scored in one batch
  int n_local = 5;         // best candidates refined by local search
  int max_rounds = 4;      // alternations of continuous and discrete search per start
  int lbfgs_iterations = 20;
};

// Moves every coordinate of x onto its dimension's admissible set.
void Snap(const std::vector<SearchDim>& dims, Eigen::Ref<Eigen::VectorXd> x);

// Whether a snapped point is ruled out (the sampler's configurations already evaluated or running).
using Excluded = std::function<bool(const Eigen::VectorXd&)>;

// The best point found (rows of `anchors` are good observed points to search around, may be empty). With
// `excluded`, the local searches start only from candidates it accepts and never move onto a point it rejects, so the
// result is an accepted point whenever one of the candidates is; when every candidate is rejected (a small discrete
// space whose configurations have all been tried), the search runs as without it.
Eigen::VectorXd MaximizeAcquisition(const AcquisitionModel& model, const std::vector<SearchDim>& dims,
                                    const Eigen::MatrixXd& anchors, uint64_t seed,
                                    const AcquisitionSearchOptions& options, const Excluded& excluded = {},
                                    double* best_value = nullptr);

}  // namespace hyperscout::gp
