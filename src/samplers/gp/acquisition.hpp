// The acquisition function: log expected improvement times the probability of feasibility, in log space.
//
// EI for minimization with z = (best − μ) / σ is σ h(z), h(z) = φ(z) + z Φ(z). Computed naively, h underflows to 0
// for z below about −38 and loses all digits well before, which leaves the optimizer a flat zero surface exactly
// where most of the space lies late in a study. LogH evaluates log h(z) stably for every z (Ament, Daulton,
// Eriksson, Balandat and Bakshy 2023, "Unexpected improvements to expected improvement for Bayesian optimization",
// NeurIPS, eq. (9)), with the scaled complementary error function erfcx in the lower tail.
//
// Constraints (Gardner, Kusner, Xu, Weinberger and Cunningham 2014, "Bayesian optimization with inequality
// constraints", ICML): one GP per constraint c_k, feasible when c_k ≤ 0; the acquisition adds
// Σ_k log Φ((t_k − μ_k) / σ_k), the log probability that every constraint holds (t_k is 0 in the standardized units
// of c_k). Until some observed trial is feasible, the acquisition is that log probability alone.
//
// Noise (GpOptions::replicate_penalty): EI is multiplied by the replicate penalty of augmented expected improvement
// (Huang, Allen, Notz and Zeng 2006, "Global optimization of stochastic black-box systems via sequential kriging
// meta-models", J. Global Optim. 34): 1 − σ_n / √(s²(x) + σ_n²), with the fitted noise variance σ_n² and the latent
// posterior variance s². It is near 1 where the model is unsure (s² ≫ σ_n²) and falls like 1 / (2k) at a point
// already measured k times, so a noisy study stops re-measuring the point its posterior mean favours once more
// measurements there cannot change much. On a deterministic objective the fitted noise is usually at its floor and
// the factor matters only next to observed points, but where the GP models roughness as noise it also holds back
// local refinement; hence an option, off by default (bench/README.md has the measurements).
#pragma once

#include <Eigen/Core>
#include <vector>

#include "samplers/gp/gp.hpp"

namespace hyperscout::gp {

// exp(x²) erfc(x).
double Erfcx(double x);
// log h(z), h(z) = φ(z) + z Φ(z), and its derivative Φ(z) / h(z).
double LogH(double z);
double LogHDerivative(double z);
// log Φ(z) and its derivative φ(z) / Φ(z).
double LogNormalCdf(double z);
double LogNormalCdfDerivative(double z);
// log(1 − σ_n / √(v + σ_n²)) for a posterior variance v >= 0 and noise variance σ_n² = noise > 0 (the replicate
// penalty above), and its derivative with respect to v.
double LogReplicatePenalty(double variance, double noise);
double LogReplicatePenaltyDerivative(double variance, double noise);

struct AcquisitionModel {
  const GaussianProcess* objective = nullptr;  // standardized, lower is better; may include fantasies
  double best = 0.0;                           // incumbent in the objective's standardized units
  bool use_ei = true;                          // false until a feasible trial exists: feasibility only
  double noise = 0.0;                          // > 0: EI carries the replicate penalty for this noise variance
  std::vector<const GaussianProcess*> constraints;
  std::vector<double> thresholds;  // feasible when the constraint GP's value is <= threshold
};

// The log acquisition at x; with grad, also its gradient over the dimensions in grad_dims.
double LogAcquisition(const AcquisitionModel& model, const Eigen::VectorXd& x, const std::vector<int>& grad_dims,
                      Eigen::VectorXd* grad);
// The log acquisition at every row of xs.
Eigen::VectorXd LogAcquisitionBatch(const AcquisitionModel& model, const Eigen::MatrixXd& xs);

}  // namespace hyperscout::gp
