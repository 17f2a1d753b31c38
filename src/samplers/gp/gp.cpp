#include "samplers/gp/gp.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

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

std::pair<double, double> StandardizingMoments(const Eigen::VectorXd& v) {
  if (v.size() == 0) return {0.0, 1.0};
  const double magnitude = v.cwiseAbs().maxCoeff();
  double mean = v.mean();
  double variance = v.size() > 1 ? (v.array() - mean).square().sum() / static_cast<double>(v.size()) : 0.0;
  // Squares of values beyond about 1e150 overflow, of deviations below about 1e-160 underflow: compute those on
  // values divided by their magnitude (the two paths agree where both are exact; the first keeps ordinary data's
  // results bit for bit as they were).
  if (magnitude > 1e150 || (magnitude > 0.0 && magnitude < 1e-150)) {
    const Eigen::ArrayXd u = v.array() / magnitude;
    const double mean_u = u.mean();
    mean = mean_u * magnitude;
    const double variance_u = v.size() > 1 ? (u - mean_u).square().sum() / static_cast<double>(v.size()) : 0.0;
    const double std_dev = std::sqrt(variance_u) * magnitude;
    return {mean, std_dev > 1e-12 * magnitude ? std_dev : 1.0};
  }
  // Up to rounding of values of this magnitude, or (what an absolute floor kept) below 1e-12 on a unit scale.
  const double floor = 1e-12 * std::max(magnitude, 1.0);
  return {mean, variance > floor * floor ? std::sqrt(variance) : 1.0};
}

