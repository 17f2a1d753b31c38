#include "samplers/gp/prior.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "math/lbfgsb.hpp"
#include "samplers/gp/gp.hpp"

namespace hyperscout::gp {
namespace {

constexpr double kLog2Pi = 1.83787706640934548356;

struct Scratch {
  Eigen::MatrixXd k;  // K + σ_n² I
  Eigen::MatrixXd slope;
  Eigen::LLT<Eigen::MatrixXd> llt;
  Eigen::MatrixXd l_inverse;
  Eigen::MatrixXd w;
  Eigen::MatrixXd centred;  // numerical columns of x minus their means
  Eigen::MatrixXd mx;
  std::vector<int> numerical;  // the numerical dimensions, in order
};
}  // namespace

PriorParameters DefaultPrior(int dims) {
  PriorParameters p;
  p.lengthscale_mean = std::sqrt(2.0) + 0.5 * std::log(static_cast<double>(std::max(dims, 1)));
  p.lengthscale_std = std::sqrt(3.0);
  return p;
}

HyperparameterBounds Bounds(int dims, bool deterministic, int warped) {
  const int size = dims + 2 + 2 * warped;
  HyperparameterBounds b{Eigen::VectorXd(size), Eigen::VectorXd(size)};
  b.lower.head(dims).setConstant(std::log(5e-3));
  b.upper.head(dims).setConstant(std::log(1e3));
  b.lower(dims) = std::log(1e-2);
  b.upper(dims) = std::log(1e2);
  b.lower(dims + 1) = deterministic ? std::log(kDeterministicNoise) : std::log(1e-6);
  b.upper(dims + 1) = deterministic ? std::log(kDeterministicNoise) : 0.0;
  b.lower.tail(2 * warped).setConstant(std::log(0.1));
  b.upper.tail(2 * warped).setConstant(std::log(10.0));
  return b;
}

Eigen::VectorXd PriorMode(int dims, bool deterministic, int warped) {
  const PriorParameters p = DefaultPrior(dims);
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(dims + 2 + 2 * warped);                      // warps at the identity
  theta.head(dims).setConstant(p.lengthscale_mean - p.lengthscale_std * p.lengthscale_std);  // LogNormal's mode
  theta(dims) = p.signal_mean;
  theta(dims + 1) = std::log(deterministic ? kDeterministicNoise : kNoiseStart);
  return theta;
}

double NegativeLogPosterior(const KernelSpace& space, const Eigen::MatrixXd& x_in, const Eigen::VectorXd& y,
                            const Eigen::VectorXd& theta, bool deterministic, Eigen::VectorXd* grad) {
  const int dims = space.dims();
  const auto n = x_in.rows();
  const Eigen::VectorXd inverse_squared_lengthscales = (-2.0 * theta.head(dims).array()).exp();
  const double s2 = std::exp(theta(dims));
  const double noise = deterministic ? kDeterministicNoise : std::exp(theta(dims + 1));
  const int warped = space.warped();
  // The warped inputs and, for the gradient, their derivatives in the shapes, from one pass over the points.
  thread_local Eigen::MatrixXd warped_x;
  thread_local Eigen::MatrixXd dw_dlog_a;
  thread_local Eigen::MatrixXd dw_dlog_b;
  if (warped > 0) {
    WarpInputs(space, theta.data() + dims + 2, x_in, warped_x, grad != nullptr ? &dw_dlog_a : nullptr,
               grad != nullptr ? &dw_dlog_b : nullptr);
  }
  const Eigen::MatrixXd& x = warped > 0 ? warped_x : x_in;

  // Scratch reused across evaluations (an L-BFGS run evaluates the same n many times): no allocation per call.
  thread_local Scratch scratch;
  Eigen::MatrixXd& k = scratch.k;          // K + σ_n² I
  Eigen::MatrixXd& slope = scratch.slope;  // g(r) per pair
  ScaledSquaredDistancesLower(space, x, inverse_squared_lengthscales, k);
  slope.resize(n, n);
  for (Eigen::Index b = 0; b + 1 < n; ++b) {  // the strict lower triangle, one column segment at a time
    MaternInPlace(space.matern, &k(b + 1, b), &slope(b + 1, b), n - b - 1, s2);
  }
  k.diagonal().setConstant(s2 + noise);
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
  // Horseshoe on σ_n²: −log log(1 + a), a = 3 τ² / σ_n⁴ (a fixed noise has no prior term).
  const double a = deterministic ? 0.0 : 3.0 * p.noise_scale * p.noise_scale / (noise * noise);
  if (!deterministic) value -= std::log(std::log1p(a));
  for (int k = 0; k < 2 * warped; ++k) value += normal_nlp(theta(dims + 2 + k), 0.0, p.warp_std);
  if (grad == nullptr) return value;

  // W = K^-1 − ααᵀ (lower triangle used); K^-1 = L^-T L^-1.
  LowerTriangularInverse(l, scratch.l_inverse);
  InverseFromLowerInverse(scratch.l_inverse, scratch.w);
  Eigen::MatrixXd& w = scratch.w;
  w.selfadjointView<Eigen::Lower>().rankUpdate(alpha, -1.0);

  grad->setZero(theta.size());
  // Only the lower triangles of K, G and W are meaningful; mirror them so the products below see full matrices.
  k.triangularView<Eigen::StrictlyUpper>() = k.transpose();
  slope.triangularView<Eigen::StrictlyUpper>() = slope.transpose();
  w.triangularView<Eigen::StrictlyUpper>() = w.transpose();
  // ∂K/∂log s² = K without the noise: ½ tr(W (K − σ_n² I)).
  const double w_trace = w.trace();
  const double signal_term = 0.5 * ((w.array() * k.array()).sum() - noise * w_trace);
  // ∂K_ab/∂log ℓ_j = g_ab δ_abj² / ℓ_j², so ∂/∂log ℓ_j = ½ Σ_ab M_ab δ_abj² / ℓ_j² with M = W ∘ G (zero diagonal).
  // For a numerical dimension ½ Σ_ab M_ab (x_aj − x_bj)² = Σ_a x_aj² (M 1)_a − x_jᵀ M x_j: one matrix product for
  // all of them instead of a loop over pairs and dimensions.
  w.array() *= slope.array();  // w is M from here on
  w.diagonal().setZero();
  const Eigen::VectorXd row_sums = w.rowwise().sum();
  std::vector<int>& numerical = scratch.numerical;
  numerical.clear();
  for (int j = 0; j < dims; ++j) {
    if (!space.categorical[static_cast<size_t>(j)]) numerical.push_back(j);
  }
  const auto p_numerical = static_cast<Eigen::Index>(numerical.size());
  scratch.centred.resize(n, p_numerical);
  for (Eigen::Index c = 0; c < p_numerical; ++c) {
    const auto& column = x.col(numerical[static_cast<size_t>(c)]);
    scratch.centred.col(c) = column.array() - column.mean();
  }
  scratch.mx.noalias() = w * scratch.centred;
  for (Eigen::Index c = 0; c < p_numerical; ++c) {
    const auto xc = scratch.centred.col(c);
    (*grad)(numerical[static_cast<size_t>(c)]) = xc.cwiseAbs2().dot(row_sums) - xc.dot(scratch.mx.col(c));
  }
  // Warp shapes: x_aj enters row and column a of K, ∂K_ab/∂x_aj = −g_ab (x_aj − x_bj) / ℓ_j², so
  //   ∂L/∂x_aj = −(x_aj (M 1)_a − (M x_j)_a) / ℓ_j²  (centring cancels),
  // and ∂L/∂log a_j = Σ_a ∂L/∂x_aj ∂w(u_aj)/∂log a_j (kernel.hpp, Kumaraswamy; computed with the warp above),
  // likewise for log b_j.
  for (Eigen::Index c = 0; c < (warped > 0 ? p_numerical : 0); ++c) {
    const int j = numerical[static_cast<size_t>(c)];
    const auto xc = scratch.centred.col(c);
    const double log_a = theta(dims + 2 + 2 * c);
    const double log_b = theta(dims + 3 + 2 * c);
    double ga = 0.0;
    double gb = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) {
      const double dx = -inverse_squared_lengthscales(j) * (xc(i) * row_sums(i) - scratch.mx(i, c));
      ga += dx * dw_dlog_a(i, c);
      gb += dx * dw_dlog_b(i, c);
    }
    (*grad)(dims + 2 + 2 * c) = ga + log_a / (p.warp_std * p.warp_std);
    (*grad)(dims + 3 + 2 * c) = gb + log_b / (p.warp_std * p.warp_std);
  }
  for (int j = 0; j < dims; ++j) {  // categorical: δ = [x_aj ≠ x_bj], over the strict lower triangle
    if (!space.categorical[static_cast<size_t>(j)]) continue;
    double sum = 0.0;
    for (Eigen::Index b = 0; b < n; ++b) {
      for (Eigen::Index a = b + 1; a < n; ++a) sum += x(a, j) != x(b, j) ? w(a, b) : 0.0;
    }
    (*grad)(j) = sum;
  }
  for (int j = 0; j < dims; ++j) {
    (*grad)(j) = (*grad)(j)*inverse_squared_lengthscales(j) +
                 (theta(j) - p.lengthscale_mean) / (p.lengthscale_std * p.lengthscale_std) + 1.0;
  }
  (*grad)(dims) = signal_term + (theta(dims) - p.signal_mean) / (p.signal_std * p.signal_std);
  if (!deterministic) {
    // ∂K/∂log σ_n² = σ_n² I; ∂a/∂log σ_n² = −2a.
    (*grad)(dims + 1) = 0.5 * noise * w_trace + 2.0 * a / ((1.0 + a) * std::log1p(a));
  }
  return value;
}

