#include "samplers/gp/acquisition.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hyperscout::gp {
namespace {

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kLogSqrt2Pi = 0.91893853320467274178;      // log √(2π)
constexpr double kLogSqrtPiOver2 = 0.22579135264472743236;  // log √(π/2)
constexpr double kSqrtPiOver2 = 1.25331413731550025121;
constexpr double kInvSqrtPi = 0.56418958354775628695;
// Below this z the asymptotic form of log h is exact to double precision: −1 / √ε.
const double kFarTail = -1.0 / std::sqrt(std::numeric_limits<double>::epsilon());

double NormalPdf(double z) {
  return std::exp(-0.5 * z * z - kLogSqrt2Pi);
}
double NormalCdf(double z) {
  return 0.5 * std::erfc(-z * kInvSqrt2);
}

// log(1 − e^a) for a < 0 (Mächler 2012, "Accurately computing log(1 − exp(−|a|))").
double Log1mExp(double a) {
  return a > -0.6931471805599453 ? std::log(-std::expm1(a)) : std::log1p(-std::exp(a));
}

// Φ(z) / φ(z) (the reciprocal of the inverse Mills ratio) for z <= 0, stable in the tail.
double MillsRatio(double z) {
  return kSqrtPiOver2 * Erfcx(-z * kInvSqrt2);
}

}  // namespace

double Erfcx(double x) {
  if (x < 10.0) return std::exp(x * x) * std::erfc(x);
  // Asymptotic series erfcx(x) ≈ 1/(x√π) Σ_k (−1)^k (2k−1)!! / (2x²)^k (Abramowitz and Stegun 7.1.23); for x >= 10
  // the terms shrink below 1e-16 relative long before they start to grow.
  const double inv = 1.0 / (2.0 * x * x);
  double term = 1.0;
  double sum = 1.0;
  for (int k = 1; k <= 12; ++k) {
    term *= -static_cast<double>(2 * k - 1) * inv;
    sum += term;
  }
  return sum * kInvSqrtPi / x;
}

double LogH(double z) {
  if (z > -1.0) return std::log(NormalPdf(z) + z * NormalCdf(z));
  if (z > kFarTail) {
    // h(z) = φ(z) (1 + z Φ(z)/φ(z)) and z Φ/φ = −|z| √(π/2) erfcx(−z/√2) → −1, so log(1 + ...) by log1mexp.
    return -0.5 * z * z - kLogSqrt2Pi + Log1mExp(std::log(Erfcx(-z * kInvSqrt2) * std::abs(z)) + kLogSqrtPiOver2);
  }
  return -0.5 * z * z - kLogSqrt2Pi - 2.0 * std::log(std::abs(z));
}

double LogHDerivative(double z) {
  if (z > -1.0) return NormalCdf(z) / (NormalPdf(z) + z * NormalCdf(z));
  if (z > kFarTail) {
    const double m = MillsRatio(z);
    return m / (1.0 + z * m);
  }
  return -z - 2.0 / z;
}

double LogNormalCdf(double z) {
  if (z > -5.0) return std::log(NormalCdf(z));
  // Φ(z) = ½ erfc(−z/√2) = ½ erfcx(−z/√2) e^{−z²/2}.
  return std::log(0.5 * Erfcx(-z * kInvSqrt2)) - 0.5 * z * z;
}

double LogNormalCdfDerivative(double z) {
  if (z > -5.0) return NormalPdf(z) / NormalCdf(z);
  return 1.0 / MillsRatio(z);
}

double LogReplicatePenalty(double variance, double noise) {
  // 1 − σ_n / q with q = √(v + σ_n²) is v / (q (q + σ_n)): no cancellation when v ≪ σ_n².
  const double v = std::max(variance, std::numeric_limits<double>::min());
  const double q = std::sqrt(v + noise);
  return std::log(v) - std::log(q) - std::log(q + std::sqrt(noise));
}

double LogReplicatePenaltyDerivative(double variance, double noise) {
  const double v = std::max(variance, std::numeric_limits<double>::min());
  const double q2 = v + noise;
  const double q = std::sqrt(q2);
  return 1.0 / v - 0.5 / q2 - 0.5 / (q * (q + std::sqrt(noise)));
}

namespace {

// One term of the log acquisition from a posterior (mean, variance): log EI below `target` when `ei`, else
// log P(f <= target). With grad, adds the term's gradient (from dmean and dvariance) to it.
double Term(bool ei, double target, double mean, double variance, const Eigen::VectorXd* dmean,
            const Eigen::VectorXd* dvariance, Eigen::VectorXd* grad) {
  const double sigma = std::sqrt(variance);
  const double z = (target - mean) / sigma;
  const double value = ei ? std::log(sigma) + LogH(z) : LogNormalCdf(z);
  if (grad != nullptr) {
    const double dlog = ei ? LogHDerivative(z) : LogNormalCdfDerivative(z);
    // dz = −dμ/σ − z dσ/σ with dσ = dvar / (2σ); d log σ = dvar / (2 var).
    const Eigen::VectorXd dz = -(*dmean) / sigma - z * (*dvariance) / (2.0 * variance);
    *grad += dlog * dz;
    if (ei) *grad += (*dvariance) / (2.0 * variance);
  }
  return value;
}

}  // namespace

double LogAcquisition(const AcquisitionModel& model, const Eigen::VectorXd& x, const std::vector<int>& grad_dims,
                      Eigen::VectorXd* grad) {
  double mean = 0.0;
  double variance = 0.0;
  Eigen::VectorXd dmean;
  Eigen::VectorXd dvariance;
  Eigen::VectorXd* dm = grad != nullptr ? &dmean : nullptr;
  Eigen::VectorXd* dv = grad != nullptr ? &dvariance : nullptr;
  if (grad != nullptr) grad->setZero(static_cast<Eigen::Index>(grad_dims.size()));
  double value = 0.0;
  if (model.use_ei) {
    model.objective->Predict(x, grad_dims, mean, variance, dm, dv);
    value += Term(true, model.best, mean, variance, dm, dv, grad);
    if (model.noise > 0.0) {
      value += LogReplicatePenalty(variance, model.noise);
      if (grad != nullptr) *grad += LogReplicatePenaltyDerivative(variance, model.noise) * dvariance;
    }
  }
  for (size_t k = 0; k < model.constraints.size(); ++k) {
    model.constraints[k]->Predict(x, grad_dims, mean, variance, dm, dv);
    value += Term(false, model.thresholds[k], mean, variance, dm, dv, grad);
  }
  return value;
}

Eigen::VectorXd LogAcquisitionBatch(const AcquisitionModel& model, const Eigen::MatrixXd& xs) {
  Eigen::VectorXd out = Eigen::VectorXd::Zero(xs.rows());
  Eigen::VectorXd mean;
  Eigen::VectorXd variance;
  if (model.use_ei) {
    model.objective->PredictBatch(xs, mean, variance);
    for (Eigen::Index i = 0; i < xs.rows(); ++i) {
      out(i) += Term(true, model.best, mean(i), variance(i), nullptr, nullptr, nullptr);
      if (model.noise > 0.0) out(i) += LogReplicatePenalty(variance(i), model.noise);
    }
  }
  for (size_t k = 0; k < model.constraints.size(); ++k) {
    model.constraints[k]->PredictBatch(xs, mean, variance);
    for (Eigen::Index i = 0; i < xs.rows(); ++i) {
      out(i) += Term(false, model.thresholds[k], mean(i), variance(i), nullptr, nullptr, nullptr);
    }
  }
  return out;
}

}  // namespace hyperscout::gp