Eigen::VectorXd WarpAndStandardize(const std::vector<double>& y) {
  Eigen::VectorXd out = Eigen::Map<const Eigen::VectorXd>(y.data(), static_cast<Eigen::Index>(y.size()));
  if (y.empty()) return out;
  // Infinite values (an objective's "as bad as it gets") take the largest or smallest finite value, so the model
  // still sees the rest of the surface; NaN never reaches here (such trials FAIL).
  double lo = std::numeric_limits<double>::infinity();
  double hi = -lo;
  for (const double v : y) {
    if (std::isfinite(v)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (lo > hi) return Eigen::VectorXd::Zero(out.size());
  out = out.cwiseMax(lo).cwiseMin(hi);
  std::vector<double> sorted(out.data(), out.data() + out.size());
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
  const auto [mean, std_dev] = StandardizingMoments(out);
  return (out.array() - mean) / std_dev;
}

void GaussianProcess::Fit(const KernelSpace& space, const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                          const Eigen::VectorXd& theta) {
  const int dims = space.dims();
  space_ = space;
  x_ = x;
  y_ = y;
  theta_ = theta;
  inverse_squared_lengthscales_ = (-2.0 * theta.head(dims).array()).exp();
  s2_ = std::exp(theta(dims));
  noise_ = std::exp(theta(dims + 1));
  if (space_.warp) {
    WarpInputs(space_, theta.data() + dims + 2, x_, xw_);
  } else {
    xw_.resize(0, 0);
  }
  KernelMatrix(space_, kernel_x(), kernel_x(), inverse_squared_lengthscales_, s2_, k_);
  k_.diagonal().setConstant(s2_ + noise_);  // r² = 0 exactly on the diagonal
  jitter_ = CholeskyWithJitter(k_, llt_);
  alpha_ = llt_.solve(y_);
  // Predictions multiply by L^-1 instead of solving with L: the same flops, but matrix products run several times
  // faster than triangular solves, and the batch of candidates is the larger cost.
  LowerTriangularInverse(llt_.matrixLLT(), l_inverse_);
  // A single prediction (the local search's many) needs K^-1 k* for the variance and its gradient: one product with
  // the full symmetric inverse costs n² and runs as a plain matrix-vector product, where L^-1 and then L^-T are two
  // triangular ones of the same total size but far slower per flop.
  InverseFromLowerInverse(l_inverse_, k_inverse_);
  k_inverse_.triangularView<Eigen::StrictlyUpper>() = k_inverse_.transpose();
}

void GaussianProcess::PredictBatch(const Eigen::MatrixXd& xs, Eigen::VectorXd& mean, Eigen::VectorXd& variance) const {
  if (space_.warp) WarpInputs(space_, theta_.data() + space_.dims() + 2, xs, batch_warped_);
  Eigen::MatrixXd& k = batch_k_;  // n × m
  KernelMatrix(space_, kernel_x(), space_.warp ? batch_warped_ : xs, inverse_squared_lengthscales_, s2_, k);
  mean.noalias() = k.transpose() * alpha_;
  batch_v_.noalias() = l_inverse_.triangularView<Eigen::Lower>() * k;  // var = s² − ‖L^-1 k*‖²
  variance = (s2_ - batch_v_.colwise().squaredNorm().transpose().array()).cwiseMax(kMinVariance * s2_);
}

Eigen::VectorXd GaussianProcess::TrainingMean() const {
  // (K + (σ_n² + jitter) I) α = y, so K α = y − (σ_n² + jitter) α.
  return y_ - (noise_ + jitter_) * alpha_;
}

void GaussianProcess::Predict(const Eigen::VectorXd& point, const std::vector<int>& grad_dims, double& mean,
                              double& variance, Eigen::VectorXd* dmean, Eigen::VectorXd* dvariance) const {
  const auto n = x_.rows();
  const bool gradients = dmean != nullptr && dvariance != nullptr;
  // With warping the kernel sees w(x); gradients in x are those in w(x) times dw/dx (chain rule, below).
  const Eigen::VectorXd* xp = &point;
  if (space_.warp) {
    WarpPoint(space_, theta_.data() + space_.dims() + 2, point, warped_point_, warp_slope_);
    xp = &warped_point_;
  }
  const Eigen::VectorXd& x = *xp;
  ScaledSquaredDistancesToPoint(space_, kernel_x(), x, inverse_squared_lengthscales_, k_star_);
  if (gradients) slope_.resize(n);
  MaternInPlace(space_.matern, k_star_.data(), gradients ? slope_.data() : nullptr, n, s2_);
  mean = k_star_.dot(alpha_);
  q_.noalias() = k_inverse_ * k_star_;  // (K + σ_n² I)^-1 k*
  const double raw_variance = s2_ - k_star_.dot(q_);
  variance = std::max(raw_variance, kMinVariance * s2_);
  if (!gradients) return;
  // ∂k(x, x_i)/∂x_j = −g_i (x_j − x_ij) / ℓ_j² (x and x_i warped, times dw/dx_j with warping), so with c = g ∘ α:
  //   ∂mean/∂x_j = −(x_j Σ_i c_i − Σ_i c_i x_ij) / ℓ_j²,  and likewise for the variance with g ∘ q.
  // var = s² − k*ᵀ K^-1 k*  ⇒  ∂var = −2 (∂k*)ᵀ K^-1 k*; flat where the variance was floored.
  const Eigen::VectorXd ca = slope_.cwiseProduct(alpha_);
  const Eigen::VectorXd cq = slope_.cwiseProduct(q_);
  const double sum_a = ca.sum();
  const double sum_q = cq.sum();
  const bool floored = raw_variance <= kMinVariance * s2_;
  dmean->resize(static_cast<Eigen::Index>(grad_dims.size()));
  dvariance->resize(static_cast<Eigen::Index>(grad_dims.size()));
  for (size_t g = 0; g < grad_dims.size(); ++g) {
    const int j = grad_dims[g];
    const double w = inverse_squared_lengthscales_(j) * (space_.warp ? warp_slope_(j) : 1.0);
    (*dmean)(static_cast<Eigen::Index>(g)) = -w * (x(j) * sum_a - kernel_x().col(j).dot(ca));
    const double dv = -w * (x(j) * sum_q - kernel_x().col(j).dot(cq));
    (*dvariance)(static_cast<Eigen::Index>(g)) = floored ? 0.0 : -2.0 * dv;
  }
}

}  // namespace hyperscout::gp
