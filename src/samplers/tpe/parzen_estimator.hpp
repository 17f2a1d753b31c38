// The Parzen estimator behind TPE: a weighted mixture of product kernels, one kernel per observation plus a
// prior kernel (Bergstra et al. 2011, "Algorithms for Hyper-Parameter Optimization", section 4; Watanabe 2023,
// "Tree-structured Parzen estimator: understanding its algorithm components", arXiv:2304.11127, eq. (4)).
//
// Numerical parameters are modelled on the unit interval given by math::ToUnit (so log parameters are on the log
// scale and every numerical dimension has range 1); categorical parameters are modelled on their choice indices.
// Kernels are Gaussians truncated to [0, 1]. Discrete parameters (ints, stepped floats) put each kernel's mass on
// grid cells: the probability of a value is the kernel's mass over that value's cell, which is also what sampling
// a continuous point and taking its cell draws (Watanabe 2023, section 3.3, "discrete parameters").
#pragma once

#include <cstdint>
#include <vector>

#include "hyperscout/common/rng.hpp"
#include "hyperscout/core/distribution.hpp"

namespace hyperscout::tpe {

// How one parameter looks to the estimator.
struct ParzenDim {
  enum class Kind { kContinuous, kDiscrete, kCategorical };

  Kind kind = Kind::kContinuous;
  int64_t n = 0;  // grid cells (discrete) or choices (categorical)
  // Cells are equal slices of [0, 1] except for log-scaled ints, whose cell for value v is [log(v - 0.5),
  // log(v + 0.5)] rescaled by (log_lo, log_span), as in math::ToUnit.
  bool log_int = false;
  double log_lo = 0.0;
  double log_span = 1.0;
  int64_t low = 0;

  static ParzenDim From(const Distribution& distribution);
  int64_t CellOf(double u) const;
  void CellEdges(int64_t cell, double& left, double& right) const;
  // A unit value inside the cell, safe to pass to math::FromUnit.
  double CellCenter(int64_t cell) const;
};

enum class BandwidthRule {
  kNeighbor,  // per dimension, the larger gap to a sorted neighbour (hyperopt's rule; Optuna's default)
  kScott,     // 0.2 * n^(-1/(D+4)) per dimension (Scott's rule as used by multivariate TPE)
};

struct ParzenOptions {
  bool consider_prior = true;
  double prior_weight = 1.0;
  bool consider_magic_clip = true;
  bool consider_endpoints = false;
  BandwidthRule bandwidth = BandwidthRule::kNeighbor;
};

class ParzenEstimator {
 public:
  // `observations` is column-major: observations[d * n_obs + i] is observation i in dimension d (a unit value, or a
  // choice index for categorical dimensions). `weights` has n_obs non-negative entries (they need not sum to 1).
  // Buffers are reused between fits, so refitting allocates nothing once warm.
  // `orders`, when given, holds per dimension the observation indices in ascending order of value (categorical
  // dimensions may be empty); callers that keep sorted histories pass it so that fitting does not sort.
  void Fit(const std::vector<ParzenDim>& dims, const std::vector<double>& observations, size_t n_obs,
           const std::vector<double>& weights, const ParzenOptions& options,
           const std::vector<std::vector<uint32_t>>* orders = nullptr);

  // Draws `count` points, row-major into `out` (count x dims): unit values for continuous dimensions, cell indices
  // for discrete ones, choice indices for categorical ones.
  void Sample(Rng& rng, size_t count, std::vector<double>& out) const;
  // Log density of each row of `points` (same layout as Sample), with discrete and categorical dimensions counted
  // as probability masses.
  void LogPdf(const std::vector<double>& points, size_t count, std::vector<double>& out) const;

  size_t n_kernels() const { return log_weights_.size(); }

 private:
  void FitNumerical(size_t d, const double* column, size_t n_obs, const ParzenOptions& options, const uint32_t* order);
  void IndexDistinctKernels(size_t d, size_t n_obs, const uint32_t* order);

  std::vector<ParzenDim> dims_;
  size_t n_obs_ = 0;
  std::vector<double> log_weights_;             // per kernel
  std::vector<double> cumulative_;              // per kernel, for choosing a kernel when sampling
  std::vector<double> kernel_const_;            // per kernel: log weight plus every dimension's normalizer
  std::vector<std::vector<double>> mu_;         // per dimension, per kernel (choice index for categorical, -1 = prior)
  std::vector<std::vector<double>> sigma_;      // per dimension, per kernel
  std::vector<std::vector<double>> inv_sigma_;  // per dimension, per kernel
  // Discrete dimensions: the distinct (mu, 1 / sigma) pairs and each kernel's pair.
  std::vector<std::vector<double>> distinct_mu_;
  std::vector<std::vector<double>> distinct_inv_sigma_;
  std::vector<std::vector<uint32_t>> distinct_of_;
  std::vector<double> log_hit_;   // categorical: log probability of the observed choice
  std::vector<double> log_miss_;  // categorical: log probability of any other choice
  // Scratch buffers.
  std::vector<double> sigma_product_;
  mutable std::vector<double> acc_;
  mutable std::vector<std::vector<int64_t>> cached_cells_;  // per discrete dimension: cells seen in this LogPdf
  mutable std::vector<std::vector<double>> cached_masses_;  // their masses, one row of distinct pairs per cell
  std::vector<uint32_t> order_;
  std::vector<double> sorted_;
  std::vector<uint32_t> bucket_of_;
  std::vector<uint32_t> starts_;
};

// log(Phi(b) - Phi(a)) for a < b, accurate in the tails and for narrow intervals.
double LogGaussMass(double a, double b);
// log(sum(exp(x))) over n values, stable for large magnitudes; -inf for n == 0. Overwrites x (scratch).
double LogSumExp(double* x, size_t n);

}  // namespace hyperscout::tpe
