// Exact Gaussian-process regression with fixed hyperparameters (Rasmussen and Williams 2006, Algorithm 2.1):
// one Cholesky factor of K + σ_n² I per fit, reused by every prediction. Hyperparameters are packed as
//   θ = [log ℓ_1, ..., log ℓ_d, log s², log σ_n², log a_1, log b_1, ..., log a_w, log b_w]
// (length-scales, signal variance, noise variance, and with KernelSpace::warp the Kumaraswamy shapes of the w
// numerical dimensions in order, kernel.hpp); prior.hpp chooses them.
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <utility>
#include <vector>

#include "samplers/gp/kernel.hpp"

namespace hyperscout::gp {

// Number of entries of θ for a space.
inline int ThetaSize(const KernelSpace& space) {
  return space.dims() + 2 + 2 * space.warped();
}

// Factors `k` in place (LLT) adding jitter to the diagonal when the plain factorization fails: 1e-10 of the mean
// diagonal first, ten times more on each retry, up to 1e-2 of it (e.g. duplicated points without noise). Returns the
// jitter added; the factor is then of k + jitter I. A matrix that still fails gets a diagonal fallback.
double CholeskyWithJitter(const Eigen::MatrixXd& k, Eigen::LLT<Eigen::MatrixXd>& llt);

// L^-1 of the lower triangle of l (the strict upper triangle is ignored), in n³/3 flops.
void LowerTriangularInverse(const Eigen::MatrixXd& l, Eigen::MatrixXd& inverse);
// The lower triangle of (L Lᵀ)^-1 = L^-T L^-1 from L^-1 (the rest of `out` is not meaningful), in 2n³/3 flops.
void InverseFromLowerInverse(const Eigen::MatrixXd& l_inverse, Eigen::MatrixXd& out);

// Observed values made ready for a zero-mean GP: a monotone compression of far-out bad values, then standardized.
// Values above Tukey's far-out fence Q3 + 3 IQR (Tukey 1977, "Exploratory Data Analysis") become
// fence + IQR · log1p((y − fence) / IQR), so one failed-looking run cannot flatten the rest of the surface while the
// order of all values stays the same (lower is better here). Then y ← (y − mean) / std. Infinite values count as the
// worst (or best) finite one; with none finite, all are 0.
Eigen::VectorXd WarpAndStandardize(const std::vector<double>& y);

// The mean and standard deviation that standardize `v`: finite for any finite values, however large or small (a
// scale of 1e300 or 1e-300 neither overflows nor underflows), and a deviation of 1 for values that are all the
// same up to rounding (within 1e-12 of their magnitude).
std::pair<double, double> StandardizingMoments(const Eigen::VectorXd& v);

class GaussianProcess {
 public:
  // x: n × d points (rows), y: n values, theta: ThetaSize(space) hyperparameters.
  void Fit(const KernelSpace& space, const Eigen::MatrixXd& x, const Eigen::VectorXd& y, const Eigen::VectorXd& theta);

  // Posterior mean and variance of the latent function at the rows of xs.
  void PredictBatch(const Eigen::MatrixXd& xs, Eigen::VectorXd& mean, Eigen::VectorXd& variance) const;
  // Posterior at one point; with gradients, also ∂mean/∂x_j and ∂variance/∂x_j for j in grad_dims (numerical
  // dimensions only).
  void Predict(const Eigen::VectorXd& x, const std::vector<int>& grad_dims, double& mean, double& variance,
               Eigen::VectorXd* dmean, Eigen::VectorXd* dvariance) const;

  // Posterior mean at the training points themselves (from the fit, without a kernel matrix).
  Eigen::VectorXd TrainingMean() const;

  int size() const { return static_cast<int>(x_.rows()); }
  const Eigen::MatrixXd& x() const { return x_; }
  const Eigen::VectorXd& y() const { return y_; }
  const Eigen::VectorXd& theta() const { return theta_; }
  const KernelSpace& space() const { return space_; }
  double jitter() const { return jitter_; }
  // The noise variance σ_n² of θ (without the jitter).
  double noise() const { return noise_; }

 private:
  KernelSpace space_;
  Eigen::MatrixXd x_;
  Eigen::MatrixXd xw_;  // x_ warped (kernel.hpp, WarpInputs) when space_.warp; empty otherwise
  // What the kernel sees: the warped inputs, or x_ itself.
  const Eigen::MatrixXd& kernel_x() const { return space_.warp ? xw_ : x_; }
  Eigen::VectorXd y_;
  Eigen::VectorXd theta_;
  Eigen::VectorXd inverse_squared_lengthscales_;
  double s2_ = 1.0;
  double noise_ = 0.0;
  double jitter_ = 0.0;
  Eigen::LLT<Eigen::MatrixXd> llt_;
  Eigen::VectorXd alpha_;      // (K + σ_n² I)^-1 y
  Eigen::MatrixXd l_inverse_;  // L^-1 for the Cholesky factor L
  Eigen::MatrixXd k_inverse_;  // (K + σ_n² I)^-1 = L^-T L^-1, both triangles
  // Scratch for Fit, PredictBatch and Predict: kept between calls, so a model refitted every trial (the sampler
  // keeps one per study) reuses its buffers instead of allocating fresh pages for each n × n and n × m matrix.
  // So predictions on one model are not safe from several threads at once (the sampler's lock serializes them).
  Eigen::MatrixXd k_;
  mutable Eigen::MatrixXd batch_k_;
  mutable Eigen::MatrixXd batch_v_;
  mutable Eigen::MatrixXd batch_warped_;
  mutable Eigen::VectorXd k_star_;
  mutable Eigen::VectorXd q_;
  mutable Eigen::VectorXd slope_;
  mutable Eigen::VectorXd warped_point_;
  mutable Eigen::VectorXd warp_slope_;
};

}  // namespace hyperscout::gp
