// Kernel hyperparameters by maximum a posteriori: minimize
//   L(θ) = −log p(y | θ) − log p(θ)
// over θ = [log ℓ_1..d, log s², log σ_n²] (gp.hpp) with box-constrained L-BFGS from several starts.
//
// Priors (all on the log parameters, for standardized outputs on the unit cube):
// - log ℓ_j ~ N(√2 + ½ log d, 3): the dimension-scaled length-scale prior of Hvarfner, Hellsten and Nardi 2024,
//   "Vanilla Bayesian optimization performs great in high dimensions" (ICML), section 4. Longer length-scales as d
//   grows keep the model from treating every point as unrelated in high dimensions.
// - log s² ~ N(0, 1): the output is standardized, so the signal variance stays near 1.
// - log σ_n² ~ N(−4, 1), the noise prior that accompanies Hvarfner et al.'s length-scale prior (as in BoTorch); with
//   a deterministic objective σ_n² is fixed at kDeterministicNoise instead.
// The marginal likelihood and its gradient follow Rasmussen and Williams 2006, eqs. (2.30) and (5.9):
//   −log p(y | θ) = ½ yᵀα + Σ log L_ii + n/2 log 2π,   ∂/∂θ_j = ½ tr((K^-1 − ααᵀ) ∂K/∂θ_j).
#pragma once

#include <Eigen/Core>
#include <vector>

#include "samplers/gp/kernel.hpp"

namespace hyperscout::gp {

inline constexpr double kDeterministicNoise = 1e-6;

struct HyperparameterBounds {
  Eigen::VectorXd lower;
  Eigen::VectorXd upper;
};

HyperparameterBounds Bounds(int dims, bool deterministic);
// The prior's mode: the default first start.
Eigen::VectorXd PriorMode(int dims, bool deterministic);

// L(θ) and, when grad is not null, ∂L/∂θ. With `deterministic`, θ's noise entry is ignored (taken as
// log kDeterministicNoise) and its gradient is 0.
double NegativeLogPosterior(const KernelSpace& space, const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                            const Eigen::VectorXd& theta, bool deterministic, Eigen::VectorXd* grad);

// The best MAP estimate over L-BFGS-B runs from each start (each clipped to the bounds).
Eigen::VectorXd FitHyperparameters(const KernelSpace& space, const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                                   const std::vector<Eigen::VectorXd>& starts, bool deterministic, int max_iterations);

// Prior parameters, exposed for tests and docs.
struct PriorParameters {
  double lengthscale_mean;
  double lengthscale_std;
  double signal_mean = 0.0;
  double signal_std = 1.0;
  double noise_mean = -4.0;
  double noise_std = 1.0;
};
PriorParameters DefaultPrior(int dims);

// A draw from the prior clipped to the bounds (extra starts); normal() returns standard normal draws.
template <typename Normal>
Eigen::VectorXd PriorDraw(int dims, bool deterministic, Normal&& normal) {
  const PriorParameters p = DefaultPrior(dims);
  const HyperparameterBounds b = Bounds(dims, deterministic);
  Eigen::VectorXd theta(dims + 2);
  for (int j = 0; j < dims; ++j) theta(j) = p.lengthscale_mean + p.lengthscale_std * normal();
  theta(dims) = p.signal_mean + p.signal_std * normal();
  theta(dims + 1) = p.noise_mean + p.noise_std * normal();
  return theta.cwiseMax(b.lower).cwiseMin(b.upper);
}

}  // namespace hyperscout::gp
