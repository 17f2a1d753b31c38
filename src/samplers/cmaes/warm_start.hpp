// Warm starting CMA-ES from the trials of a similar task (WS-CMA-ES: Nomura, Watanabe, Akimoto, Ozaki, Onishi 2021,
// "Warm Starting CMA-ES for Hyperparameter Optimization", AAAI). The best gamma fraction of the source solutions
// defines a promising distribution; its moments give the initial mean, step size and covariance.
#pragma once

#include <Eigen/Dense>
#include <vector>

namespace hyperscout::cmaes {

struct WarmStart {
  Eigen::VectorXd mean;
  double sigma = 0.0;
  Eigen::MatrixXd cov;  // det(cov) = 1
};

// `xs` are source solutions in the unit box, `values` their objective values (minimized). gamma is the fraction kept
// (at least one point), alpha the prior's standard deviation. Throws InvalidArgumentError when `xs` is empty.
WarmStart FitWarmStart(const std::vector<Eigen::VectorXd>& xs, const std::vector<double>& values, double gamma = 0.1,
                       double alpha = 0.1);

}  // namespace hyperscout::cmaes
