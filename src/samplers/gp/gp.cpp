#include "samplers/gp/gp.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

namespace hyperscout::gp {
namespace {

constexpr double kMinVariance = 1e-12;
constexpr Eigen::Index kBlock = 32;

// Linear-interpolated quantile of sorted values (type 7, the common default).
double Quantile(const std::vector<double>& sorted, double p) {
  const double position = p * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  const double t = position - static_cast<double>(below);
  return sorted[below] + t * (sorted[above] - sorted[below]);
}

}  // namespace

void LowerTriangularInverse(const Eigen::MatrixXd& l, Eigen::MatrixXd& inverse) {
  // Column block [j0, j0 + b) of L^-1 is zero above row j0, so each block solves only the trailing
  // (n − j0) × (n − j0) system: n³/3 flops instead of the n³ of a solve against the full identity.
  const Eigen::Index n = l.rows();
  inverse.setZero(n, n);
  for (Eigen::Index j0 = 0; j0 < n; j0 += kBlock) {
    const Eigen::Index b = std::min(kBlock, n - j0);
    const Eigen::Index m = n - j0;
    auto block = inverse.block(j0, j0, m, b);
    block.topRows(b).setIdentity();
    l.bottomRightCorner(m, m).triangularView<Eigen::Lower>().solveInPlace(block);
  }
}

void InverseFromLowerInverse(const Eigen::MatrixXd& l_inverse, Eigen::MatrixXd& out) {
  // (L^-T L^-1)[a, J] for a >= j0 needs only rows >= j0 of L^-1 (both factors vanish above), so each column block
  // is one (n − j0)² · b product: 2n³/3 flops instead of n³ for a full symmetric rank update.
  const Eigen::Index n = l_inverse.rows();
  out.setZero(n, n);
  for (Eigen::Index j0 = 0; j0 < n; j0 += kBlock) {
    const Eigen::Index b = std::min(kBlock, n - j0);
    const Eigen::Index m = n - j0;
    out.block(j0, j0, m, b).noalias() = l_inverse.bottomRightCorner(m, m).transpose() * l_inverse.block(j0, j0, m, b);
  }
}

double CholeskyWithJitter(const Eigen::MatrixXd& k, Eigen::LLT<Eigen::MatrixXd>& llt) {
  llt.compute(k);
  if (llt.info() == Eigen::Success) return 0.0;
  const double scale = std::max(k.diagonal().mean(), 1e-300);
  Eigen::MatrixXd jittered = k;
  for (double jitter = 1e-10 * scale; jitter <= 1e-2 * scale; jitter *= 10.0) {
    jittered.diagonal() = k.diagonal().array() + jitter;
    llt.compute(jittered);
    if (llt.info() == Eigen::Success) return jitter;
  }
  // Not positive definite even with heavy jitter (only NaN or inf input gets here): an independent model.
  jittered = Eigen::MatrixXd(k.diagonal().cwiseMax(scale).asDiagonal());
  llt.compute(jittered);
  return scale;
}

Eigen::VectorXd WarpAndStandardize(const std::vector<double>& y) {
  Eigen::VectorXd out = Eigen::Map<const Eigen::VectorXd>(y.data(), static_cast<Eigen::Index>(y.size()));
  if (y.empty()) return out;
  std::vector<double> sorted = y;
  std::sort(sorted.begin(), sorted.end());
  const double q1 = Quantile(sorted, 0.25);
  const double q3 = Quantile(sorted, 0.75);
  const double iqr = q3 - q1;
  if (iqr > 0.0) {
    const double fence = q3 + 3.0 * iqr;
    for (auto& v : out) {
      if (v > fence) v = fence + iqr * std::log1p((v - fence) / iqr);
    }
  }
  const double mean = out.mean();
  const double variance = out.size() > 1 ? (out.array() - mean).square().sum() / static_cast<double>(out.size()) : 0.0;
  const double std_dev = variance > 1e-24 ? std::sqrt(variance) : 1.0;
  return (out.array() - mean) / std_dev;
}

void GaussianProcess::Fit(const KernelSpace& space, const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                          const Eigen::VectorXd& theta) {
  const int dims = space.dims();
  space_ = space;
  x_ = x;
  x_rows_ = x;
  y_ = y;
  theta_ = theta;
  inverse_squared_lengthscales_ = (-2.0 * theta.head(dims).array()).exp();
  s2_ = std::exp(theta(dims));
  const double noise = std::exp(theta(dims + 1));
  Eigen::MatrixXd k;
  KernelMatrix(space_, x_, x_, inverse_squared_lengthscales_, s2_, k);
  k.diagonal().array() += noise;
  jitter_ = CholeskyWithJitter(k, llt_);
  alpha_ = llt_.solve(y_);
  // Predictions multiply by L^-1 instead of solving with L: the same flops, but matrix products run several times
  // faster than triangular solves, and the batch of candidates is the larger cost.
  LowerTriangularInverse(llt_.matrixLLT(), l_inverse_);
}

void GaussianProcess::PredictBatch(const Eigen::MatrixXd& xs, Eigen::VectorXd& mean, Eigen::VectorXd& variance) const {
  Eigen::MatrixXd k;
  KernelMatrix(space_, x_, xs, inverse_squared_lengthscales_, s2_, k);  // n × m
  mean.noalias() = k.transpose() * alpha_;
  const Eigen::MatrixXd v = l_inverse_.triangularView<Eigen::Lower>() * k;  // var = s² − ‖L^-1 k*‖²
  variance = (s2_ - v.colwise().squaredNorm().transpose().array()).cwiseMax(kMinVariance * s2_);
}

void GaussianProcess::Predict(const Eigen::VectorXd& x, const std::vector<int>& grad_dims, double& mean,
                              double& variance, Eigen::VectorXd* dmean, Eigen::VectorXd* dvariance) const {
  const auto n = x_.rows();
  const int dims = space_.dims();
  const bool gradients = dmean != nullptr && dvariance != nullptr;
  k_star_.resize(n);
  slope_.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double r2 = ScaledSquaredDistance(x_rows_.row(i).data(), x.data(), inverse_squared_lengthscales_.data(),
                                            space_.categorical.data(), dims);
    k_star_(i) = Matern52(r2, s2_);
    if (gradients) slope_(i) = Matern52Slope(r2, s2_);
  }
  mean = k_star_.dot(alpha_);
  v_.noalias() = l_inverse_.triangularView<Eigen::Lower>() * k_star_;
  q_.noalias() = l_inverse_.transpose().triangularView<Eigen::Upper>() * v_;  // (K + σ_n² I)^-1 k*
  const double raw_variance = s2_ - v_.squaredNorm();
  variance = std::max(raw_variance, kMinVariance * s2_);
  if (!gradients) return;
  dmean->resize(static_cast<Eigen::Index>(grad_dims.size()));
  dvariance->resize(static_cast<Eigen::Index>(grad_dims.size()));
  for (size_t g = 0; g < grad_dims.size(); ++g) {
    const int j = grad_dims[g];
    // ∂k(x, x_i)/∂x_j = −g(r) (x_j − x_ij) / ℓ_j²  (kernel.hpp).
    double dm = 0.0;
    double dv = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) {
      const double dk = -slope_(i) * (x(j) - x_rows_(i, j)) * inverse_squared_lengthscales_(j);
      dm += dk * alpha_(i);
      dv += dk * q_(i);
    }
    (*dmean)(static_cast<Eigen::Index>(g)) = dm;
    // var = s² − k*ᵀ K^-1 k*  ⇒  ∂var = −2 (∂k*)ᵀ K^-1 k*; flat where the variance was floored.
    (*dvariance)(static_cast<Eigen::Index>(g)) = raw_variance > kMinVariance * s2_ ? -2.0 * dv : 0.0;
  }
}

}  // namespace hyperscout::gp
