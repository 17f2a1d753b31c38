#include "samplers/gp/kernel.hpp"

#include <algorithm>
#include <cmath>

namespace hyperscout::gp {
namespace {

constexpr double kSqrt5 = 2.23606797749978969640;
constexpr double kSqrt3 = 1.73205080756887729353;

}  // namespace

double MaternKernel(Matern matern, double r2, double s2) {
  const double r = std::sqrt(r2);
  if (matern == Matern::k32) return s2 * (1.0 + kSqrt3 * r) * std::exp(-kSqrt3 * r);
  return s2 * (1.0 + kSqrt5 * r + (5.0 / 3.0) * r2) * std::exp(-kSqrt5 * r);
}

double MaternSlope(Matern matern, double r2, double s2) {
  const double r = std::sqrt(r2);
  if (matern == Matern::k32) return s2 * 3.0 * std::exp(-kSqrt3 * r);
  return s2 * (5.0 / 3.0) * (1.0 + kSqrt5 * r) * std::exp(-kSqrt5 * r);
}

namespace {

// Adds Σ_j w_j δ_j² over rows [first, n) of a's columns to `out`, for one point (its coordinate j at
// point[j * stride]): one column of the distance matrix, vectorized along a's (contiguous) columns. The differences
// are formed directly, so close points keep their small distances exactly (the expansion ‖a‖² + ‖b‖² − 2a·b would
// lose them to cancellation).
void AddDistanceColumn(const KernelSpace& space, const Eigen::MatrixXd& a, const double* point, Eigen::Index stride,
                       Eigen::Index first, const Eigen::VectorXd& inverse_squared_lengthscales, double* out) {
  const Eigen::Index len = a.rows() - first;
  Eigen::Map<Eigen::ArrayXd> column(out, len);
  column.setZero();
  for (int j = 0; j < space.dims(); ++j) {
    const double w = inverse_squared_lengthscales(j);
    const double p = point[j * stride];
    const auto values = a.col(j).segment(first, len).array();
    if (space.categorical[static_cast<size_t>(j)]) {
      column += w * (values != p).cast<double>();
    } else {
      column += w * (values - p).square();
    }
  }
}

}  // namespace

void ScaledSquaredDistances(const KernelSpace& space, const Eigen::MatrixXd& a, const Eigen::MatrixXd& b,
                            const Eigen::VectorXd& inverse_squared_lengthscales, Eigen::MatrixXd& out) {
  out.resize(a.rows(), b.rows());
  for (Eigen::Index c = 0; c < b.rows(); ++c) {
    AddDistanceColumn(space, a, &b(c, 0), b.rows(), 0, inverse_squared_lengthscales, &out(0, c));
  }
}

void ScaledSquaredDistancesToPoint(const KernelSpace& space, const Eigen::MatrixXd& a, const Eigen::VectorXd& point,
                                   const Eigen::VectorXd& inverse_squared_lengthscales, Eigen::VectorXd& out) {
  out.resize(a.rows());
  AddDistanceColumn(space, a, point.data(), 1, 0, inverse_squared_lengthscales, out.data());
}

void ScaledSquaredDistancesLower(const KernelSpace& space, const Eigen::MatrixXd& x,
                                 const Eigen::VectorXd& inverse_squared_lengthscales, Eigen::MatrixXd& out) {
  const Eigen::Index n = x.rows();
  out.resize(n, n);
  for (Eigen::Index c = 0; c + 1 < n; ++c) {
    AddDistanceColumn(space, x, &x(c, 0), n, c + 1, inverse_squared_lengthscales, &out(c + 1, c));
  }
}

void MaternInPlace(Matern matern, double* r2_to_k, double* slope, Eigen::Index size, double s2) {
  // Matérn-5/2 with u = √5 r: k = s² (1 + u + u²/3) e^−u and g = s² 5/3 (1 + u) e^−u; Matérn-3/2 with u = √3 r:
  // k = s² (1 + u) e^−u and g = 3 s² e^−u. Chunks keep the temporaries in cache.
  constexpr Eigen::Index kChunk = 256;
  Eigen::Array<double, Eigen::Dynamic, 1, 0, kChunk, 1> u;
  Eigen::Array<double, Eigen::Dynamic, 1, 0, kChunk, 1> e;
  const bool k32 = matern == Matern::k32;
  for (Eigen::Index start = 0; start < size; start += kChunk) {
    const Eigen::Index len = std::min(kChunk, size - start);
    Eigen::Map<Eigen::ArrayXd> values(r2_to_k + start, len);
    u = ((k32 ? 3.0 : 5.0) * values).sqrt();
    e = s2 * (-u).exp();
    if (k32) {
      if (slope != nullptr) Eigen::Map<Eigen::ArrayXd>(slope + start, len) = 3.0 * e;
      values = (1.0 + u) * e;
    } else {
      if (slope != nullptr) Eigen::Map<Eigen::ArrayXd>(slope + start, len) = (5.0 / 3.0) * (1.0 + u) * e;
      values = (1.0 + u + u.square() * (1.0 / 3.0)) * e;
    }
  }
}

void MaternInPlace(Matern matern, Eigen::MatrixXd& r2_to_k, double s2, Eigen::MatrixXd* slope) {
  if (slope != nullptr) slope->resize(r2_to_k.rows(), r2_to_k.cols());
  MaternInPlace(matern, r2_to_k.data(), slope != nullptr ? slope->data() : nullptr, r2_to_k.size(), s2);
}

double Kumaraswamy(double u, double log_a, double log_b, double* du, double* dlog_a, double* dlog_b) {
  const double a = std::exp(log_a);
  const double b = std::exp(log_b);
  const double x = std::clamp(u, kWarpEpsilon, 1.0 - kWarpEpsilon);
  const double log_x = std::log(x);
  const double xa = std::exp(a * log_x);         // u^a
  const double log_rest = std::log1p(-xa);       // log(1 − u^a)
  const double rest_b = std::exp(b * log_rest);  // (1 − u^a)^b
  if (du != nullptr) *du = a * b * std::exp((a - 1.0) * log_x + (b - 1.0) * log_rest);
  if (dlog_a != nullptr) *dlog_a = a * b * std::exp((b - 1.0) * log_rest) * xa * log_x;
  if (dlog_b != nullptr) *dlog_b = -b * rest_b * log_rest;
  return 1.0 - rest_b;
}

void WarpInputs(const KernelSpace& space, const double* log_ab, const Eigen::MatrixXd& x, Eigen::MatrixXd& out,
                Eigen::MatrixXd* dlog_a, Eigen::MatrixXd* dlog_b) {
  out = x;
  if (!space.warp) return;
  const bool derivatives = dlog_a != nullptr && dlog_b != nullptr;
  if (derivatives) {
    dlog_a->resize(x.rows(), space.warped());
    dlog_b->resize(x.rows(), space.warped());
  }
  const double* shape = log_ab;  // (log a, log b) of the next numerical dimension
  Eigen::Index c = 0;            // its column in dlog_a and dlog_b
  for (int j = 0; j < space.dims(); ++j) {
    if (space.categorical[static_cast<size_t>(j)]) continue;
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      out(i, j) = Kumaraswamy(x(i, j), shape[0], shape[1], nullptr, derivatives ? &(*dlog_a)(i, c) : nullptr,
                              derivatives ? &(*dlog_b)(i, c) : nullptr);
    }
    shape += 2;
    ++c;
  }
}

void WarpPoint(const KernelSpace& space, const double* log_ab, const Eigen::VectorXd& u, Eigen::VectorXd& out,
               Eigen::VectorXd& slope) {
  out = u;
  slope.setOnes(u.size());
  const double* shape = log_ab;
  for (int j = 0; j < space.dims(); ++j) {
    if (space.categorical[static_cast<size_t>(j)]) continue;
    out(j) = Kumaraswamy(u(j), shape[0], shape[1], &slope(j), nullptr, nullptr);
    shape += 2;
  }
}

void KernelMatrix(const KernelSpace& space, const Eigen::MatrixXd& a, const Eigen::MatrixXd& b,
                  const Eigen::VectorXd& inverse_squared_lengthscales, double s2, Eigen::MatrixXd& out) {
  ScaledSquaredDistances(space, a, b, inverse_squared_lengthscales, out);
  MaternInPlace(space.matern, out, s2);
}

}  // namespace hyperscout::gp