Eigen::VectorXd FitHyperparameters(const KernelSpace& space, const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                                   const std::vector<Eigen::VectorXd>& starts, bool deterministic, int max_iterations,
                                   double* min_value) {
  const int dims = space.dims();
  const int warped = space.warped();
  const HyperparameterBounds bounds = Bounds(dims, deterministic, warped);
  // With a fixed noise the noise entry (dims + 1) is left out of the search (L-BFGS-B dislikes zero-width boxes):
  // `free` lists the entries of θ searched, in order.
  std::vector<Eigen::Index> free;
  for (Eigen::Index k = 0; k < bounds.lower.size(); ++k) {
    if (!(deterministic && k == dims + 1)) free.push_back(k);
  }
  const auto n_free = static_cast<Eigen::Index>(free.size());
  auto pick = [&](const Eigen::VectorXd& full_vector) {
    Eigen::VectorXd out(n_free);
    for (Eigen::Index k = 0; k < n_free; ++k) out(k) = full_vector(free[static_cast<size_t>(k)]);
    return out;
  };
  Eigen::VectorXd full = PriorMode(dims, deterministic, warped);
  Eigen::VectorXd full_grad(full.size());
  const math::Objective objective = [&](const Eigen::VectorXd& v, Eigen::VectorXd& grad) {
    for (Eigen::Index k = 0; k < n_free; ++k) full(free[static_cast<size_t>(k)]) = v(k);
    const double value = NegativeLogPosterior(space, x, y, full, deterministic, &full_grad);
    grad = pick(full_grad);
    return value;
  };
  // The marginal likelihood is a sum over n points; a gradient entry of 1e-3 moves it by ~1e-4 per 0.1 step of a
  // log hyperparameter, far below what changes a suggestion.
  math::LbfgsbOptions options;
  options.max_iterations = max_iterations;
  options.gradient_tol = 1e-3;
  options.relative_tol = 1e-7;
  double best_value = std::numeric_limits<double>::infinity();
  Eigen::VectorXd best = PriorMode(dims, deterministic, warped);
  const Eigen::VectorXd lower = pick(bounds.lower);
  const Eigen::VectorXd upper = pick(bounds.upper);
  for (const auto& start : starts) {
    Eigen::VectorXd v = pick(start);
    const double value = math::MinimizeInBox(objective, v, lower, upper, options);
    if (value < best_value) {
      best_value = value;
      for (Eigen::Index k = 0; k < n_free; ++k) best(free[static_cast<size_t>(k)]) = v(k);
    }
  }
  if (min_value != nullptr) *min_value = best_value;
  return best;
}

}  // namespace hyperscout::gp
