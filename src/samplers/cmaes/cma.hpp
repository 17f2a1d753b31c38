// The CMA-ES core: ask/tell on a real vector inside the unit box [0, 1]^n, independent of Study and storage.
// Notation and equation numbers follow Hansen 2016, "The CMA Evolution Strategy: A Tutorial", arXiv:1604.00772:
// mean m, step size sigma, covariance C = B D^2 B^T, evolution paths p_sigma and p_c, weights w_i, mu_eff.
//
//   cmaes::Cma cma(Eigen::VectorXd::Constant(3, 0.5), /*sigma=*/0.2, cmaes::CmaConfig{});
//   Rng rng(1);
//   while (!cma.StopReason()) {
//     std::vector<Eigen::VectorXd> xs;
//     std::vector<double> fs;
//     for (int64_t i = 0; i < cma.popsize(); ++i) {
//       xs.push_back(cma.Ask(rng));
//       fs.push_back(f(xs.back()));
//     }
//     cma.Tell(xs, fs);  // minimizes f
//   }
//
// Variants:
// - separable (sep-CMA-ES, Ros & Hansen 2008, "A Simple Modification in CMA-ES Achieving Linear Time and Space
//   Complexity", PPSN): C is diagonal and its learning rates are scaled by (n + 2) / 3, so a generation costs O(n).
// - margin (Hamano, Saito, Nomura, Shirakawa 2022, "CMA-ES with Margin", GECCO): for dimensions whose values are
//   later rounded to a grid (integers, stepped floats), the sampler keeps the probability that a candidate leaves
//   the mean's grid cell at least `margin` (alpha in the paper) by moving the mean (edge cells) or rescaling a
//   diagonal matrix A of per-dimension sampling scales (inner cells): x = m + sigma * A y, y ~ N(0, C).
// - lr_adapt (LRA-CMA-ES; Nomura, Akimoto, Ono 2023, "CMA-ES with Learning Rate Adaptation: Can CMA-ES with Default
//   Population Size Solve Multimodal and Noisy Problems?", GECCO, arXiv:2304.03473): the mean and covariance updates
//   are damped by learning rates eta_m, eta_Sigma in (0, 1], adapted so that the signal-to-noise ratio of each update
//   (in the local coordinates of the Fisher metric) stays near alpha * eta. Only for the full covariance: the paper
//   derives it for the full model, and the separable variant is rejected. With the margin, the update is measured
//   and damped in the space of y (before A), and the margin corrects the damped distribution as usual.
//
// The state is plain data and round-trips through JSON exactly (doubles are printed with round-trip precision), so
// two processes that apply Tell to the same state and the same solutions compute bit-identical next states.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hyperscout/common/json.hpp"
#include "hyperscout/common/rng.hpp"

namespace hyperscout::cmaes {

struct CmaConfig {
  int64_t popsize = 0;  // lambda; 0 = 4 + floor(3 ln n) (eq. (48))
  bool separable = false;
  // Per dimension, the sorted cell boundaries inside (0, 1) of a discrete dimension (empty: continuous).
  std::vector<std::vector<double>> thresholds;
  double margin = -1.0;   // alpha; < 0 = 1 / (n * lambda) as Hamano et al. recommend; 0 disables the margin
  bool lr_adapt = false;  // learning-rate adaptation (LRA-CMA-ES); not with `separable`
};

class Cma {
 public:
  // `mean` is in [0, 1]^n, sigma > 0. `cov`, when given, is the initial C (symmetric positive definite); identity
  // otherwise. Throws InvalidArgumentError for inconsistent sizes.
  Cma(Eigen::VectorXd mean, double sigma, const CmaConfig& config, const Eigen::MatrixXd* cov = nullptr);

  // One candidate x = m + sigma * A * B D z, z ~ N(0, I) (eq. (38)-(40)), resampled while outside [0, 1]^n and
  // clipped into it after kMaxResample tries. The result depends only on the state and `rng`.
  Eigen::VectorXd Ask(Rng& rng) const;
  // Updates the state from exactly popsize() solutions (any order); `values` are minimized.
  void Tell(const std::vector<Eigen::VectorXd>& xs, const std::vector<double>& values);
  // Why this run should end (a restart criterion met), or nullopt. Names: tolfun, tolx, noeffectaxis,
  // noeffectcoord, conditioncov, stagnation, flatfitness.
  std::optional<std::string> StopReason() const;

