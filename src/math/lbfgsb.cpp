#include "math/lbfgsb.hpp"

#include <LBFGSB.h>

#include <cmath>
#include <exception>
#include <limits>

namespace hyperscout::math {

double MinimizeInBox(const Objective& f, Eigen::VectorXd& x, const Eigen::VectorXd& lower, const Eigen::VectorXd& upper,
                     const LbfgsbOptions& options) {
  x = x.cwiseMax(lower).cwiseMin(upper);
  double best = std::numeric_limits<double>::infinity();
  Eigen::VectorXd best_x = x;
  auto tracked = [&](const Eigen::VectorXd& at, Eigen::VectorXd& grad) {
    double value = f(at, grad);
    if (!std::isfinite(value) || !grad.allFinite()) {
      value = std::numeric_limits<double>::infinity();
      grad.setZero();
    }
    if (value < best) {
      best = value;
      best_x = at;
    }
    return value;
  };
  LBFGSpp::LBFGSBParam<double> param;
  param.m = options.memory;
  param.epsilon = options.gradient_tol;
  param.epsilon_rel = 0.0;
  param.past = 1;
  param.delta = options.relative_tol;
  param.max_iterations = options.max_iterations;
  param.max_linesearch = 20;
  LBFGSpp::LBFGSBSolver<double> solver(param);
  Eigen::VectorXd work = x;
  double fx = 0.0;
  try {
    solver.minimize(tracked, work, fx, lower, upper);
  } catch (const std::exception&) {
    // A failed line search or a non-descent direction: keep the best point reached so far.
  }
  if (!std::isfinite(best)) {
    Eigen::VectorXd grad(x.size());
    best = tracked(x, grad);
  }
  x = best_x;
  return best;
}

}  // namespace hyperscout::math
