#include "samplers/cmaes/cma.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "hyperscout/common/error.hpp"

namespace hyperscout::cmaes {
namespace {

constexpr double kTolFun = 1e-12;
constexpr double kTolXFactor = 1e-12;  // times sigma0
constexpr double kMaxCondition = 1e14;
constexpr int64_t kFlatGenerationsToStop = 3;
constexpr double kMinEigenvalue = 1e-300;
// The largest step size kept. On the unit cube anything beyond ~1 already puts most samples on a bound, so the cap
// changes no search; it keeps sigma finite when a huge sigma0 grows further (flat fitness widens the search each
// generation), since an overflow to infinity would make the stored state unreadable (JSON has no infinity).
constexpr double kMaxSigma = 1e32;

// LRA-CMA-ES hyperparameters (Nomura, Akimoto, Ono 2023, arXiv:2304.03473, sec. 4): the target SNR factor alpha, the
// moving-average rates beta of the mean and Sigma updates, and gamma, which limits how fast a small eta changes.
constexpr double kLraAlpha = 1.4;
constexpr double kLraBetaMean = 0.1;
constexpr double kLraBetaSigma = 0.03;
constexpr double kLraGamma = 0.1;

// The unbiased SNR estimate of an update from the moving averages E (of the update) and V (of its squared norm) with
// rate beta: (||E||^2 - beta / (2 - beta) V) / (V - ||E||^2). Nullopt while undefined (no movement yet).
std::optional<double> EstimateSnr(double e_squared_norm, double v, double beta) {
  const double denominator = v - e_squared_norm;
  if (!(denominator > 0.0) || !std::isfinite(denominator)) return std::nullopt;
  return (e_squared_norm - beta / (2.0 - beta) * v) / denominator;
}

// eta <- min(1, eta * exp(min(gamma eta, beta) * clip(SNR / (alpha eta) - 1, -1, 1))) (arXiv:2304.03473, Algorithm 1).
double NextEta(double eta, std::optional<double> snr, double beta) {
  if (!snr) return eta;
  const double relative = std::clamp(*snr / (kLraAlpha * eta) - 1.0, -1.0, 1.0);
  return std::min(1.0, eta * std::exp(std::min(kLraGamma * eta, beta) * relative));
}

int64_t TolFunWindow(int64_t n, int64_t lambda) {
  return 10 + static_cast<int64_t>(std::ceil(30.0 * static_cast<double>(n) / static_cast<double>(lambda)));
}

int64_t StagnationWindow(int64_t n, int64_t lambda) {
  return 120 + static_cast<int64_t>(std::ceil(30.0 * static_cast<double>(n) / static_cast<double>(lambda)));
}

double Median(std::vector<double> v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const double upper = v[mid];
  if (v.size() % 2 == 1) return upper;
  const double lower = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
  return 0.5 * lower + 0.5 * upper;  // halved first: the sum of two values near the largest double overflows
}

Json VectorToJson(const Eigen::VectorXd& v) {
  return Json(std::vector<double>(v.data(), v.data() + v.size()));
}

Eigen::VectorXd VectorFromJson(const Json& json, int64_t size, const char* what) {
  const auto values = json.get<std::vector<double>>();
  if (static_cast<int64_t>(values.size()) != size) {
    throw InvalidArgumentError(fmt::format("cmaes state: '{}' has {} entries, expected {}; the stored state is damaged",
                                           what, values.size(), size));
  }
  return Eigen::Map<const Eigen::VectorXd>(values.data(), size);
}

}  // namespace

double NormalCdf(double x) {
  return 0.5 * std::erfc(-x / std::sqrt(2.0));
}

double NormalQuantile(double p) {
  if (!(p > 0.0)) return -std::numeric_limits<double>::infinity();
  if (!(p < 1.0)) return std::numeric_limits<double>::infinity();
  double lo = -40.0;
  double hi = 40.0;
  for (int iteration = 0; iteration < 200 && hi - lo > 1e-14; ++iteration) {
    const double mid = 0.5 * (lo + hi);
    (NormalCdf(mid) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

Cma::Cma(Eigen::VectorXd mean, double sigma, const CmaConfig& config, const Eigen::MatrixXd* cov) {
  n_ = mean.size();
  if (n_ < 1) throw InvalidArgumentError("cmaes: the search space needs at least one dimension");
  if (!(sigma > 0.0) || !std::isfinite(sigma)) {
    throw InvalidArgumentError(fmt::format("cmaes: sigma0 must be a finite number > 0, got {}", sigma));
  }
  if (config.popsize != 0 && config.popsize < 2) {
    throw InvalidArgumentError(fmt::format("cmaes: popsize must be >= 2, got {}", config.popsize));
  }
  if (!config.thresholds.empty() && static_cast<int64_t>(config.thresholds.size()) != n_) {
    throw InvalidArgumentError("cmaes: thresholds need one entry per dimension");
  }
  lambda_ = config.popsize != 0 ? config.popsize
                                : 4 + static_cast<int64_t>(std::floor(3.0 * std::log(static_cast<double>(n_))));
  separable_ = config.separable;
  lr_adapt_ = config.lr_adapt;
  if (lr_adapt_ && separable_) {
    throw InvalidArgumentError(
        "cmaes: lr_adapt needs the full covariance (the learning-rate adaptation is derived for it); turn off "
        "use_separable_cma or lr_adapt");
  }
  thresholds_ =
      config.thresholds.empty() ? std::vector<std::vector<double>>(static_cast<size_t>(n_)) : config.thresholds;
  margin_ = config.margin < 0.0 ? 1.0 / (static_cast<double>(n_) * static_cast<double>(lambda_)) : config.margin;
  sigma0_ = std::min(sigma, kMaxSigma);
  mean_ = std::move(mean);
  sigma_ = sigma0_;
  if (separable_) {
    c_ = cov != nullptr ? Eigen::MatrixXd(cov->diagonal()) : Eigen::MatrixXd::Ones(n_, 1);
  } else {
    c_ = cov != nullptr ? *cov : Eigen::MatrixXd::Identity(n_, n_);
  }
  if (cov != nullptr && (cov->rows() != n_ || cov->cols() != n_)) {
    throw InvalidArgumentError(fmt::format("cmaes: the initial covariance must be {0} x {0}", n_));
  }
  p_sigma_ = Eigen::VectorXd::Zero(n_);
  p_c_ = Eigen::VectorXd::Zero(n_);
  a_ = Eigen::VectorXd::Ones(n_);
  if (lr_adapt_) {
    e_mean_ = Eigen::VectorXd::Zero(n_);
    e_sigma_ = Eigen::MatrixXd::Zero(n_, n_);
  }
  Setup();
  Decompose();
  ApplyMargin();
}

void Cma::Setup() {
  const auto n = static_cast<double>(n_);
  const auto lambda = static_cast<double>(lambda_);
  mu_ = lambda_ / 2;
  // Preliminary weights w'_i = ln((lambda + 1) / 2) - ln i (Appendix A, Table 1).
  Eigen::VectorXd w_prime(lambda_);
  for (int64_t i = 0; i < lambda_; ++i)
    w_prime[i] = std::log((lambda + 1.0) / 2.0) - std::log(static_cast<double>(i + 1));
  const double sum_pos = w_prime.head(mu_).sum();
  mu_eff_ = sum_pos * sum_pos / w_prime.head(mu_).squaredNorm();
  const Eigen::VectorXd negative = w_prime.tail(lambda_ - mu_);
  const double sum_neg = negative.sum();
  const double mu_eff_minus = negative.size() > 0 ? sum_neg * sum_neg / negative.squaredNorm() : 0.0;

  const double alpha_cov = 2.0;
  c_1_ = alpha_cov / ((n + 1.3) * (n + 1.3) + mu_eff_);
  c_mu_ = std::min(1.0 - c_1_, alpha_cov * (0.25 + mu_eff_ + 1.0 / mu_eff_ - 2.0) /
                                   ((n + 2.0) * (n + 2.0) + alpha_cov * mu_eff_ / 2.0));
  if (separable_) {
    // Ros & Hansen 2008: a diagonal C can learn (n + 2) / 3 times faster.
    const double scale = (n + 2.0) / 3.0;
    c_1_ = std::min(1.0, c_1_ * scale);
    c_mu_ = std::min(1.0 - c_1_, c_mu_ * scale);
  }
  weights_ = Eigen::VectorXd::Zero(lambda_);
  weights_.head(mu_) = w_prime.head(mu_) / sum_pos;
  if (!separable_ && lambda_ > mu_ && sum_neg < 0.0) {
    // Active CMA: negative weights scaled by the smallest of alpha_mu^-, alpha_mu_eff^-, alpha_posdef^- (Table 1).
    const double alpha_mu_minus = 1.0 + c_1_ / c_mu_;
    const double alpha_mu_eff_minus = 1.0 + 2.0 * mu_eff_minus / (mu_eff_ + 2.0);
    const double alpha_posdef_minus = (1.0 - c_1_ - c_mu_) / (n * c_mu_);
    const double scale = std::min({alpha_mu_minus, alpha_mu_eff_minus, alpha_posdef_minus}) / -sum_neg;
    weights_.tail(lambda_ - mu_) = negative * scale;
  }
  c_sigma_ = (mu_eff_ + 2.0) / (n + mu_eff_ + 5.0);
  d_sigma_ = 1.0 + 2.0 * std::max(0.0, std::sqrt((mu_eff_ - 1.0) / (n + 1.0)) - 1.0) + c_sigma_;
  c_c_ = (4.0 + mu_eff_ / n) / (n + 4.0 + 2.0 * mu_eff_ / n);
  chi_n_ = std::sqrt(n) * (1.0 - 1.0 / (4.0 * n) + 1.0 / (21.0 * n * n));
}

void Cma::Decompose() {
  if (separable_) {
    c_ = c_.cwiseMax(kMinEigenvalue);
    d_ = c_.col(0).cwiseSqrt();
    return;
  }
  // Symmetrize against rounding before the eigendecomposition C = B D^2 B^T.
  c_ = 0.5 * (c_ + c_.transpose()).eval();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(c_);
  b_ = solver.eigenvectors();
  const Eigen::VectorXd eigenvalues = solver.eigenvalues().cwiseMax(kMinEigenvalue);
  d_ = eigenvalues.cwiseSqrt();
  c_ = b_ * eigenvalues.asDiagonal() * b_.transpose();
}

Eigen::MatrixXd Cma::Covariance() const {
  if (separable_) return c_.col(0).asDiagonal();
  return c_;
}

Eigen::VectorXd Cma::Ask(Rng& rng) const {
  Eigen::VectorXd z(n_);
  Eigen::VectorXd x(n_);
  for (int attempt = 0; attempt < kMaxResample; ++attempt) {
    for (int64_t i = 0; i < n_; ++i) z[i] = rng.Normal();
    const Eigen::VectorXd y =
        separable_ ? Eigen::VectorXd(d_.cwiseProduct(z)) : Eigen::VectorXd(b_ * d_.cwiseProduct(z));
    x = mean_ + sigma_ * a_.cwiseProduct(y);  // eq. (40), with the margin's A
    if ((x.array() >= 0.0).all() && (x.array() <= 1.0).all()) return x;
  }
  return x.cwiseMax(0.0).cwiseMin(1.0);
}

void Cma::Tell(const std::vector<Eigen::VectorXd>& xs, const std::vector<double>& values) {
  if (static_cast<int64_t>(xs.size()) != lambda_ || values.size() != xs.size()) {
    throw InvalidArgumentError(
        fmt::format("cmaes: tell needs exactly popsize ({}) solutions, got {}", lambda_, xs.size()));
  }
  for (size_t k = 0; k < xs.size(); ++k) {
    if (xs[k].size() != n_) {
      throw InvalidArgumentError(fmt::format("cmaes: solution {} has {} entries, expected {}", k, xs[k].size(), n_));
    }
    if (std::isnan(values[k])) throw InvalidArgumentError(fmt::format("cmaes: value of solution {} is NaN", k));
  }
  const auto n = static_cast<double>(n_);
  std::vector<size_t> order(xs.size());
  std::iota(order.begin(), order.end(), size_t{0});
  // Stable so equal values keep their candidate order: the update stays a pure function of the inputs.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });

  // Steps y_i = A^-1 (x_i - m) / sigma in the space where y ~ N(0, C).
  Eigen::MatrixXd y(n_, lambda_);
  for (int64_t k = 0; k < lambda_; ++k) {
    y.col(k) = (xs[order[static_cast<size_t>(k)]] - mean_).cwiseQuotient(a_) / sigma_;
  }
  const Eigen::VectorXd y_w = y.leftCols(mu_) * weights_.head(mu_);  // eq. (41)
  const Eigen::VectorXd old_mean = mean_;
  const double old_sigma = sigma_;
  const Eigen::MatrixXd old_c = lr_adapt_ ? c_ : Eigen::MatrixXd();
  mean_ += sigma_ * a_.cwiseProduct(y_w);  // eq. (42), c_m = 1

  // C^-1/2 = B D^-1 B^T.
  Eigen::MatrixXd c_inv_sqrt_y;
  Eigen::VectorXd c_inv_sqrt_y_w;
  Eigen::MatrixXd c_inv_sqrt;
  if (separable_) {
    const Eigen::VectorXd d_inv = d_.cwiseInverse();
    c_inv_sqrt_y_w = d_inv.cwiseProduct(y_w);
    c_inv_sqrt_y = d_inv.asDiagonal() * y;
  } else {
    c_inv_sqrt = b_ * d_.cwiseInverse().asDiagonal() * b_.transpose();
    c_inv_sqrt_y_w = c_inv_sqrt * y_w;
    c_inv_sqrt_y = c_inv_sqrt * y;
  }

  // Step-size control, eq. (43) and (44); the exponent is capped at 1 so one generation at most triples sigma.
  p_sigma_ = (1.0 - c_sigma_) * p_sigma_ + std::sqrt(c_sigma_ * (2.0 - c_sigma_) * mu_eff_) * c_inv_sqrt_y_w;
  const double p_sigma_norm = p_sigma_.norm();
  sigma_ *= std::exp(std::min(1.0, (c_sigma_ / d_sigma_) * (p_sigma_norm / chi_n_ - 1.0)));

  // h_sigma stalls p_c while ||p_sigma|| is large (the footnote to eq. (45)).
  const double correction = std::sqrt(1.0 - std::pow(1.0 - c_sigma_, 2.0 * static_cast<double>(generation_ + 1)));
  const bool h_sigma = p_sigma_norm / correction < (1.4 + 2.0 / (n + 1.0)) * chi_n_;
  p_c_ = (1.0 - c_c_) * p_c_ + (h_sigma ? std::sqrt(c_c_ * (2.0 - c_c_) * mu_eff_) : 0.0) * y_w;  // eq. (45)

  // Weights w_i° for the rank-mu update, eq. (46): negative weights are rescaled by n / ||C^-1/2 y_i||^2.
  Eigen::VectorXd w_circ = weights_;
  for (int64_t k = 0; k < lambda_; ++k) {
    if (w_circ[k] < 0.0) w_circ[k] *= n / std::max(c_inv_sqrt_y.col(k).squaredNorm(), 1e-300);
  }
  const double delta_h_sigma = (h_sigma ? 0.0 : 1.0) * c_c_ * (2.0 - c_c_);
  const double decay = 1.0 + c_1_ * delta_h_sigma - c_1_ - c_mu_ * weights_.sum();
  if (separable_) {
    Eigen::VectorXd rank_mu = Eigen::VectorXd::Zero(n_);
    for (int64_t k = 0; k < lambda_; ++k) rank_mu += w_circ[k] * y.col(k).cwiseAbs2();
    c_.col(0) = decay * c_.col(0) + c_1_ * p_c_.cwiseAbs2() + c_mu_ * rank_mu;
  } else {
    const Eigen::MatrixXd rank_mu = y * w_circ.asDiagonal() * y.transpose();
    c_ = decay * c_ + c_1_ * p_c_ * p_c_.transpose() + c_mu_ * rank_mu;  // eq. (47)
  }
  if (lr_adapt_) AdaptLearningRates(old_mean, old_sigma, old_c, c_inv_sqrt, c_inv_sqrt_y_w);
  ++generation_;
  Decompose();
  ApplyMargin();

  // Bookkeeping for the stopping criteria. The update above only ranked the values; kept here, an infinite value (an
  // objective's "as bad as it gets") becomes the largest finite one, so the state stays valid JSON and the ranges
  // the criteria take stay numbers.
  std::vector<double> sorted(values.size());
  for (size_t k = 0; k < order.size(); ++k) {
    constexpr double kMax = std::numeric_limits<double>::max();
    sorted[k] = std::clamp(values[order[k]], -kMax, kMax);
  }
  last_values_ = sorted;
  best_history_.push_back(sorted.front());
  median_history_.push_back(Median(sorted));
  const auto keep = static_cast<size_t>(2 * StagnationWindow(n_, lambda_));
  if (best_history_.size() > keep) {
    best_history_.erase(best_history_.begin(), best_history_.end() - static_cast<std::ptrdiff_t>(keep));
    median_history_.erase(median_history_.begin(), median_history_.end() - static_cast<std::ptrdiff_t>(keep));
  }
  // Flat fitness: the best and the ceil(0.7 lambda)-th value are equal. Widen the search (Hansen's remedy); the run
  // ends when it persists.
  const auto kth = static_cast<size_t>(std::ceil(0.7 * static_cast<double>(lambda_))) - 1;
  if (sorted.front() == sorted[std::min(kth, sorted.size() - 1)]) {
    ++flat_generations_;
    sigma_ *= std::exp(0.2 + c_sigma_ / d_sigma_);
  } else {
    flat_generations_ = 0;
  }
  sigma_ = std::min(sigma_, kMaxSigma);
}

void Cma::AdaptLearningRates(const Eigen::VectorXd& old_mean, double old_sigma, const Eigen::MatrixXd& old_c,
                             const Eigen::MatrixXd& old_c_inv_sqrt, const Eigen::VectorXd& y_w_local) {
  // The update in the local coordinates of the old distribution (arXiv:2304.03473, sec. 4.1, the Fisher metric):
  // Delta_m~ = Sigma^-1/2 Delta_m, which for the y-space step sigma y_w is C^-1/2 y_w, and
  // Delta_Sigma~ = Sigma^-1/2 Delta_Sigma Sigma^-1/2 / sqrt(2). Sigma is measured in units of old_sigma^2 throughout,
  // so tiny step sizes do not underflow.
  const double ratio = sigma_ / old_sigma;
  const Eigen::MatrixXd delta_c = ratio * ratio * c_ - old_c;  // Delta_Sigma / old_sigma^2
  const Eigen::MatrixXd local_sigma = old_c_inv_sqrt * delta_c * old_c_inv_sqrt / std::sqrt(2.0);

  // Moving averages of the update and of its squared norm (Algorithm 1).
  e_mean_ = (1.0 - kLraBetaMean) * e_mean_ + kLraBetaMean * y_w_local;
  e_sigma_ = (1.0 - kLraBetaSigma) * e_sigma_ + kLraBetaSigma * local_sigma;
  v_mean_ = (1.0 - kLraBetaMean) * v_mean_ + kLraBetaMean * y_w_local.squaredNorm();
  v_sigma_ = (1.0 - kLraBetaSigma) * v_sigma_ + kLraBetaSigma * local_sigma.squaredNorm();

  const double eta_mean_before = eta_mean_;
  eta_mean_ = NextEta(eta_mean_, EstimateSnr(e_mean_.squaredNorm(), v_mean_, kLraBetaMean), kLraBetaMean);
  eta_sigma_ = NextEta(eta_sigma_, EstimateSnr(e_sigma_.squaredNorm(), v_sigma_, kLraBetaSigma), kLraBetaSigma);

  // Damped update m <- m + eta_m Delta_m, Sigma <- Sigma + eta_Sigma Delta_Sigma; Sigma is a convex
  // combination of two positive definite matrices, so it stays one.
  mean_ = old_mean + eta_mean_ * (mean_ - old_mean);
  Eigen::MatrixXd sigma_matrix = old_c + eta_sigma_ * delta_c;
  sigma_matrix = 0.5 * (sigma_matrix + sigma_matrix.transpose()).eval();
  // Split Sigma into sigma^2 C with det C = 1.
  const Eigen::VectorXd eigenvalues =
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(sigma_matrix, Eigen::EigenvaluesOnly).eigenvalues();
  const double log_det = eigenvalues.cwiseMax(kMinEigenvalue).array().log().sum();
  const double scale_squared = std::exp(log_det / static_cast<double>(n_));
  sigma_ = old_sigma * std::sqrt(scale_squared);
  c_ = sigma_matrix / scale_squared;
  // Step-size correction (Algorithm 1): a smaller eta_m makes the mean move less, so sigma grows to compensate.
  sigma_ *= eta_mean_before / eta_mean_;
}

void Cma::ApplyMargin() {
  if (margin_ <= 0.0) return;
  const double z_edge = NormalQuantile(1.0 - margin_);
  for (int64_t j = 0; j < n_; ++j) {
    const std::vector<double>& t = thresholds_[static_cast<size_t>(j)];
    if (t.empty()) continue;
    const double c_jj = separable_ ? c_(j, 0) : c_(j, j);
    const double s = sigma_ * a_[j] * std::sqrt(c_jj);  // marginal standard deviation of x_j
    if (!(s > 0.0) || !std::isfinite(s)) continue;
    double& m = mean_[j];
    // The grid cell of m_j: (lo, hi], open-ended at the ends.
    const auto cell = static_cast<size_t>(std::upper_bound(t.begin(), t.end(), m) - t.begin());
    const bool first = cell == 0;
    const bool last = cell == t.size();
    if (first || last) {
      // Edge cell: only one neighbour. Move m toward it until P(crossing) = alpha (Hamano et al. 2022, sec. 4).
      const double boundary = first ? t.front() : t.back();
      if (std::abs(boundary - m) > z_edge * s) m = first ? boundary - z_edge * s : boundary + z_edge * s;
      continue;
    }
    const double lo = t[cell - 1];
    const double hi = t[cell];
    const double p_lo = NormalCdf((lo - m) / s);
    const double p_hi = 1.0 - NormalCdf((hi - m) / s);
    if (std::min(p_lo, p_hi) >= margin_ / 2.0) continue;
    // Inner cell: lift each tail to at least alpha / 2 and solve for the (mean, scale) with exactly those tails:
    // (lo - m') / s' = Phi^-1(p_lo'), (hi - m') / s' = Phi^-1(1 - p_hi').
    const double target_lo = std::max(p_lo, margin_ / 2.0);
    const double target_hi = std::max(p_hi, margin_ / 2.0);
    if (target_lo + target_hi >= 1.0) continue;
    const double q_lo = NormalQuantile(target_lo);
    const double q_hi = NormalQuantile(1.0 - target_hi);
    if (!(q_hi > q_lo)) continue;
    const double s_new = (hi - lo) / (q_hi - q_lo);
    m = lo - q_lo * s_new;
    a_[j] = s_new / (sigma_ * std::sqrt(c_jj));
  }
}

std::optional<std::string> Cma::StopReason() const {
  if (generation_ == 0) return std::nullopt;
  const auto window = static_cast<size_t>(TolFunWindow(n_, lambda_));
  if (best_history_.size() >= window) {
    double lo = *std::min_element(last_values_.begin(), last_values_.end());
    double hi = *std::max_element(last_values_.begin(), last_values_.end());
    for (size_t k = best_history_.size() - window; k < best_history_.size(); ++k) {
      lo = std::min(lo, best_history_[k]);
      hi = std::max(hi, best_history_[k]);
    }
    if (hi - lo < kTolFun) return "tolfun";
  }
  const Eigen::VectorXd c_diag = separable_ ? Eigen::VectorXd(c_.col(0)) : Eigen::VectorXd(c_.diagonal());
  bool all_small = true;
  for (int64_t i = 0; i < n_; ++i) {
    if (sigma_ * std::max(std::abs(p_c_[i]), std::sqrt(c_diag[i])) >= kTolXFactor * sigma0_) all_small = false;
  }
  if (all_small) return "tolx";
  // No effect along the principal axis i = g mod n: adding 0.1 sigma D_i b_i leaves m unchanged.
  {
    const int64_t i = generation_ % n_;
    Eigen::VectorXd axis = Eigen::VectorXd::Zero(n_);
    if (separable_) {
      axis[i] = d_[i];
    } else {
      axis = d_[i] * b_.col(i);
    }
    if ((mean_ + 0.1 * sigma_ * axis).cwiseEqual(mean_).all()) return "noeffectaxis";
  }
  for (int64_t i = 0; i < n_; ++i) {
    if (mean_[i] + 0.2 * sigma_ * std::sqrt(c_diag[i]) == mean_[i]) return "noeffectcoord";
  }
  const double condition = (d_.maxCoeff() / d_.minCoeff());
  if (condition * condition > kMaxCondition) return "conditioncov";
  // Stagnation: over the last 20% of the generations (at least 120 + 30 n / lambda), the medians of the best and of
  // the median values in the newest 20 generations are no better than in the oldest 20.
  const auto stagnation = static_cast<size_t>(StagnationWindow(n_, lambda_));
  const size_t span = std::max(stagnation, static_cast<size_t>(0.2 * static_cast<double>(generation_)));
  if (best_history_.size() >= span && span >= 40) {
    auto median_of = [](const std::vector<double>& h, size_t from, size_t count) {
      return Median(std::vector<double>(h.begin() + static_cast<std::ptrdiff_t>(from),
                                        h.begin() + static_cast<std::ptrdiff_t>(from + count)));
    };
    const size_t start = best_history_.size() - span;
    const size_t recent = best_history_.size() - 20;
    if (median_of(best_history_, recent, 20) >= median_of(best_history_, start, 20) &&
        median_of(median_history_, recent, 20) >= median_of(median_history_, start, 20)) {
      return "stagnation";
    }
  }
  if (flat_generations_ >= kFlatGenerationsToStop) return "flatfitness";
  return std::nullopt;
}

Json Cma::ToJson() const {
  Json json;
  json["n"] = n_;
  json["popsize"] = lambda_;
  json["separable"] = separable_;
  json["margin"] = margin_;
  json["thresholds"] = thresholds_;
  json["sigma0"] = sigma0_;
  json["generation"] = generation_;
  json["mean"] = VectorToJson(mean_);
  json["sigma"] = sigma_;
  json["C"] = std::vector<double>(c_.data(), c_.data() + c_.size());  // column-major
  json["p_sigma"] = VectorToJson(p_sigma_);
  json["p_c"] = VectorToJson(p_c_);
  json["A"] = VectorToJson(a_);
  json["best_history"] = best_history_;
  json["median_history"] = median_history_;
  json["last_values"] = last_values_;
  json["flat_generations"] = flat_generations_;
  if (lr_adapt_) {
    json["lr_adapt"] = Json{{"E_mean", VectorToJson(e_mean_)},
                            {"E_Sigma", std::vector<double>(e_sigma_.data(), e_sigma_.data() + e_sigma_.size())},
                            {"V_mean", v_mean_},
                            {"V_Sigma", v_sigma_},
                            {"eta_mean", eta_mean_},
                            {"eta_Sigma", eta_sigma_}};
  }
  return json;
}

Cma Cma::FromJson(const Json& json) {
  Cma cma;
  try {
    cma.n_ = json.at("n").get<int64_t>();
    cma.lambda_ = json.at("popsize").get<int64_t>();
    if (cma.n_ < 1 || cma.lambda_ < 2) throw InvalidArgumentError("cmaes state: bad dimension or popsize");
    cma.separable_ = json.at("separable").get<bool>();
    cma.margin_ = json.at("margin").get<double>();
    cma.thresholds_ = json.at("thresholds").get<std::vector<std::vector<double>>>();
    if (static_cast<int64_t>(cma.thresholds_.size()) != cma.n_) {
      throw InvalidArgumentError("cmaes state: thresholds need one entry per dimension");
    }
    cma.sigma0_ = json.at("sigma0").get<double>();
    cma.generation_ = json.at("generation").get<int64_t>();
    cma.mean_ = VectorFromJson(json.at("mean"), cma.n_, "mean");
    cma.sigma_ = json.at("sigma").get<double>();
    const int64_t cols = cma.separable_ ? 1 : cma.n_;
    const Eigen::VectorXd c = VectorFromJson(json.at("C"), cma.n_ * cols, "C");
    cma.c_ = Eigen::Map<const Eigen::MatrixXd>(c.data(), cma.n_, cols);
    cma.p_sigma_ = VectorFromJson(json.at("p_sigma"), cma.n_, "p_sigma");
    cma.p_c_ = VectorFromJson(json.at("p_c"), cma.n_, "p_c");
    cma.a_ = VectorFromJson(json.at("A"), cma.n_, "A");
    cma.best_history_ = json.at("best_history").get<std::vector<double>>();
    cma.median_history_ = json.at("median_history").get<std::vector<double>>();
    cma.last_values_ = json.at("last_values").get<std::vector<double>>();
    cma.flat_generations_ = json.at("flat_generations").get<int64_t>();
    // States written without learning-rate adaptation have no "lr_adapt" entry.
    if (const auto lra = json.find("lr_adapt"); lra != json.end()) {
      if (cma.separable_) throw InvalidArgumentError("cmaes state: lr_adapt with a separable covariance");
      cma.lr_adapt_ = true;
      cma.e_mean_ = VectorFromJson(lra->at("E_mean"), cma.n_, "E_mean");
      const Eigen::VectorXd e_sigma = VectorFromJson(lra->at("E_Sigma"), cma.n_ * cma.n_, "E_Sigma");
      cma.e_sigma_ = Eigen::Map<const Eigen::MatrixXd>(e_sigma.data(), cma.n_, cma.n_);
      cma.v_mean_ = lra->at("V_mean").get<double>();
      cma.v_sigma_ = lra->at("V_Sigma").get<double>();
      cma.eta_mean_ = lra->at("eta_mean").get<double>();
      cma.eta_sigma_ = lra->at("eta_Sigma").get<double>();
      if (!(cma.eta_mean_ > 0.0 && cma.eta_mean_ <= 1.0) || !(cma.eta_sigma_ > 0.0 && cma.eta_sigma_ <= 1.0)) {
        throw InvalidArgumentError("cmaes state: learning rates must lie in (0, 1]; the stored state is damaged");
      }
    }
  } catch (const Json::exception& e) {
    throw InvalidArgumentError(fmt::format("cmaes state: malformed JSON ({})", e.what()));
  }
  if (cma.best_history_.size() != cma.median_history_.size()) {
    throw InvalidArgumentError("cmaes state: best_history and median_history differ in length");
  }
  cma.Setup();
  // The stored C already went through Decompose (and is symmetric); only B and D are rebuilt, so the round trip
  // leaves C bit-identical.
  if (cma.separable_) {
    cma.d_ = cma.c_.col(0).cwiseSqrt();
  } else {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(cma.c_);
    cma.b_ = solver.eigenvectors();
    cma.d_ = solver.eigenvalues().cwiseMax(kMinEigenvalue).cwiseSqrt();
  }
  return cma;
}

}  // namespace hyperscout::cmaes