  Json ToJson() const;
  // Throws InvalidArgumentError on malformed state.
  static Cma FromJson(const Json& json);

  int64_t dim() const { return n_; }
  int64_t popsize() const { return lambda_; }
  int64_t generation() const { return generation_; }
  bool separable() const { return separable_; }
  bool lr_adapt() const { return lr_adapt_; }
  // The learning rates of the mean and of Sigma = sigma^2 C (both 1 without lr_adapt).
  double eta_mean() const { return eta_mean_; }
  double eta_sigma() const { return eta_sigma_; }
  double sigma() const { return sigma_; }
  const Eigen::VectorXd& mean() const { return mean_; }
  // The full C (diagonal for the separable variant).
  Eigen::MatrixXd Covariance() const;

  static constexpr int kMaxResample = 100;

 private:
  Cma() = default;
  void Setup();  // strategy parameters from (n, lambda, separable), Appendix A
  void Decompose();
  void ApplyMargin();
  // Damps the update just made from (old_mean, old_sigma, old_c) by the adapted learning rates. `y_w_local` is
  // C_old^-1/2 y_w, the mean's step in the old distribution's local coordinates.
  void AdaptLearningRates(const Eigen::VectorXd& old_mean, double old_sigma, const Eigen::MatrixXd& old_c,
                          const Eigen::MatrixXd& old_c_inv_sqrt, const Eigen::VectorXd& y_w_local);

  // ---- configuration ----
  int64_t n_ = 0;
  int64_t lambda_ = 0;
  bool separable_ = false;
  double margin_ = 0.0;
  std::vector<std::vector<double>> thresholds_;
  double sigma0_ = 0.0;
  bool lr_adapt_ = false;

  // ---- derived strategy parameters (not serialized) ----
  int64_t mu_ = 0;
  Eigen::VectorXd weights_;  // lambda entries; negative ones (active CMA) only in the full variant
  double mu_eff_ = 0.0;
  double c_sigma_ = 0.0;
  double d_sigma_ = 0.0;
  double c_c_ = 0.0;
  double c_1_ = 0.0;
  double c_mu_ = 0.0;
  double chi_n_ = 0.0;  // E||N(0, I)||

  // ---- state ----
  int64_t generation_ = 0;
  Eigen::VectorXd mean_;
  double sigma_ = 0.0;
  Eigen::MatrixXd c_;  // n x n (full) or n x 1 (diagonal of C, separable)
  Eigen::VectorXd p_sigma_;
  Eigen::VectorXd p_c_;
  Eigen::VectorXd a_;                   // margin scales A (ones when no margin applies)
  std::vector<double> best_history_;    // best value per generation, for tolfun and stagnation
  std::vector<double> median_history_;  // median value per generation, for stagnation
  std::vector<double> last_values_;     // the last generation's values, sorted
  int64_t flat_generations_ = 0;
  // Learning-rate adaptation (arXiv:2304.03473, Algorithm 1): exponential moving averages E of the local update and V
  // of its squared norm, for the mean and for Sigma, and the current learning rates.
  Eigen::VectorXd e_mean_;   // n
  Eigen::MatrixXd e_sigma_;  // n x n (the vec of a symmetric matrix, kept as a matrix)
  double v_mean_ = 0.0;
  double v_sigma_ = 0.0;
  double eta_mean_ = 1.0;
  double eta_sigma_ = 1.0;

  // ---- derived from C (not serialized) ----
  Eigen::MatrixXd b_;  // eigenvectors (unused when separable)
  Eigen::VectorXd d_;  // square roots of the eigenvalues
};

// Standard normal CDF and its inverse (by bisection on the CDF; only called a few times per generation).
double NormalCdf(double x);
double NormalQuantile(double p);

}  // namespace hyperscout::cmaes
