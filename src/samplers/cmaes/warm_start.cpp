#include "samplers/cmaes/warm_start.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "hyperscout/common/error.hpp"

namespace hyperscout::cmaes {

WarmStart FitWarmStart(const std::vector<Eigen::VectorXd>& xs, const std::vector<double>& values, double gamma,
                       double alpha) {
  if (xs.empty() || xs.size() != values.size()) {
    throw InvalidArgumentError("cmaes warm start: needs at least one source trial with a value for every parameter");
  }
  const auto n = xs.front().size();
  std::vector<size_t> order(xs.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  const auto top = std::max<size_t>(1, static_cast<size_t>(std::floor(gamma * static_cast<double>(xs.size()))));

  // Nomura et al. 2021, section 4: the promising distribution is a mixture of N(x_i, alpha^2 I) over the top points;
  // CMA-ES starts from its moment-matched Gaussian N(mu*, Sigma*), Sigma* = alpha^2 I + Cov(top points), split into
  // sigma0 = det(Sigma*)^(1 / 2n) and C0 = Sigma* / sigma0^2.
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(n);
  for (size_t k = 0; k < top; ++k) mean += xs[order[k]];
  mean /= static_cast<double>(top);
  Eigen::MatrixXd sigma_star = alpha * alpha * Eigen::MatrixXd::Identity(n, n);
  for (size_t k = 0; k < top; ++k) {
    const Eigen::VectorXd d = xs[order[k]] - mean;
    sigma_star += d * d.transpose() / static_cast<double>(top);
  }
  // det^(1/2n) through the log-determinant of the Cholesky factor, which stays finite in high dimension.
  const Eigen::LLT<Eigen::MatrixXd> llt(sigma_star);
  const double log_det = 2.0 * llt.matrixL().toDenseMatrix().diagonal().array().log().sum();
  const double sigma = std::exp(log_det / (2.0 * static_cast<double>(n)));
  return {mean, sigma, sigma_star / (sigma * sigma)};
}

}  // namespace hyperscout::cmaes
