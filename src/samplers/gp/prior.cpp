#include "samplers/gp/prior.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>

#include "math/lbfgsb.hpp"
#include "samplers/gp/gp.hpp"

namespace hyperscout::gp {
namespace {

constexpr double kLog2Pi = 1.83787706640934548356;

struct Scratch {
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows;
  Eigen::MatrixXd k;  // K + σ_n² I, lower triangle
  Eigen::MatrixXd slope;
  Eigen::LLT<Eigen::MatrixXd> llt;
  Eigen::MatrixXd l_inverse;
  Eigen::MatrixXd w;
};
}  // namespace

PriorParameters DefaultPrior(int dims) {
  PriorParameters p;
  p.lengthscale_mean = std::sqrt(2.0) + 0.5 * std::log(static_cast<double>(std::max(dims, 1)));
  p.lengthscale_std = std::sqrt(3.0);
  return p;
}

HyperparameterBounds Bounds(int dims, bool deterministic) {
  HyperparameterBounds b{Eigen::VectorXd(dims + 2), Eigen::VectorXd(dims + 2)};
  b.lower.head(dims).setConstant(std::log(5e-3));
  b.upper.head(dims).setConstant(std::log(1e3));
  b.lower(dims) = std::log(1e-2);
  b.upper(dims) = std::log(1e2);
  b.lower(dims + 1) = deterministic ? std::log(kDeterministicNoise) : std::log(1e-6);
  b.upper(dims + 1) = deterministic ? std::log(kDeterministicNoise) : 0.0;
  return b;
}

Eigen::VectorXd PriorMode(int dims, bool deterministic) {
  const PriorParameters p = DefaultPrior(dims);
  Eigen::VectorXd theta(dims + 2);
  theta.head(dims).setConstant(p.lengthscale_mean - p.lengthscale_std * p.lengthscale_std);  // LogNormal's mode
  theta(dims) = p.signal_mean;
  theta(dims + 1) = std::log(deterministic ? kDeterministicNoise : kNoiseStart);
  return theta;
}

double NegativeLogPosterior(const KernelSpace& space, const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                            const Eigen::VectorXd& theta, bool deterministic, Eigen::VectorXd* grad) {
  const int dims = space.dims();
  const auto n = x.rows();
  const Eigen::VectorXd inverse_squared_lengthscales = (-2.0 * theta.head(dims).array()).exp();
  const double s2 = std::exp(theta(dims));
  const double noise = deterministic ? kDeterministicNoise : std::exp(theta(dims + 1));

  // Scratch reused across evaluations (an L-BFGS run evaluates the same n many times): no allocation per call.
  thread_local Scratch scratch;
  scratch.rows = x;
  scratch.k.resize(n, n);
  scratch.slope.resize(n, n);
  const auto& rows = scratch.rows;
  Eigen::MatrixXd& k = scratch.k;          // K + σ_n² I, lower triangle only
  Eigen::MatrixXd& slope = scratch.slope;  // g(r) per pair, lower triangle
  for (Eigen::Index b = 0; b < n; ++b) {
    k(b, b) = s2 + noise;
    for (Eigen::Index a = b + 1; a < n; ++a) {
      const double r2 = ScaledSquaredDistance(rows.row(a).data(), rows.row(b).data(),
                                              inverse_squared_lengthscales.data(), space.categorical.data(), dims);
      k(a, b) = Matern52WithSlope(r2, s2, slope(a, b));
    }
  }
  CholeskyWithJitter(k, scratch.llt);  // reads the lower triangle; a jitter, when needed, is treated as fixed
  const Eigen::VectorXd alpha = scratch.llt.solve(y);
  const Eigen::MatrixXd& l = scratch.llt.matrixLLT();  // L in the lower triangle
  double value = 0.5 * y.dot(alpha) + l.diagonal().array().log().sum() + 0.5 * static_cast<double>(n) * kLog2Pi;

  const PriorParameters p = DefaultPrior(dims);
  auto normal_nlp = [](double v, double mean, double std) {
    const double z = (v - mean) / std;
    return 0.5 * z * z;
  };
  // −log LogNormal(ℓ; μ, σ²) = (θ − μ)² / 2σ² + θ + const for θ = log ℓ.
  for (int j = 0; j < dims; ++j) value += normal_nlp(theta(j), p.lengthscale_mean, p.lengthscale_std) + theta(j);
  value += normal_nlp(theta(dims), p.signal_mean, p.signal_std);
  // Horseshoe on σ_n²: −log log(1 + a), a = 3 τ² / σ_n⁴.
  const double a = 3.0 * p.noise_scale * p.noise_scale / (noise * noise);
  if (!deterministic) value -= std::log(std::log1p(a));
  if (grad == nullptr) return value;

  // W = K^-1 − ααᵀ (lower triangle used); K^-1 = L^-T L^-1.
  LowerTriangularInverse(l, scratch.l_inverse);
  InverseFromLowerInverse(scratch.l_inverse, scratch.w);
  Eigen::MatrixXd& w = scratch.w;
  w.selfadjointView<Eigen::Lower>().rankUpdate(alpha, -1.0);

  grad->setZero(theta.size());
  // ∂K_ab/∂log ℓ_j = g_ab δ_abj² / ℓ_j²; the trace over the symmetric matrix is twice the strict lower sum.
  double signal_term = 0.5 * s2 * w.diagonal().sum();
  for (Eigen::Index b = 0; b < n; ++b) {
    const double* xb = rows.row(b).data();
    for (Eigen::Index a = b + 1; a < n; ++a) {
      const double* xa = rows.row(a).data();
      const double wg = w(a, b) * slope(a, b);
      signal_term += w(a, b) * k(a, b);
      for (int j = 0; j < dims; ++j) {
        const double delta = space.categorical[j] ? static_cast<double>(xa[j] != xb[j]) : xa[j] - xb[j];
        (*grad)(j) += wg * delta * delta;
      }
    }
  }
  for (int j = 0; j < dims; ++j) {
    (*grad)(j) = (*grad)(j)*inverse_squared_lengthscales(j) +
                 (theta(j) - p.lengthscale_mean) / (p.lengthscale_std * p.lengthscale_std) + 1.0;
  }
  // ∂K/∂log s² = K without noise (s² on the diagonal, k(a, b) off it).
  (*grad)(dims) = signal_term + (theta(dims) - p.signal_mean) / (p.signal_std * p.signal_std);
  if (!deterministic) {
    // ∂K/∂log σ_n² = σ_n² I; ∂a/∂log σ_n² = −2a.
    (*grad)(dims + 1) = 0.5 * noise * w.diagonal().sum() + 2.0 * a / ((1.0 + a) * std::log1p(a));
  }
  return value;
}

Eigen::VectorXd FitHyperparameters(const KernelSpace& space, const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                                   const std::vector<Eigen::VectorXd>& starts, bool deterministic, int max_iterations) {
  const int dims = space.dims();
  const HyperparameterBounds bounds = Bounds(dims, deterministic);
  // With a fixed noise the noise entry is left out of the search (L-BFGS-B dislikes zero-width boxes).
  const int free = deterministic ? dims + 1 : dims + 2;
  Eigen::VectorXd full = PriorMode(dims, deterministic);
  Eigen::VectorXd full_grad(dims + 2);
  const math::Objective objective = [&](const Eigen::VectorXd& v, Eigen::VectorXd& grad) {
    full.head(free) = v;
    const double value = NegativeLogPosterior(space, x, y, full, deterministic, &full_grad);
    grad = full_grad.head(free);
    return value;
  };
  // The marginal likelihood is a sum over n points; a gradient entry of 1e-3 moves it by ~1e-4 per 0.1 step of a
  // log hyperparameter, far below what changes a suggestion.
  math::LbfgsbOptions options;
  options.max_iterations = max_iterations;
  options.gradient_tol = 1e-3;
  options.relative_tol = 1e-7;
  double best_value = std::numeric_limits<double>::infinity();
  Eigen::VectorXd best = PriorMode(dims, deterministic);
  for (const auto& start : starts) {
    Eigen::VectorXd v = start.head(free);
    const double value = math::MinimizeInBox(objective, v, bounds.lower.head(free), bounds.upper.head(free), options);
    if (value < best_value) {
      best_value = value;
      best.head(free) = v;
    }
  }
  return best;
}

}  // namespace hyperscout::gp
