// Kernel hyperparameters by maximum a posteriori: minimize
//   L(θ) = −log p(y | θ) − log p(θ)
// over θ = [log ℓ_1..d, log s², log σ_n², (log a, log b) per warped dimension] (gp.hpp) with box-constrained
// L-BFGS from several starts.
//
// Priors (for standardized outputs on the unit cube; the search runs over the logs in θ):
// - ℓ_j ~ LogNormal(√2 + ½ log d, 3): the dimension-scaled length-scale prior of Hvarfner, Hellsten and Nardi 2024,
//   "Vanilla Bayesian optimization performs great in high dimensions" (ICML), section 4. Longer length-scales as d
//   grows keep the model from treating every point as unrelated in high dimensions. The penalty is the density of ℓ
//   itself, −log p(ℓ) = (log ℓ − μ)² / 2σ² + log ℓ, as in the paper's BoTorch implementation: its mode is
//   exp(μ − σ²) (0.5 for d = 6), not the median exp(μ) (10 for d = 6). A normal density on log ℓ alone put the MAP
//   length-scales of dimensions the data barely inform near 10, where the model is flat along them and sends every
//   suggestion to a face of the cube (on 6-D Hartmann most suggestions sat at a bound of two such dimensions).
// - log s² ~ N(0, 1): the output is standardized, so the signal variance stays near 1.
// - σ_n²: the horseshoe prior of Carvalho, Polson and Scott 2010 ("The horseshoe estimator for sparse signals",
//   Biometrika) with scale τ = 0.1, used on the noise in Snoek, Larochelle and Adams 2012 ("Practical Bayesian
//   optimization of machine learning algorithms", NeurIPS): −log p(σ_n²) = −log log(1 + 3 τ² / σ_n⁴), between the
//   bounds of its density. Its density grows without bound towards 0 and has Cauchy tails, so the data decide the
//   noise in both directions: a deterministic objective is interpolated (the noise falls to the floor, 1e-6)
//   instead of smoothed, a noisy one gets the noise it shows. The log-normal N(−4, 1) on log σ_n² used before held
//   the noise above ~1e-3 of the output variance, and that smoothing blurred the local structure of deterministic
//   multimodal objectives. With deterministic_objective σ_n² is fixed at kDeterministicNoise instead.
// - log a, log b of each warped dimension (kernel.hpp, input warping) ~ N(0, 0.35²), within [log 0.1, log 10]: the
//   identity is the most likely warp, and shapes between 0.5 and 2 (two standard deviations) stay cheap, so the data
//   can bend a dimension that needs it without every dimension bending to fit a few points. A looser N(0, 0.75²)
//   was measured worse on bbob D = 5 and on Hartmann-6 (bench/README.md, "GP input warping").
// The marginal likelihood and its gradient follow Rasmussen and Williams 2006, eqs. (2.30) and (5.9):
//   −log p(y | θ) = ½ yᵀα + Σ log L_ii + n/2 log 2π,   ∂/∂θ_j = ½ tr((K^-1 − ααᵀ) ∂K/∂θ_j).
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <vector>

#include "samplers/gp/kernel.hpp"

namespace hyperscout::gp {

inline constexpr double kDeterministicNoise = 1e-6;
inline constexpr double kNoiseStart = 1e-2;

struct HyperparameterBounds {
  Eigen::VectorXd lower;
  Eigen::VectorXd upper;
};

// `warped`: the number of warped dimensions (KernelSpace::warped()), whose (log a, log b) pairs follow the noise.
HyperparameterBounds Bounds(int dims, bool deterministic, int warped = 0);
// The default first start: the mode of the length-scale and signal priors, the noise at kNoiseStart (the horseshoe
// has no mode).
Eigen::VectorXd PriorMode(int dims, bool deterministic, int warped = 0);

// L(θ) and, when grad is not null, ∂L/∂θ. With `deterministic`, θ's noise entry is ignored (taken as
// log kDeterministicNoise) and its gradient is 0.
double NegativeLogPosterior(const KernelSpace& space, const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                            const Eigen::VectorXd& theta, bool deterministic, Eigen::VectorXd* grad);

// The best MAP estimate over L-BFGS-B runs from each start (each clipped to the bounds); `min_value`, when not null,
// receives its L(θ).
Eigen::VectorXd FitHyperparameters(const KernelSpace& space, const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                                   const std::vector<Eigen::VectorXd>& starts, bool deterministic, int max_iterations,
                                   double* min_value = nullptr);

// Whether a warped fit explains n observations enough better than the plain fit to pay for its 2·warped extra
// hyperparameters (GpOptions::input_warping = "auto"): its L(θ) must be lower by more than ½ log n per extra
// hyperparameter, the penalty of the Bayesian information criterion (Schwarz 1978, "Estimating the dimension of a
// model", Annals of Statistics). The MAP value alone always favours the warped model, which contains the plain one
// (a = b = 1), so without a penalty every dimension would bend to fit a few points.
inline bool WarpingPays(double plain_value, double warped_value, Eigen::Index n, int warped) {
  return plain_value - warped_value > std::log(static_cast<double>(std::max<Eigen::Index>(n, 1))) * warped;
}

// Prior parameters, exposed for tests and docs.
struct PriorParameters {
  double lengthscale_mean;
  double lengthscale_std;
  double signal_mean = 0.0;
  double signal_std = 1.0;
  double noise_scale = 0.1;  // τ of the horseshoe on σ_n²
  double warp_std = 0.35;    // log a, log b ~ N(0, warp_std²): centred on the identity warp
};
PriorParameters DefaultPrior(int dims);

// A draw from the prior clipped to the bounds (extra starts); normal() returns standard normal draws.
template <typename Normal>
Eigen::VectorXd PriorDraw(int dims, bool deterministic, Normal&& normal, int warped = 0) {
  const PriorParameters p = DefaultPrior(dims);
  const HyperparameterBounds b = Bounds(dims, deterministic, warped);
  Eigen::VectorXd theta(dims + 2 + 2 * warped);
  for (int j = 0; j < dims; ++j) theta(j) = p.lengthscale_mean + p.lengthscale_std * normal();
  theta(dims) = p.signal_mean + p.signal_std * normal();
  // Horseshoe: σ_n² = |τ λ z| with z standard normal and λ standard half-Cauchy (a ratio of two normals).
  const double z = normal();
  const double lambda = normal() / normal();
  theta(dims + 1) = std::log(std::max(std::abs(p.noise_scale * lambda * z), 1e-300));
  for (int k = 0; k < 2 * warped; ++k) theta(dims + 2 + k) = p.warp_std * normal();
  return theta.cwiseMax(b.lower).cwiseMin(b.upper);
}

}  // namespace hyperscout::gp
