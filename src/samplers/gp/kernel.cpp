#include "samplers/gp/kernel.hpp"

#include <cmath>

namespace hyperscout::gp {
namespace {

constexpr double kSqrt5 = 2.23606797749978969640;

}  // namespace

double Matern52(double r2, double s2) {
  const double r = std::sqrt(r2);
  return s2 * (1.0 + kSqrt5 * r + (5.0 / 3.0) * r2) * std::exp(-kSqrt5 * r);
}

double Matern52Slope(double r2, double s2) {
  const double r = std::sqrt(r2);
  return s2 * (5.0 / 3.0) * (1.0 + kSqrt5 * r) * std::exp(-kSqrt5 * r);
}

double Matern52WithSlope(double r2, double s2, double& slope) {
  const double r = std::sqrt(r2);
  const double e = s2 * std::exp(-kSqrt5 * r);
  slope = (5.0 / 3.0) * (1.0 + kSqrt5 * r) * e;
  return (1.0 + kSqrt5 * r + (5.0 / 3.0) * r2) * e;
}

void KernelMatrix(const KernelSpace& space, const Eigen::MatrixXd& a, const Eigen::MatrixXd& b,
                  const Eigen::VectorXd& inverse_squared_lengthscales, double s2, Eigen::MatrixXd& out) {
  const int dims = space.dims();
  out.resize(a.rows(), b.rows());
  // Row-major copies make each point's coordinates contiguous for the distance loop.
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> ar = a;
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> br = b;
  for (Eigen::Index j = 0; j < b.rows(); ++j) {
    for (Eigen::Index i = 0; i < a.rows(); ++i) {
      const double r2 = ScaledSquaredDistance(ar.row(i).data(), br.row(j).data(), inverse_squared_lengthscales.data(),
                                              space.categorical.data(), dims);
      out(i, j) = Matern52(r2, s2);
    }
  }
}

}  // namespace hyperscout::gp
