// Box-constrained quasi-Newton minimization: L-BFGS-B (Byrd, Lu, Nocedal and Zhu 1995, "A limited memory algorithm
// for bound constrained optimization") through the header-only LBFGSpp library (Debian: liblbfgspp-dev).
//
// LBFGSpp reports a failed line search (flat or noisy objectives near convergence) by throwing; a model fit or an
// acquisition search wants the best point reached instead, so this wrapper remembers the best evaluation and
// returns it whatever happens. Non-finite values count as +inf.
#pragma once

#include <Eigen/Core>
#include <functional>

namespace hyperscout::math {

// f(x, grad) returns the value at x and writes the gradient into grad (sized like x).
using Objective = std::function<double(const Eigen::VectorXd& x, Eigen::VectorXd& grad)>;

struct LbfgsbOptions {
  int max_iterations = 50;
  int memory = 6;              // correction pairs kept
  double gradient_tol = 1e-5;  // stop when the projected gradient's infinity norm is below this
  double relative_tol = 1e-9;  // or when f improves by less than this (relative) over one iteration
};

// Minimizes f over lower <= x <= upper starting from x (projected into the box first). On return x holds the best
// point seen; returns f there.
double MinimizeInBox(const Objective& f, Eigen::VectorXd& x, const Eigen::VectorXd& lower, const Eigen::VectorXd& upper,
                     const LbfgsbOptions& options = {});

}  // namespace hyperscout::math
