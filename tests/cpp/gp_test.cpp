// The GP sampler: gradients against finite differences, log-EI accuracy in the tails, the model's basic
// properties, pending trials, constraints, and a coarse quality check against random search.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numbers>
#include <numeric>
#include <set>
#include <string>
#include <tuple>

#include "hyperscout/common/error.hpp"
#include "hyperscout/common/rng.hpp"
#include "hyperscout/core/study.hpp"
#include "hyperscout/registry.hpp"
#include "hyperscout/samplers/gp.hpp"
#include "hyperscout/samplers/random.hpp"
#include "hyperscout/storage/memory_storage.hpp"
#include "math/lbfgsb.hpp"
#include "samplers/configuration.hpp"
#include "samplers/gp/acquisition.hpp"
#include "samplers/gp/gp.hpp"
#include "samplers/gp/kernel.hpp"
#include "samplers/gp/optimize_acquisition.hpp"
#include "samplers/gp/prior.hpp"

namespace hyperscout {
namespace {

// A random mixed design: `dims` columns, the last `n_categorical` of them categorical with 3 choices.
Eigen::MatrixXd RandomPoints(Rng& rng, Eigen::Index n, int dims, int n_categorical) {
  Eigen::MatrixXd x(n, dims);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (int j = 0; j < dims; ++j) {
      x(i, j) = j >= dims - n_categorical ? static_cast<double>(rng.UniformInt(0, 2)) : rng.Uniform();
    }
  }
  return x;
}

gp::KernelSpace MixedSpace(int dims, int n_categorical) {
  gp::KernelSpace space;
  for (int j = 0; j < dims; ++j) space.categorical.push_back(j >= dims - n_categorical ? 1 : 0);
  return space;
}

Eigen::VectorXd SmoothValues(const Eigen::MatrixXd& x) {
  Eigen::VectorXd y(x.rows());
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    y(i) = std::sin(3.0 * x(i, 0)) + x.row(i).squaredNorm() + 0.3 * x(i, x.cols() - 1);
  }
  return (y.array() - y.mean()) / std::sqrt((y.array() - y.mean()).square().mean());
}

// Central difference with relative-plus-absolute tolerance.
void ExpectGradientMatches(const std::function<double(const Eigen::VectorXd&)>& f, const Eigen::VectorXd& at,
                           const Eigen::VectorXd& analytic, const std::vector<int>& coords, double h, double tol) {
  for (size_t c = 0; c < coords.size(); ++c) {
    Eigen::VectorXd plus = at;
    Eigen::VectorXd minus = at;
    plus(coords[c]) += h;
    minus(coords[c]) -= h;
    const double numeric = (f(plus) - f(minus)) / (2.0 * h);
    EXPECT_NEAR(analytic(static_cast<Eigen::Index>(c)), numeric, tol * (1.0 + std::abs(numeric)))
        << "coordinate " << coords[c];
  }
}

TEST(MathLbfgsb, FindsTheBoxConstrainedMinimumOfRosenbrock) {
  // Unconstrained minimum (1, 1) lies outside the box; the constrained one is (0.5, 0.25) with f = 0.25.
  const math::Objective rosenbrock = [](const Eigen::VectorXd& v, Eigen::VectorXd& grad) {
    const double x = v(0);
    const double y = v(1);
    grad.resize(2);
    grad(0) = -2.0 * (1.0 - x) - 400.0 * x * (y - x * x);
    grad(1) = 200.0 * (y - x * x);
    return (1.0 - x) * (1.0 - x) + 100.0 * (y - x * x) * (y - x * x);
  };
  Eigen::VectorXd x(2);
  x << -1.5, 1.8;
  Eigen::VectorXd lower(2);
  Eigen::VectorXd upper(2);
  lower << -2.0, -1.0;
  upper << 0.5, 2.0;
  math::LbfgsbOptions options;
  options.max_iterations = 200;
  const double f = math::MinimizeInBox(rosenbrock, x, lower, upper, options);
  EXPECT_NEAR(x(0), 0.5, 1e-4);
  EXPECT_NEAR(x(1), 0.25, 1e-3);
  EXPECT_NEAR(f, 0.25, 1e-6);
}

TEST(MathLbfgsb, KeepsTheBestPointWhenTheObjectiveMisbehaves) {
  // A kink at 0.3 and NaN beyond 0.8: whatever the line search does, the answer is no worse than the start.
  const math::Objective kinked = [](const Eigen::VectorXd& v, Eigen::VectorXd& grad) {
    grad.resize(1);
    grad(0) = v(0) > 0.3 ? 1.0 : -1.0;
    return v(0) > 0.8 ? std::nan("") : std::abs(v(0) - 0.3);
  };
  Eigen::VectorXd x(1);
  x << 0.7;
  const double f = math::MinimizeInBox(kinked, x, Eigen::VectorXd::Zero(1), Eigen::VectorXd::Ones(1));
  EXPECT_LE(f, 0.4);
  EXPECT_NEAR(f, std::abs(x(0) - 0.3), 1e-12);
  EXPECT_LE(x(0), 0.8);
}

TEST(GpKernel, SlopeIsMinusTwiceTheDerivativeInSquaredDistance) {
  for (const gp::Matern matern : {gp::Matern::k52, gp::Matern::k32}) {
    // Matérn-3/2 is 1 − 3/2 r² + √3 r³ + ... near 0, so a difference quotient in r² there has an error of order √h:
    // its slope is checked from r² = 0.01 on, and at 0 against the expansion.
    for (double r2 : {0.0, 1e-6, 0.01, 0.3, 1.0, 4.0, 30.0}) {
      if (matern == gp::Matern::k32 && r2 < 0.01) continue;
      const double h = 1e-6 * std::max(r2, 1.0);
      const double lo = std::max(r2 - h, 0.0);
      const double numeric =
          (gp::MaternKernel(matern, r2 + h, 1.7) - gp::MaternKernel(matern, lo, 1.7)) / (r2 + h - lo);
      EXPECT_NEAR(-0.5 * gp::MaternSlope(matern, r2, 1.7), numeric, 1e-6 * (1.0 + std::abs(numeric))) << "r2 = " << r2;
    }
    EXPECT_DOUBLE_EQ(gp::MaternKernel(matern, 0.0, 2.5), 2.5);
  }
  EXPECT_DOUBLE_EQ(gp::MaternSlope(gp::Matern::k32, 0.0, 1.7), 3.0 * 1.7);
  EXPECT_DOUBLE_EQ(gp::MaternSlope(gp::Matern::k52, 0.0, 1.7), 5.0 / 3.0 * 1.7);
  // At the same r the rougher kernel decays faster at first: 1.7 (1 + √3) e^−√3 against the 5/2 value at r = 1.
  EXPECT_NEAR(gp::MaternKernel(gp::Matern::k32, 1.0, 1.7), 1.7 * (1.0 + std::sqrt(3.0)) * std::exp(-std::sqrt(3.0)),
              1e-15);
  EXPECT_LT(gp::MaternKernel(gp::Matern::k32, 0.01, 1.0), gp::MaternKernel(gp::Matern::k52, 0.01, 1.0));
}

TEST(GpPrior, NegativeLogPosteriorGradientMatchesFiniteDifferences) {
  Rng rng(11);
  const int dims = 4;
  gp::KernelSpace space = MixedSpace(dims, 1);
  const Eigen::MatrixXd x = RandomPoints(rng, 25, dims, 1);
  const Eigen::VectorXd y = SmoothValues(x);
  for (const auto& [deterministic, matern] :
       {std::pair{false, gp::Matern::k52}, std::pair{true, gp::Matern::k52}, std::pair{false, gp::Matern::k32}}) {
    space.matern = matern;
    for (int trial = 0; trial < 4; ++trial) {
      Eigen::VectorXd theta(dims + 2);
      for (int j = 0; j < dims; ++j) theta(j) = rng.Uniform(-1.5, 1.0);
      theta(dims) = rng.Uniform(-0.5, 0.5);
      theta(dims + 1) = rng.Uniform(-5.0, -2.0);
      Eigen::VectorXd grad;
      gp::NegativeLogPosterior(space, x, y, theta, deterministic, &grad);
      auto f = [&](const Eigen::VectorXd& t) {
        return gp::NegativeLogPosterior(space, x, y, t, deterministic, nullptr);
      };
      std::vector<int> coords(static_cast<size_t>(deterministic ? dims + 1 : dims + 2));
      std::iota(coords.begin(), coords.end(), 0);
      ExpectGradientMatches(f, theta, grad, coords, 1e-5, 1e-5);
      if (deterministic) EXPECT_EQ(grad(dims + 1), 0.0);
    }
  }
}

TEST(GpWarp, KumaraswamyIsMonotoneOntoTheUnitIntervalWithMatchingDerivatives) {
  // a = b = 1 is the identity; a < 1 stretches the low end (w(0.05) well above 0.05).
  EXPECT_NEAR(gp::Kumaraswamy(0.3, 0.0, 0.0, nullptr, nullptr, nullptr), 0.3, 1e-12);
  EXPECT_GT(gp::Kumaraswamy(0.05, std::log(0.4), 0.0, nullptr, nullptr, nullptr), 0.2);
  for (double log_a : {-1.5, 0.0, 1.2}) {
    for (double log_b : {-1.0, 0.3, 2.0}) {
      double previous = -1.0;
      for (double u = 0.0; u <= 1.0; u += 0.01) {
        double du = 0.0;
        double da = 0.0;
        double db = 0.0;
        const double w = gp::Kumaraswamy(u, log_a, log_b, &du, &da, &db);
        EXPECT_GE(w, 0.0);
        EXPECT_LE(w, 1.0);
        if (previous < 1.0) EXPECT_GT(w, previous) << u;  // strictly increasing until it rounds to 1
        if (previous == 1.0) EXPECT_EQ(w, 1.0) << u;
        EXPECT_TRUE(std::isfinite(du) && std::isfinite(da) && std::isfinite(db));
        previous = w;
        if (u < 0.02 || u > 0.98) continue;  // central differences need room inside the clipped interval
        const double h = 1e-6;
        auto at = [&](double uu, double la, double lb) {
          return gp::Kumaraswamy(uu, la, lb, nullptr, nullptr, nullptr);
        };
        EXPECT_NEAR(du, (at(u + h, log_a, log_b) - at(u - h, log_a, log_b)) / (2 * h), 1e-5 * (1 + std::abs(du)));
        EXPECT_NEAR(da, (at(u, log_a + h, log_b) - at(u, log_a - h, log_b)) / (2 * h), 1e-5 * (1 + std::abs(da)));
        EXPECT_NEAR(db, (at(u, log_a, log_b + h) - at(u, log_a, log_b - h)) / (2 * h), 1e-5 * (1 + std::abs(db)));
      }
    }
  }
}

TEST(GpPrior, WarpedNegativeLogPosteriorGradientMatchesFiniteDifferences) {
  Rng rng(13);
  const int dims = 3;
  gp::KernelSpace space = MixedSpace(dims, 1);
  space.warp = true;
  ASSERT_EQ(space.warped(), 2);
  ASSERT_EQ(gp::ThetaSize(space), dims + 2 + 4);
  const Eigen::MatrixXd x = RandomPoints(rng, 20, dims, 1);
  const Eigen::VectorXd y = SmoothValues(x);
  for (bool deterministic : {false, true}) {
    for (int trial = 0; trial < 3; ++trial) {
      Eigen::VectorXd theta(gp::ThetaSize(space));
      for (int j = 0; j < dims; ++j) theta(j) = rng.Uniform(-1.5, 1.0);
      theta(dims) = rng.Uniform(-0.5, 0.5);
      theta(dims + 1) = rng.Uniform(-5.0, -2.0);
      for (int k = 0; k < 4; ++k) theta(dims + 2 + k) = rng.Uniform(-1.0, 1.0);
      Eigen::VectorXd grad;
      gp::NegativeLogPosterior(space, x, y, theta, deterministic, &grad);
      auto f = [&](const Eigen::VectorXd& t) {
        return gp::NegativeLogPosterior(space, x, y, t, deterministic, nullptr);
      };
      std::vector<int> coords;
      for (int k = 0; k < theta.size(); ++k) {
        if (!(deterministic && k == dims + 1)) coords.push_back(k);
      }
      Eigen::VectorXd analytic(static_cast<Eigen::Index>(coords.size()));
      for (size_t c = 0; c < coords.size(); ++c) analytic(static_cast<Eigen::Index>(c)) = grad(coords[c]);
      ExpectGradientMatches(f, theta, analytic, coords, 1e-5, 1e-5);
    }
  }
  // A fit from the identity warp moves the shapes and improves the posterior.
  const Eigen::VectorXd start = gp::PriorMode(dims, false, space.warped());
  const Eigen::VectorXd theta = gp::FitHyperparameters(space, x, y, {start}, false, 50);
  ASSERT_EQ(theta.size(), gp::ThetaSize(space));
  EXPECT_LT(gp::NegativeLogPosterior(space, x, y, theta, false, nullptr),
            gp::NegativeLogPosterior(space, x, y, start, false, nullptr));
  const gp::HyperparameterBounds b = gp::Bounds(dims, false, space.warped());
  EXPECT_TRUE((theta.array() >= b.lower.array()).all() && (theta.array() <= b.upper.array()).all());
}

TEST(GpPrior, FitFindsAPosteriorAtLeastAsGoodAsItsStart) {
  Rng rng(5);
  const gp::KernelSpace space = MixedSpace(3, 0);
  const Eigen::MatrixXd x = RandomPoints(rng, 30, 3, 0);
  const Eigen::VectorXd y = SmoothValues(x);
  const Eigen::VectorXd start = gp::PriorMode(3, false);
  const Eigen::VectorXd theta = gp::FitHyperparameters(space, x, y, {start}, false, 50);
  EXPECT_LT(gp::NegativeLogPosterior(space, x, y, theta, false, nullptr),
            gp::NegativeLogPosterior(space, x, y, start, false, nullptr) - 1.0);
  const gp::HyperparameterBounds b = gp::Bounds(3, false);
  EXPECT_TRUE((theta.array() >= b.lower.array()).all() && (theta.array() <= b.upper.array()).all());
}

// The evidence rule of input_warping = "auto": 2-D data whose first coordinate acts through log(u + 0.01) (steep
// near u = 0, flat above) pay for warping; a stationary function of the same points does not, nor does a warp of
// the same fit value (the comparison needs a margin of log n per warped dimension).
TEST(GpPrior, WarpingPaysOnlyWhereTheDataBendAnInput) {
  Rng rng(23);
  const gp::KernelSpace plain = MixedSpace(2, 0);
  gp::KernelSpace warped = plain;
  warped.warp = true;
  const Eigen::MatrixXd x = RandomPoints(rng, 40, 2, 0);
  auto standardized = [](Eigen::VectorXd y) {
    const double std_dev = std::sqrt((y.array() - y.mean()).square().mean());
    return Eigen::VectorXd((y.array() - y.mean()) / std_dev);
  };
  Eigen::VectorXd bent(40);
  Eigen::VectorXd smooth(40);
  for (Eigen::Index i = 0; i < 40; ++i) {
    bent(i) = std::log(x(i, 0) + 0.01) + 0.5 * x(i, 1);
    smooth(i) = std::sin(3.0 * x(i, 0)) + 0.5 * x(i, 1);
  }
  auto pays = [&](const Eigen::VectorXd& y) {
    double plain_value = 0.0;
    double warped_value = 0.0;
    const Eigen::VectorXd theta =
        gp::FitHyperparameters(plain, x, y, {gp::PriorMode(2, true)}, true, 100, &plain_value);
    Eigen::VectorXd identity = Eigen::VectorXd::Zero(gp::ThetaSize(warped));  // the plain fit, warps at a = b = 1
    identity.head(theta.size()) = theta;
    gp::FitHyperparameters(warped, x, y, {identity, gp::PriorMode(2, true, 2)}, true, 100, &warped_value);
    EXPECT_LE(warped_value, plain_value + 1e-9);  // the warped model contains the plain one
    return gp::WarpingPays(plain_value, warped_value, x.rows(), warped.warped());
  };
  EXPECT_TRUE(pays(standardized(bent)));
  EXPECT_FALSE(pays(standardized(smooth)));
  EXPECT_FALSE(gp::WarpingPays(10.0, 10.0 - 0.99 * 2.0 * std::log(40.0), 40, 2));
  EXPECT_TRUE(gp::WarpingPays(10.0, 10.0 - 1.01 * 2.0 * std::log(40.0), 40, 2));
}

// The noise prior lets the data set the noise both ways: a smooth deterministic function is interpolated (the MAP
// noise falls far below the 1e-3 of the output variance the earlier log-normal prior held it above), and added
// noise of variance ~0.1 of the output's is found within a factor of three.
TEST(GpPrior, MapNoiseFollowsTheData) {
  Rng rng(17);
  const gp::KernelSpace space = MixedSpace(3, 0);
  const Eigen::MatrixXd x = RandomPoints(rng, 40, 3, 0);
  const Eigen::VectorXd clean = SmoothValues(x);
  const int noise_index = 3 + 1;
  auto map_noise = [&](const Eigen::VectorXd& y) {
    const std::vector<Eigen::VectorXd> starts = {gp::PriorMode(3, false)};
    return std::exp(gp::FitHyperparameters(space, x, y, starts, false, 100)(noise_index));
  };
  EXPECT_LT(map_noise(clean), 1e-4);
  Eigen::VectorXd noisy = clean;
  for (auto& v : noisy) v += std::sqrt(0.1) * rng.Normal();
  const double std_dev = std::sqrt((noisy.array() - noisy.mean()).square().mean());
  noisy = (noisy.array() - noisy.mean()) / std_dev;
  const double expected = 0.1 / (std_dev * std_dev);  // the added variance in the re-standardized units
  const double found = map_noise(noisy);
  EXPECT_GT(found, expected / 3.0);
  EXPECT_LT(found, expected * 3.0);
}

TEST(GpKernel, MatrixMatchesThePairwiseFormula) {
  // The batched kernel (vectorized distances and exponentials) against the scalar formula of kernel.hpp, pair by
  // pair, on a mixed space with length-scales from 5e-3 to 30, including a duplicate and a near duplicate; both
  // smoothnesses.
  for (const gp::Matern matern : {gp::Matern::k52, gp::Matern::k32}) {
    Rng rng(21);
    gp::KernelSpace space = MixedSpace(5, 2);
    space.matern = matern;
    Eigen::MatrixXd a = RandomPoints(rng, 37, 5, 2);
    Eigen::MatrixXd b = RandomPoints(rng, 23, 5, 2);
    b.row(4) = a.row(7);  // an exact duplicate: r² = 0
    b(5, 0) = a(3, 0) + 1e-7;
    b.row(5).tail(4) = a.row(3).tail(4);  // a near duplicate
    Eigen::VectorXd inverse_squared(5);
    inverse_squared << 1.0 / (5e-3 * 5e-3), 1.0, 1.0 / (30.0 * 30.0), 4.0, 0.25;
    Eigen::MatrixXd k;
    gp::KernelMatrix(space, a, b, inverse_squared, 1.7, k);
    ASSERT_EQ(k.rows(), 37);
    ASSERT_EQ(k.cols(), 23);
    for (Eigen::Index i = 0; i < a.rows(); ++i) {
      for (Eigen::Index j = 0; j < b.rows(); ++j) {
        const Eigen::VectorXd ai = a.row(i).transpose();
        const Eigen::VectorXd bj = b.row(j).transpose();
        const double r2 =
            gp::ScaledSquaredDistance(ai.data(), bj.data(), inverse_squared.data(), space.categorical.data(), 5);
        EXPECT_NEAR(k(i, j), gp::MaternKernel(matern, r2, 1.7), 1e-12) << i << ", " << j;
      }
    }
    EXPECT_DOUBLE_EQ(k(7, 4), 1.7);
    EXPECT_NEAR(k(3, 5), gp::MaternKernel(matern, 1e-14 / (5e-3 * 5e-3), 1.7), 1e-12);
  }
}

TEST(GpModel, SinglePredictionsAndTrainingMeanAgreeWithTheBatch) {
  // Three routes to the same posterior: PredictBatch, Predict (the local search's, through the full inverse) and
  // TrainingMean (the fit's shortcut y − σ_n² α at the training points), on noisy data.
  Rng rng(5);
  const gp::KernelSpace space = MixedSpace(4, 1);
  const Eigen::MatrixXd x = RandomPoints(rng, 40, 4, 1);
  const Eigen::VectorXd y = SmoothValues(x);
  Eigen::VectorXd theta(6);
  theta << -0.5, -1.0, 0.2, 0.0, 0.3, std::log(0.05);
  gp::GaussianProcess model;
  model.Fit(space, x, y, theta);
  const Eigen::MatrixXd probe = RandomPoints(rng, 15, 4, 1);
  Eigen::VectorXd mean;
  Eigen::VectorXd variance;
  model.PredictBatch(probe, mean, variance);
  for (Eigen::Index i = 0; i < probe.rows(); ++i) {
    double m = 0.0;
    double v = 0.0;
    model.Predict(probe.row(i).transpose(), {}, m, v, nullptr, nullptr);
    EXPECT_NEAR(m, mean(i), 1e-9) << "probe " << i;
    EXPECT_NEAR(v, variance(i), 1e-9) << "probe " << i;
  }
  model.PredictBatch(x, mean, variance);
  const Eigen::VectorXd training = model.TrainingMean();
  ASSERT_EQ(training.size(), x.rows());
  for (Eigen::Index i = 0; i < x.rows(); ++i) EXPECT_NEAR(training(i), mean(i), 1e-9) << "point " << i;
  // With noise 0.05 the posterior smooths: the training mean is not the data.
  EXPECT_GT((training - y).cwiseAbs().maxCoeff(), 1e-3);
}

TEST(GpModel, PosteriorMeanInterpolatesNoiseFreeData) {
  Rng rng(3);
  const gp::KernelSpace space = MixedSpace(3, 1);
  const Eigen::MatrixXd x = RandomPoints(rng, 20, 3, 1);
  const Eigen::VectorXd y = SmoothValues(x);
  Eigen::VectorXd theta(5);
  theta << -1.0, -1.0, 0.0, 0.0, std::log(1e-10);
  gp::GaussianProcess model;
  model.Fit(space, x, y, theta);
  Eigen::VectorXd mean;
  Eigen::VectorXd variance;
  model.PredictBatch(x, mean, variance);
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    EXPECT_NEAR(mean(i), y(i), 1e-5) << "point " << i;
    EXPECT_LT(variance(i), 1e-5) << "point " << i;
  }
  // Away from the data the posterior is uncertain again.
  Eigen::MatrixXd far(1, 3);
  far << 5.0, -5.0, 1.0;
  model.PredictBatch(far, mean, variance);
  EXPECT_GT(variance(0), 0.5);
}

TEST(GpModel, CholeskySurvivesDuplicatedPoints) {
  Rng rng(8);
  const gp::KernelSpace space = MixedSpace(2, 0);
  Eigen::MatrixXd x = RandomPoints(rng, 12, 2, 0);
  x.row(5) = x.row(2);
  x.row(9) = x.row(2);
  Eigen::VectorXd y = SmoothValues(x);
  Eigen::VectorXd theta(4);
  theta << -1.0, -1.0, 0.0, -40.0;  // noise e^-40: K is singular without jitter
  gp::GaussianProcess model;
  model.Fit(space, x, y, theta);
  EXPECT_GT(model.jitter(), 0.0);
  Eigen::VectorXd mean;
  Eigen::VectorXd variance;
  model.PredictBatch(x, mean, variance);
  EXPECT_TRUE(mean.allFinite());
  EXPECT_TRUE(variance.allFinite());
  EXPECT_NEAR(mean(2), y(2), 1e-3);
  EXPECT_TRUE(std::isfinite(gp::NegativeLogPosterior(space, x, y, theta, false, nullptr)));
}

TEST(GpModel, PredictionGradientsMatchFiniteDifferences) {
  for (const auto& [warp, matern] :
       {std::pair{false, gp::Matern::k52}, std::pair{true, gp::Matern::k52}, std::pair{true, gp::Matern::k32}}) {
    Rng rng(21);
    gp::KernelSpace space = MixedSpace(3, 1);
    space.warp = warp;
    space.matern = matern;
    const Eigen::MatrixXd x = RandomPoints(rng, 15, 3, 1);
    gp::GaussianProcess model;
    Eigen::VectorXd theta(gp::ThetaSize(space));
    theta.head(5) << -1.2, -0.7, 0.0, 0.2, -6.0;
    if (warp) theta.tail(4) << -0.6, 0.4, 0.8, -0.3;
    model.Fit(space, x, SmoothValues(x), theta);
    // The batch path warps too: it agrees with single predictions.
    Eigen::MatrixXd some(2, 3);
    some << 0.1, 0.9, 1.0, 0.7, 0.2, 0.0;
    Eigen::VectorXd batch_mean;
    Eigen::VectorXd batch_variance;
    model.PredictBatch(some, batch_mean, batch_variance);
    for (Eigen::Index r = 0; r < 2; ++r) {
      double m = 0.0;
      double v = 0.0;
      model.Predict(some.row(r).transpose(), {}, m, v, nullptr, nullptr);
      EXPECT_NEAR(m, batch_mean(r), 1e-9);
      EXPECT_NEAR(v, batch_variance(r), 1e-9);
    }
    const std::vector<int> coords = {0, 1};
    for (int k = 0; k < 5; ++k) {
      Eigen::VectorXd at(3);
      at << rng.Uniform(), rng.Uniform(), 1.0;
      double mean = 0.0;
      double variance = 0.0;
      Eigen::VectorXd dmean;
      Eigen::VectorXd dvariance;
      model.Predict(at, coords, mean, variance, &dmean, &dvariance);
      auto mean_at = [&](const Eigen::VectorXd& p) {
        double m = 0.0;
        double v = 0.0;
        model.Predict(p, {}, m, v, nullptr, nullptr);
        return m;
      };
      auto variance_at = [&](const Eigen::VectorXd& p) {
        double m = 0.0;
        double v = 0.0;
        model.Predict(p, {}, m, v, nullptr, nullptr);
        return v;
      };
      ExpectGradientMatches(mean_at, at, dmean, coords, 1e-6, 1e-5);
      ExpectGradientMatches(variance_at, at, dvariance, coords, 1e-6, 1e-5);
    }
  }
}

// h(z) = φ(z) + z Φ(z) in 80-bit long double, whose exponent range holds φ(−40) ≈ 1e-348.
long double ReferenceH(long double z) {
  const long double pdf = std::exp(-0.5L * z * z) / std::sqrt(2.0L * std::numbers::pi_v<long double>);
  const long double cdf = 0.5L * std::erfc(-z / std::sqrt(2.0L));
  return pdf + z * cdf;
}

TEST(GpAcquisition, LogHIsAccurateFiniteAndMonotoneFromMinus40To40) {
  double previous = -std::numeric_limits<double>::infinity();
  for (double z = -40.0; z <= 40.0; z += 0.125) {
    const double value = gp::LogH(z);
    ASSERT_TRUE(std::isfinite(value)) << "z = " << z;
    EXPECT_GT(value, previous) << "z = " << z;
    previous = value;
    // The long double reference loses ~z² of its 64-bit mantissa to cancellation; at z = −40 that leaves ~1e-16.
    const auto reference = static_cast<double>(std::log(ReferenceH(static_cast<long double>(z))));
    EXPECT_NEAR(value, reference, 1e-10 * std::max(1.0, std::abs(reference))) << "z = " << z;
  }
}

TEST(GpAcquisition, LogHFarTailFollowsTheAsymptote) {
  // log h(z) → −z²/2 − log √(2π) − 2 log|z| as z → −∞ (h(z) ≈ φ(z) / z²).
  for (double z : {-1e3, -1e5, -1e8, -1e12}) {
    const double asymptote = -0.5 * z * z - 0.5 * std::log(2.0 * std::numbers::pi) - 2.0 * std::log(-z);
    EXPECT_TRUE(std::isfinite(gp::LogH(z)));
    EXPECT_NEAR(gp::LogH(z), asymptote, 1e-6 * std::abs(asymptote)) << "z = " << z;
    EXPECT_GT(gp::LogH(z * 0.999), gp::LogH(z));
  }
}

TEST(GpAcquisition, LogHAndLogCdfDerivativesMatchFiniteDifferences) {
  for (double z : {-35.0, -12.0, -3.0, -1.0, -0.999, -0.3, 0.0, 0.7, 4.0, 20.0}) {
    const double h = 1e-5 * std::max(1.0, std::abs(z));
    const double numeric = (gp::LogH(z + h) - gp::LogH(z - h)) / (2.0 * h);
    EXPECT_NEAR(gp::LogHDerivative(z), numeric, 1e-6 * (1.0 + std::abs(numeric))) << "z = " << z;
    const double numeric_cdf = (gp::LogNormalCdf(z + h) - gp::LogNormalCdf(z - h)) / (2.0 * h);
    EXPECT_NEAR(gp::LogNormalCdfDerivative(z), numeric_cdf, 1e-6 * (1.0 + std::abs(numeric_cdf))) << "z = " << z;
  }
}

TEST(GpAcquisition, LogNormalCdfIsAccurateInTheTail) {
  for (double z = -40.0; z <= 8.0; z += 0.25) {
    const auto reference =
        static_cast<double>(std::log(0.5L * std::erfc(-static_cast<long double>(z) / std::sqrt(2.0L))));
    EXPECT_NEAR(gp::LogNormalCdf(z), reference, 1e-11 * std::max(1.0, std::abs(reference))) << "z = " << z;
  }
}

TEST(GpAcquisition, LogAcquisitionGradientMatchesFiniteDifferences) {
  Rng rng(4);
  const gp::KernelSpace space = MixedSpace(3, 1);
  const Eigen::MatrixXd x = RandomPoints(rng, 18, 3, 1);
  Eigen::VectorXd theta(5);
  theta << -1.0, -0.5, 0.0, 0.0, -5.0;
  gp::GaussianProcess objective;
  objective.Fit(space, x, SmoothValues(x), theta);
  Eigen::VectorXd c(x.rows());
  for (Eigen::Index i = 0; i < x.rows(); ++i) c(i) = x(i, 0) + x(i, 1) - 1.0;
  gp::GaussianProcess constraint;
  constraint.Fit(space, x, c, theta);
  for (const auto& [use_ei, noise] : {std::pair{true, 0.0}, std::pair{false, 0.0}, std::pair{true, 0.05}}) {
    gp::AcquisitionModel model;
    model.objective = &objective;
    model.best = SmoothValues(x).minCoeff();
    model.use_ei = use_ei;
    model.noise = noise;
    model.constraints = {&constraint};
    model.thresholds = {0.0};
    const std::vector<int> coords = {0, 1};
    for (int k = 0; k < 5; ++k) {
      Eigen::VectorXd at(3);
      at << rng.Uniform(), rng.Uniform(), 2.0;
      Eigen::VectorXd grad;
      gp::LogAcquisition(model, at, coords, &grad);
      auto f = [&](const Eigen::VectorXd& p) { return gp::LogAcquisition(model, p, {}, nullptr); };
      ExpectGradientMatches(f, at, grad, coords, 1e-6, 1e-4);
      Eigen::MatrixXd row = at.transpose();
      EXPECT_NEAR(gp::LogAcquisitionBatch(model, row)(0), f(at), 1e-9 * (1.0 + std::abs(f(at))));
    }
  }
}

TEST(GpAcquisition, ReplicatePenaltyIsStableAndItsDerivativeMatches) {
  for (double noise : {1e-6, 0.01, 1.0}) {
    for (double v : {1e-300, 1e-20, 1e-9, 1e-4, 0.01, 1.0, 100.0}) {
      // The naive form 1 − σ_n / √(v + σ_n²), in long double, where it still has digits.
      const long double naive = 1.0L - std::sqrt(static_cast<long double>(noise)) /
                                           std::sqrt(static_cast<long double>(v) + static_cast<long double>(noise));
      const double penalty = gp::LogReplicatePenalty(v, noise);
      ASSERT_TRUE(std::isfinite(penalty)) << "v = " << v << ", noise = " << noise;
      EXPECT_LT(penalty, 0.0);
      if (v / noise > 1e-6) {
        EXPECT_NEAR(penalty, static_cast<double>(std::log(naive)), 1e-9 * std::abs(penalty) + 1e-12)
            << "v = " << v << ", noise = " << noise;
      } else {
        // v ≪ σ_n²: the factor is v / (2 σ_n²) to first order.
        EXPECT_NEAR(penalty, std::log(v / (2.0 * noise)), 1e-5) << "v = " << v << ", noise = " << noise;
      }
      if (v >= 1e-9) {
        const double h = 1e-6 * v;
        const double numeric =
            (gp::LogReplicatePenalty(v + h, noise) - gp::LogReplicatePenalty(v - h, noise)) / (2 * h);
        const double analytic = gp::LogReplicatePenaltyDerivative(v, noise);
        EXPECT_NEAR(analytic, numeric, 1e-5 * std::abs(analytic)) << "v = " << v << ", noise = " << noise;
      }
    }
    // More uncertainty, less penalty.
    EXPECT_LT(gp::LogReplicatePenalty(0.01, noise), gp::LogReplicatePenalty(0.02, noise));
  }
}

TEST(GpAcquisition, ReplicatePenaltyMovesTheMaximumAwayFromARepeatedlyMeasuredPoint) {
  // Noisy measurements of a line that falls towards u = 1, twenty of them at u = 1 itself: plain EI still peaks
  // at the edge it has measured twenty times; with the penalty the maximum moves to where the model is unsure.
  Rng rng(8);
  gp::KernelSpace space;
  space.categorical = {0};
  Eigen::MatrixXd x(28, 1);
  Eigen::VectorXd y(28);
  for (Eigen::Index i = 0; i < 8; ++i) x(i, 0) = 0.1 * static_cast<double>(i);
  for (Eigen::Index i = 8; i < 28; ++i) x(i, 0) = 1.0;
  for (Eigen::Index i = 0; i < 28; ++i) y(i) = 1.0 - x(i, 0) + 0.1 * rng.Normal();
  Eigen::VectorXd theta(3);
  theta << std::log(0.5), 0.0, std::log(0.01);
  gp::GaussianProcess objective;
  objective.Fit(space, x, y, theta);
  gp::AcquisitionModel model;
  model.objective = &objective;
  model.best = objective.TrainingMean().minCoeff();
  auto argmax = [&] {
    double best_u = 0.0;
    double best_value = -std::numeric_limits<double>::infinity();
    for (int k = 0; k <= 1000; ++k) {
      Eigen::VectorXd at(1);
      at << k / 1000.0;
      const double value = gp::LogAcquisition(model, at, {}, nullptr);
      if (value > best_value) {
        best_value = value;
        best_u = at(0);
      }
    }
    return best_u;
  };
  EXPECT_GT(argmax(), 0.98);
  model.noise = objective.noise();
  EXPECT_LT(argmax(), 0.95);
}

TEST(GpAcquisitionSearch, CrossesAWideIntegerRangeFromASingleCandidate) {
  // An integer with 200 values (grid of cell centres), observed only at its top values, falling towards its low
  // end: the smooth model extrapolates the trend, so the acquisition rises steadily towards value 0, far from
  // most starting points. With one candidate and no anchors the local search alone must get there; one-value
  // neighbour steps would move it only a few values in the allowed rounds.
  const int n_values = 200;
  gp::SearchDim dim;
  dim.kind = gp::SearchDim::Kind::kGrid;
  for (int k = 0; k < n_values; ++k) dim.grid.push_back((k + 0.5) / n_values);
  gp::KernelSpace space;
  space.categorical = {0};
  Eigen::MatrixXd x(6, 1);
  Eigen::VectorXd y(6);
  for (Eigen::Index i = 0; i < 6; ++i) {
    x(i, 0) = dim.grid[static_cast<size_t>(std::min<Eigen::Index>(150 + 10 * i, n_values - 1))];  // 150 ... 199
    y(i) = x(i, 0);
  }
  Eigen::VectorXd theta(3);
  theta << std::log(1.0), 0.0, std::log(1e-6);
  gp::GaussianProcess objective;
  objective.Fit(space, x, y, theta);
  gp::AcquisitionModel model;
  model.objective = &objective;
  model.best = objective.TrainingMean().minCoeff();
  double best_on_grid = -std::numeric_limits<double>::infinity();
  for (double u : dim.grid) {
    Eigen::VectorXd at(1);
    at << u;
    best_on_grid = std::max(best_on_grid, gp::LogAcquisition(model, at, {}, nullptr));
  }
  gp::AcquisitionSearchOptions options;
  options.n_candidates = 1;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    double found_value = 0.0;
    const Eigen::VectorXd found =
        gp::MaximizeAcquisition(model, {dim}, Eigen::MatrixXd(0, 1), seed, options, {}, &found_value);
    const double index = found(0) * n_values - 0.5;
    EXPECT_NEAR(index, std::round(index), 1e-9) << "seed " << seed << ": not a grid value";
    EXPECT_LT(index, 100.0) << "seed " << seed;
    EXPECT_NEAR(found_value, best_on_grid, 1e-6) << "seed " << seed << ": at value " << index;
  }
}

TEST(GpOutputs, WarpKeepsOrderAndTamesOutliers) {
  std::vector<double> y = {0.1, 0.5, 0.2, 0.4, 0.3, 0.25, 1e9};
  const Eigen::VectorXd w = gp::WarpAndStandardize(y);
  for (size_t a = 0; a < y.size(); ++a) {
    for (size_t b = 0; b < y.size(); ++b) {
      if (y[a] < y[b]) EXPECT_LT(w(static_cast<Eigen::Index>(a)), w(static_cast<Eigen::Index>(b)));
    }
  }
  EXPECT_NEAR(w.mean(), 0.0, 1e-12);
  // Without the warp the outlier would take all the variance: 0.1 and 0.5 would end up ~1e-9 apart.
  EXPECT_GT(w(1) - w(0), 0.1);
}

TEST(GpOutputs, StandardizedAtAnyScaleAndWithInfiniteValues) {
  // The same shape at three scales standardizes to the same values: 1e300 used to overflow the variance, 1e-300 to
  // underflow it, and either left the model a flat surface.
  const std::vector<double> shape = {0.3, -0.1, 0.8, 0.05, -0.4, 0.6};
  const Eigen::VectorXd unit = gp::WarpAndStandardize(shape);
  EXPECT_NEAR(unit.squaredNorm() / static_cast<double>(unit.size()), 1.0, 1e-12);
  for (const double scale : {1e300, 1e-300}) {
    std::vector<double> scaled = shape;
    for (auto& v : scaled) v *= scale;
    const Eigen::VectorXd w = gp::WarpAndStandardize(scaled);
    for (Eigen::Index i = 0; i < w.size(); ++i) EXPECT_NEAR(w(i), unit(i), 1e-9) << scale << " at " << i;
  }
  // Infinite values rank with the worst or best finite one; the finite ones keep their spread.
  const double inf = std::numeric_limits<double>::infinity();
  const Eigen::VectorXd w = gp::WarpAndStandardize({0.1, inf, 0.5, -inf, 0.3});
  ASSERT_TRUE(w.allFinite());
  EXPECT_DOUBLE_EQ(w(1), w(2));
  EXPECT_DOUBLE_EQ(w(3), w(0));
  EXPECT_LT(w(0), w(4));
  EXPECT_LT(w(4), w(2));
  EXPECT_TRUE(gp::WarpAndStandardize({inf, inf}).isZero());
  // Values equal up to rounding are a constant, not a signal blown up to unit variance.
  const auto [mean, std_dev] = gp::StandardizingMoments(Eigen::Vector3d(1e6, 1e6 + 1e-7, 1e6));
  EXPECT_NEAR(mean, 1e6, 1e-6);
  EXPECT_EQ(std_dev, 1.0);
}

TEST(GpSampler, ModelsObjectivesAtExtremeScalesAndInfiniteValues) {
  // A 1-D bowl with its minimum at 0.3, at three scales and with +inf beyond 0.8: the GP must close in on 0.3 in each.
  for (const double scale : {1.0, 1e300, 1e-300}) {
    StudyOptions options;
    options.study_name = "scale";
    options.storage = std::make_shared<MemoryStorage>();
    options.sampler = MakeSampler("gp", 4);
    options.directions = {StudyDirection::kMinimize};
    auto study = Study::Create(options);
    study->Optimize(
        [scale](Trial& t) {
          const double x = t.SuggestFloat("x", 0.0, 1.0);
          return x > 0.8 ? std::numeric_limits<double>::infinity() : scale * (x - 0.3) * (x - 0.3);
        },
        {.n_trials = 30});
    const double best_x = std::get<double>(study->BestTrial().Param("x"));
    EXPECT_NEAR(best_x, 0.3, 1e-3) << "scale " << scale;
  }
}

std::unique_ptr<Study> NewStudy(std::shared_ptr<Sampler> sampler,
                                StudyDirection direction = StudyDirection::kMinimize) {
  StudyOptions options;
  options.study_name = "gp";
  options.storage = std::make_shared<MemoryStorage>();
  options.sampler = std::move(sampler);
  options.directions = {direction};
  return Study::Create(options);
}

TEST(GpSampler, RejectsBadOptionsAndConstraints) {
  EXPECT_THROW(GpSampler(GpOptions{.n_candidates = 0}), InvalidArgumentError);
  try {  // reported as the GP's option, not as the one of the TPE it keeps for conditional spaces
    const GpSampler accepted(GpOptions{.n_startup_trials = -1});
    ADD_FAILURE() << "n_startup_trials = -1 was accepted by " << accepted.Name();
  } catch (const InvalidArgumentError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("gp: n_startup_trials", 0), 0u) << e.what();
  }
  EXPECT_THROW(MakeSampler("gp", 1, {{"n_restarts", "two"}}), InvalidArgumentError);
  auto study = NewStudy(MakeSampler("gp", 1));
  Trial trial = study->Ask();
  EXPECT_THROW(trial.SetConstraints({0.0, std::nan("")}), InvalidArgumentError);
  EXPECT_THROW(trial.SetConstraints({}), InvalidArgumentError);
  trial.SetConstraints({-1.0, 0.5});
  EXPECT_EQ(trial.Snapshot().system_attrs.at("constraints"), Json({-1.0, 0.5}));
}

TEST(GpSampler, ReplicatePenaltyOptionChangesOnlyTheModelledTrials) {
  // The registry option reaches the acquisition: with the same seed and the same noisy observations the Sobol
  // start-up is identical, and the GP's suggestions differ.
  auto gp_of = [](const std::shared_ptr<Sampler>& s) { return std::dynamic_pointer_cast<GpSampler>(s); };
  EXPECT_FALSE(gp_of(MakeSampler("gp", 1))->options().replicate_penalty);
  EXPECT_TRUE(gp_of(MakeSampler("gp", 1, {{"replicate_penalty", true}}))->options().replicate_penalty);
  EXPECT_THROW(MakeSampler("gp", 1, {{"replicate_penalty", "yes"}}), InvalidArgumentError);
  std::vector<std::vector<double>> xs;
  for (bool penalty : {false, true}) {
    auto study = NewStudy(MakeSampler("gp", 5, {{"replicate_penalty", penalty}}));
    Rng noise(11);
    std::vector<double> x;
    for (int i = 0; i < 16; ++i) {
      Trial trial = study->Ask();
      const double v = trial.SuggestFloat("x", -2.0, 2.0);
      study->Tell(trial, v * v + noise.Normal());
      x.push_back(v);
    }
    xs.push_back(x);
  }
  for (int i = 0; i < 10; ++i) EXPECT_EQ(xs[0][static_cast<size_t>(i)], xs[1][static_cast<size_t>(i)]) << i;
  int differ = 0;
  for (int i = 10; i < 16; ++i) differ += xs[0][static_cast<size_t>(i)] != xs[1][static_cast<size_t>(i)] ? 1 : 0;
  EXPECT_GT(differ, 0);
}

// input_warping reaches the model: "on" and "off" share the start-up, then suggest differently; every kind of
// parameter works with warping (categoricals are not warped), and a study on an objective that changes fast near
// one bound still improves on its start-up. "auto" (the default) follows "off" trial for trial on a stationary
// objective, where warping never pays, and leaves it on the objective above, where it does.
TEST(GpSampler, InputWarpingOptionChangesOnlyTheModelledTrials) {
  auto gp_of = [](const std::shared_ptr<Sampler>& s) { return std::dynamic_pointer_cast<GpSampler>(s); };
  EXPECT_EQ(gp_of(MakeSampler("gp", 1))->options().input_warping, "auto");
  EXPECT_EQ(gp_of(MakeSampler("gp", 1, {{"input_warping", "on"}}))->options().input_warping, "on");
  try {  // the bool of earlier versions: the message names the values that work
    MakeSampler("gp", 1, {{"input_warping", true}});
    ADD_FAILURE() << "input_warping = true was accepted";
  } catch (const InvalidArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("auto, on or off"), std::string::npos) << e.what();
  }
  EXPECT_THROW(MakeSampler("gp", 1, {{"input_warping", "yes"}}), InvalidArgumentError);
  const std::vector<std::string> kinds{"a", "b", "c"};
  auto bent = [&](Trial& t) {
    const double x = t.SuggestFloat("x", 0.0, 1.0);
    const int64_t n = t.SuggestInt("n", 10, 100);
    const std::string kind = t.SuggestCategorical("kind", kinds);
    // Changes fast for small n (its optimum is at n = 14) and slowly elsewhere.
    return std::abs(std::log(static_cast<double>(n) / 14.0)) + (x - 0.3) * (x - 0.3) + (kind == "b" ? 0.0 : 0.2);
  };
  auto smooth = [&](Trial& t) {
    const double x = t.SuggestFloat("x", 0.0, 1.0);
    const double z = t.SuggestFloat("z", -1.0, 1.0);
    return (x - 0.3) * (x - 0.3) + 0.5 * (z - 0.2) * (z - 0.2);
  };
  auto run = [&](const std::function<double(Trial&)>& objective, const std::string& warping) {
    auto study = NewStudy(MakeSampler("gp", 3, {{"input_warping", warping}}));
    study->Optimize(objective, {.n_trials = 30});
    std::vector<double> x;
    double best_startup = std::numeric_limits<double>::infinity();
    double best = std::numeric_limits<double>::infinity();
    for (const auto& t : study->Trials()) {
      x.push_back(t.params.at("x"));
      if (t.number < 10) best_startup = std::min(best_startup, t.values[0]);
      best = std::min(best, t.values[0]);
    }
    EXPECT_LT(best, best_startup) << "input_warping " << warping;
    return x;
  };
  auto count_differences = [](const std::vector<double>& a, const std::vector<double>& b) {
    for (int i = 0; i < 10; ++i) EXPECT_EQ(a[static_cast<size_t>(i)], b[static_cast<size_t>(i)]) << i;
    int differ = 0;
    for (int i = 10; i < 30; ++i) differ += a[static_cast<size_t>(i)] != b[static_cast<size_t>(i)] ? 1 : 0;
    return differ;
  };
  const std::vector<double> bent_off = run(bent, "off");
  EXPECT_GT(count_differences(bent_off, run(bent, "on")), 0);
  EXPECT_GT(count_differences(bent_off, run(bent, "auto")), 0);
  EXPECT_EQ(count_differences(run(smooth, "off"), run(smooth, "auto")), 0);
}

// kernel reaches the model: "matern32" shares the start-up with the default "matern52", then suggests differently,
// and still improves on its start-up; anything else is refused with the values that work.
TEST(GpSampler, KernelOptionChangesOnlyTheModelledTrials) {
  auto gp_of = [](const std::shared_ptr<Sampler>& s) { return std::dynamic_pointer_cast<GpSampler>(s); };
  EXPECT_EQ(gp_of(MakeSampler("gp", 1))->options().kernel, "matern52");
  EXPECT_EQ(gp_of(MakeSampler("gp", 1, {{"kernel", "matern32"}}))->options().kernel, "matern32");
  for (const Json& bad : {Json("matern12"), Json("rbf"), Json(32)}) {
    try {
      MakeSampler("gp", 1, {{"kernel", bad}});
      ADD_FAILURE() << "kernel = " << bad.dump() << " was accepted";
    } catch (const InvalidArgumentError& e) {
      EXPECT_NE(std::string(e.what()).find("kernel"), std::string::npos) << e.what();
    }
  }
  auto run = [](const std::string& kernel) {
    auto study = NewStudy(MakeSampler("gp", 5, {{"kernel", kernel}}));
    study->Optimize(
        [](Trial& t) {
          const double x = t.SuggestFloat("x", 0.0, 1.0);
          const int64_t n = t.SuggestInt("n", 1, 40);
          return std::abs(x - 0.3) + 0.05 * std::abs(static_cast<double>(n) - 17.0);  // kinked at the optimum
        },
        {.n_trials = 30});
    std::vector<FrozenTrial> trials = study->Trials();
    double best_startup = std::numeric_limits<double>::infinity();
    for (const auto& t : trials) {
      if (t.number < 10) best_startup = std::min(best_startup, t.values[0]);
    }
    EXPECT_LT(study->BestValue(), best_startup) << kernel;
    return trials;
  };
  const std::vector<FrozenTrial> smooth = run("matern52");
  const std::vector<FrozenTrial> rough = run("matern32");
  int differ = 0;
  for (size_t i = 0; i < smooth.size(); ++i) {
    if (i < 10) {
      EXPECT_EQ(smooth[i].params, rough[i].params) << "start-up trial " << i;
    } else {
      differ += smooth[i].params != rough[i].params ? 1 : 0;
    }
  }
  EXPECT_GT(differ, 0);
}

// The evidence kernel = "auto" compares: on 2-D data with kinks (|u − 0.4| + |v − 0.6|) the Matérn-3/2 fit has the
// higher log posterior, on smooth data (sin 3u + v / 2) the Matérn-5/2 fit; both fitted from the same starts.
TEST(GpPrior, EvidenceTellsAKinkedObjectiveFromASmoothOne) {
  Rng rng(29);
  gp::KernelSpace smooth_kernel = MixedSpace(2, 0);
  gp::KernelSpace rough_kernel = smooth_kernel;
  rough_kernel.matern = gp::Matern::k32;
  const Eigen::MatrixXd x = RandomPoints(rng, 40, 2, 0);
  Eigen::VectorXd kinked(40);
  Eigen::VectorXd smooth(40);
  for (Eigen::Index i = 0; i < 40; ++i) {
    kinked(i) = std::abs(x(i, 0) - 0.4) + std::abs(x(i, 1) - 0.6);
    smooth(i) = std::sin(3.0 * x(i, 0)) + 0.5 * x(i, 1);
  }
  // Negative log posteriors, lower is better: (Matérn-5/2, Matérn-3/2).
  auto values = [&](Eigen::VectorXd y) {
    y = (y.array() - y.mean()) / std::sqrt((y.array() - y.mean()).square().mean());
    std::pair<double, double> out;
    const std::vector<Eigen::VectorXd> starts = {gp::PriorMode(2, true)};
    gp::FitHyperparameters(smooth_kernel, x, y, starts, true, 100, &out.first);
    gp::FitHyperparameters(rough_kernel, x, y, starts, true, 100, &out.second);
    return out;
  };
  const auto [kinked_smooth, kinked_rough] = values(kinked);
  EXPECT_LT(kinked_rough, kinked_smooth);
  const auto [smooth_smooth, smooth_rough] = values(smooth);
  EXPECT_LT(smooth_smooth, smooth_rough);
}

// kernel = "auto" fits each smoothness from its own stream of random starts, so while the evidence picks Matérn-5/2
// it suggests exactly what kernel = "matern52" does: on a smooth objective, every trial. On a kinked one the two
// share the start-up and then part, once the data near the kink make Matérn-3/2 the better fit (the test above).
TEST(GpSampler, KernelAutoFollowsTheKernelTheDataSupport) {
  auto run = [](const std::string& kernel, bool kinked) {
    auto study = NewStudy(MakeSampler("gp", 7, {{"kernel", kernel}}));
    study->Optimize(
        [kinked](Trial& t) {
          const double x = t.SuggestFloat("x", 0.0, 1.0);
          const double y = t.SuggestFloat("y", 0.0, 1.0);
          return kinked ? std::abs(x - 0.4) + std::abs(y - 0.6) : std::sin(3.0 * x) + 0.5 * y;
        },
        {.n_trials = 30});
    std::vector<std::map<std::string, double>> params;
    for (const auto& t : study->Trials()) params.push_back(t.params);
    return params;
  };
  EXPECT_EQ(run("auto", false), run("matern52", false));
  const auto automatic = run("auto", true);
  const auto smooth = run("matern52", true);
  const auto first_difference = std::mismatch(automatic.begin(), automatic.end(), smooth.begin()).first;
  EXPECT_GE(first_difference - automatic.begin(), 10);  // the start-up
  EXPECT_NE(first_difference, automatic.end());
}

// One sampler serving two studies keeps each study's fits and models apart: alternating asks between a constrained
// study with pending trials (constraint models and fantasies) and a plain one give, trial for trial, what two
// samplers of the same seed give, one study each.
TEST(GpSampler, OneSamplerServesTwoStudiesAsTwoSamplersWould) {
  auto constrained = [](Trial& t) {
    const double x = t.SuggestFloat("x", -2.0, 2.0);
    const double y = t.SuggestFloat("y", -2.0, 2.0);
    t.SetConstraints({x + y - 1.0});
    return (x - 1.0) * (x - 1.0) + (y - 0.5) * (y - 0.5);
  };
  auto plain = [](Trial& t) {
    const double a = t.SuggestFloat("a", 0.0, 1.0);
    const double b = t.SuggestFloat("b", 1e-3, 1.0, /*log=*/true);
    const double c = t.SuggestFloat("c", 0.0, 1.0);
    return (a - 0.2) * (a - 0.2) + std::pow(std::log10(b) + 2.0, 2) + c;
  };
  // Asks two trials of `study` before telling either, so the second sees the first as pending.
  auto step = [](Study& study, const std::function<double(Trial&)>& objective) {
    Trial first = study.Ask();
    const double v1 = objective(first);
    Trial second = study.Ask();
    const double v2 = objective(second);
    study.Tell(first, v1);
    study.Tell(second, v2);
  };
  auto params = [](const Study& study) {
    std::vector<std::map<std::string, double>> out;
    for (const auto& t : study.Trials()) out.push_back(t.params);
    return out;
  };
  const std::shared_ptr<Sampler> shared = MakeSampler("gp", 5, {{"n_startup_trials", 4}});
  auto shared_a = NewStudy(shared);
  auto shared_b = NewStudy(shared);
  auto alone_a = NewStudy(MakeSampler("gp", 5, {{"n_startup_trials", 4}}));
  auto alone_b = NewStudy(MakeSampler("gp", 5, {{"n_startup_trials", 4}}));
  for (int i = 0; i < 10; ++i) {
    step(*shared_a, constrained);
    step(*shared_b, plain);
    step(*alone_a, constrained);
  }
  for (int i = 0; i < 10; ++i) step(*alone_b, plain);
  EXPECT_EQ(params(*shared_a), params(*alone_a));
  EXPECT_EQ(params(*shared_b), params(*alone_b));
  EXPECT_NE(params(*shared_a)[19], params(*shared_a)[18]);
}

// boundary_probe = 5 with 6 start-up trials: trials 10, 15, 20, ... are probes whenever the best COMPLETE trial
// before them has a parameter on a bound. The objective's optimum lies on the bounds of `lr` (at its low end) and
// `n` (high end), inside the range of `x`, so the GP's best trial reaches a bound early. A probe is the best trial
// with exactly one of its bound parameters changed.
TEST(GpSampler, BoundaryProbeRedrawsOneBoundParameterOfTheBestTrial) {
  auto gp_of = [](const std::shared_ptr<Sampler>& s) { return std::dynamic_pointer_cast<GpSampler>(s); };
  EXPECT_EQ(gp_of(MakeSampler("gp", 1))->options().boundary_probe, 10);
  EXPECT_EQ(gp_of(MakeSampler("gp", 1, {{"boundary_probe", 7}}))->options().boundary_probe, 7);
  EXPECT_THROW(MakeSampler("gp", 1, {{"boundary_probe", -1}}), InvalidArgumentError);
  const std::vector<std::string> kinds{"a", "b"};
  auto objective = [&](Trial& t) {
    const double x = t.SuggestFloat("x", -1.0, 1.0);
    const double lr = t.SuggestFloat("lr", 1e-4, 1.0, /*log=*/true);
    const int64_t n = t.SuggestInt("n", 1, 8);
    const std::string kind = t.SuggestCategorical("kind", kinds);
    return (x - 0.2) * (x - 0.2) + 0.1 * std::log10(lr) + 0.05 * static_cast<double>(8 - n) + (kind == "a" ? 0.0 : 0.3);
  };
  auto on_bound = [](const std::string& name, double v) {
    // Floats within a relative 1e-9 of an end of their range (of the log range for lr) are on it.
    if (name == "lr") return v <= 1e-4 * (1 + 1e-8) || v >= 1.0 - 1e-8;
    if (name == "n") return v <= 1 || v >= 8;
    if (name == "x") return v <= -1.0 + 1e-8 || v >= 1.0 - 1e-8;
    return false;
  };
  int probes = 0;
  for (uint64_t seed = 0; seed < 3; ++seed) {
    auto study = NewStudy(MakeSampler("gp", seed, {{"n_startup_trials", 6}, {"boundary_probe", 5}}));
    study->Optimize(objective, {.n_trials = 40});
    const auto trials = study->Trials();
    for (size_t t = 6; t < trials.size(); ++t) {
      size_t best = 0;
      for (size_t i = 1; i < t; ++i) best = trials[i].values[0] < trials[best].values[0] ? i : best;
      std::vector<std::string> changed;
      bool bound_changed_only = true;
      bool any_bound = false;
      for (const auto& [name, value] : trials[best].params) {
        any_bound = any_bound || on_bound(name, value);
        if (trials[t].params.at(name) != value) {
          changed.push_back(name);
          bound_changed_only = bound_changed_only && on_bound(name, value);
        }
      }
      const bool scheduled = (t - 6) % 5 == 4;
      if (scheduled && any_bound) {
        ++probes;
        EXPECT_EQ(changed.size(), 1U) << "seed " << seed << ", trial " << t;
        EXPECT_TRUE(bound_changed_only) << "seed " << seed << ", trial " << t;
      }
    }
  }
  EXPECT_GE(probes, 12);  // of the 18 scheduled trials (6 per seed), most find the best trial on a bound
}

TEST(GpSampler, ModelsTheIntersectionSpaceWithEveryKind) {
  auto sampler = std::make_shared<GpSampler>(GpOptions{.n_startup_trials = 6}, 3);
  auto study = NewStudy(sampler, StudyDirection::kMaximize);
  auto objective = [](Trial& t) {
    const double f = t.SuggestFloat("f", 1e-3, 1.0, true);
    const int64_t i = t.SuggestInt("i", 0, 12, false, 3);
    const std::string c = t.SuggestCategorical("c", std::vector<std::string>{"a", "b", "c"});
    const double s = t.SuggestFloat("s", 0.0, 1.0, false, 0.1);
    return -std::log(f) * 0.1 + static_cast<double>(i) + (c == "b" ? 2.0 : 0.0) + s;
  };
  study->Optimize(objective, {.n_trials = 10});
  Trial next = study->Ask();
  const SearchSpace space = sampler->InferRelativeSearchSpace(*study, next.Snapshot());
  ASSERT_EQ(space.size(), 4u);
  const auto values = sampler->SampleRelative(*study, next.Snapshot(), space);
  ASSERT_EQ(values.size(), 4u);
  for (const auto& [name, value] : values) EXPECT_TRUE(Contains(space.at(name), value)) << name << " = " << value;
}

// Two categoricals with 4 × 2 combinations and 10 start-up trials: the start-up visits every combination, in
// sequence and in a batch of pending asks alike, so an interaction between the choices cannot be missed.
TEST(GpSampler, StartupCoversEveryCategoricalCombination) {
  const std::vector<std::string> optimizers{"sgd", "adam", "rmsprop", "lbfgs"};
  const std::vector<std::string> flags{"off", "on"};
  for (uint64_t seed = 0; seed < 20; ++seed) {
    for (bool batch : {false, true}) {
      auto study = NewStudy(MakeSampler("gp", seed, {{"n_startup_trials", 10}}));
      std::set<std::pair<std::string, std::string>> seen;
      std::vector<Trial> pending;
      for (int i = 0; i < 10; ++i) {
        Trial t = study->Ask();
        const double x = t.SuggestFloat("x", 0.0, 1.0);
        const std::string opt = t.SuggestCategorical("opt", optimizers);
        const std::string flag = t.SuggestCategorical("flag", flags);
        seen.emplace(opt, flag);
        // Sequential: the first trial must finish to reveal the space; batch: the other nine stay pending.
        if (!batch || i == 0) {
          study->Tell(t, x);
        } else {
          pending.push_back(std::move(t));
        }
      }
      EXPECT_EQ(seen.size(), 8u) << "seed " << seed << (batch ? ", batch" : ", sequential");
    }
  }
}

// What counts as the same configuration: all of a trial's parameters (single-value ones aside) with the same
// distributions and values; a trial that took another branch of a conditional space is a different configuration.
TEST(SamplerConfiguration, IsTheWholeTrial) {
  const Distribution k = IntDistribution{1, 5, false, 1};
  const Distribution kind = CategoricalDistribution{{std::string("a"), std::string("b")}};
  const Distribution fixed = IntDistribution{3, 3, false, 1};
  const SearchSpace space{{"k", k}, {"kind", kind}};
  FrozenTrial trial;
  trial.params = {{"k", 2.0}, {"kind", 1.0}};
  trial.distributions = {{"k", k}, {"kind", kind}};
  EXPECT_EQ(ConfigurationOf(trial, space), (std::vector<double>{2.0, 1.0}));
  trial.params["fixed"] = 3.0;  // a single-value parameter does not make it another configuration
  trial.distributions["fixed"] = fixed;
  EXPECT_EQ(ConfigurationOf(trial, space), (std::vector<double>{2.0, 1.0}));
  trial.params["branch_x"] = 0.5;  // another branch's parameter does
  trial.distributions["branch_x"] = FloatDistribution{0.0, 1.0, false, std::nullopt};
  EXPECT_FALSE(ConfigurationOf(trial, space).has_value());
  trial.params.erase("branch_x");
  trial.distributions.erase("branch_x");
  trial.distributions["k"] = IntDistribution{1, 6, false, 1};  // so does another range
  EXPECT_FALSE(ConfigurationOf(trial, space).has_value());
  trial.distributions["k"] = k;
  trial.params.erase("kind");  // and a missing parameter
  trial.distributions.erase("kind");
  EXPECT_FALSE(ConfigurationOf(trial, space).has_value());
}

// A small discrete space (5 × 4 integers × 2 choices = 40 configurations): the GP never proposes a configuration the
// study already has, finished or running, until all 40 are taken; after that it may repeat them, and does not fail.
TEST(GpSampler, NeverRepeatsAConfigurationUntilTheSpaceIsExhausted) {
  const std::vector<std::string> kernels{"linear", "rbf"};
  auto objective = [](int64_t k, int64_t p, const std::string& kernel) {
    return std::pow(static_cast<double>(k) - 3.2, 2) + 0.5 * std::pow(static_cast<double>(p) - 2.0, 2) +
           (kernel == "rbf" ? 0.0 : 1.0);
  };
  for (uint64_t seed = 0; seed < 5; ++seed) {
    for (bool batch : {false, true}) {
      auto study = NewStudy(MakeSampler("gp", seed, {{"n_startup_trials", 6}}));
      std::set<std::tuple<int64_t, int64_t, std::string>> seen;
      // Sequential: each trial finishes before the next ask; batch: asks come eight at a time, told together.
      const int per_round = batch ? 8 : 1;
      for (int round = 0; round * per_round < 40; ++round) {
        std::vector<std::pair<Trial, double>> asked;
        for (int i = 0; i < per_round; ++i) {
          Trial t = study->Ask();
          const int64_t k = t.SuggestInt("k", 1, 5);
          const int64_t p = t.SuggestInt("p", 1, 4);
          const std::string kernel = t.SuggestCategorical("kernel", kernels);
          const bool fresh = seen.emplace(k, p, kernel).second;
          EXPECT_TRUE(fresh) << "seed " << seed << (batch ? ", batch" : ", sequential") << ": trial " << t.number()
                             << " repeats a configuration";
          asked.emplace_back(std::move(t), objective(k, p, kernel));
        }
        for (auto& [t, value] : asked) study->Tell(t, value);
      }
      EXPECT_EQ(seen.size(), 40u) << "seed " << seed << (batch ? ", batch" : ", sequential");
      // Exhausted: further trials repeat configurations, and still get valid ones.
      study->Optimize(
          [&](Trial& t) {
            const int64_t k = t.SuggestInt("k", 1, 5);
            const int64_t p = t.SuggestInt("p", 1, 4);
            const std::string kernel = t.SuggestCategorical("kernel", kernels);
            EXPECT_TRUE(seen.contains({k, p, kernel}));
            return objective(k, p, kernel);
          },
          {.n_trials = 3});
      EXPECT_EQ(study->Trials().size(), 43u);
    }
  }
}

// A failed configuration is not proposed again either: the GP does not model failures, so without the exclusion it
// would keep proposing the point its model likes best.
TEST(GpSampler, DoesNotRepeatAFailedConfiguration) {
  auto study = NewStudy(MakeSampler("gp", 3, {{"n_startup_trials", 5}}));
  auto value = [](int64_t k) { return std::pow(static_cast<double>(k) - 7.0, 2); };
  for (int64_t k : {1, 3, 5, 9, 11}) {
    study->EnqueueTrial({{"k", ParamValue{k}}});
  }
  study->Optimize([&](Trial& t) { return value(t.SuggestInt("k", 1, 12)); }, {.n_trials = 5});
  // The model's favourite is k = 7; it crashes every time it is tried.
  std::map<int64_t, int> tried;
  for (int i = 0; i < 7; ++i) {
    Trial t = study->Ask();
    const int64_t k = t.SuggestInt("k", 1, 12);
    ++tried[k];
    if (k == 7) {
      study->Tell(t, TrialState::kFail);
    } else {
      study->Tell(t, value(k));
    }
  }
  EXPECT_EQ(tried[7], 1) << "the failed configuration was proposed again";
  for (const auto& [k, n] : tried) EXPECT_EQ(n, 1) << "k = " << k << " proposed " << n << " times";
}

// Eight asks without a tell: the pending ones must push each new point elsewhere.
TEST(GpSampler, PendingTrialsSpreadABatchOfEight) {
  auto study = NewStudy(MakeSampler("gp", 7, {{"n_startup_trials", 8}}));
  auto objective = [](double x, double y) { return (x - 0.3) * (x - 0.3) + (y - 0.6) * (y - 0.6); };
  study->Optimize([&](Trial& t) { return objective(t.SuggestFloat("x", 0.0, 1.0), t.SuggestFloat("y", 0.0, 1.0)); },
                  {.n_trials = 16});
  std::vector<std::pair<double, double>> batch;
  for (int k = 0; k < 8; ++k) {
    Trial t = study->Ask();
    batch.emplace_back(t.SuggestFloat("x", 0.0, 1.0), t.SuggestFloat("y", 0.0, 1.0));
  }
  double closest = std::numeric_limits<double>::infinity();
  for (size_t a = 0; a < batch.size(); ++a) {
    for (size_t b = a + 1; b < batch.size(); ++b) {
      closest = std::min(closest, std::hypot(batch[a].first - batch[b].first, batch[a].second - batch[b].second));
    }
  }
  EXPECT_GT(closest, 0.05) << "two of eight pending points nearly coincide";
  // Spread out, not just distinct: the batch covers more than a small neighbourhood of the optimum.
  double widest = 0.0;
  for (const auto& [x, y] : batch) widest = std::max(widest, std::hypot(x - 0.3, y - 0.6));
  EXPECT_GT(widest, 0.2);
}

double Branin(double x1, double x2) {
  const double pi = std::numbers::pi;
  const double b = 5.1 / (4.0 * pi * pi);
  const double c = 5.0 / pi;
  const double t = 1.0 / (8.0 * pi);
  return std::pow(x2 - b * x1 * x1 + c * x1 - 6.0, 2) + 10.0 * (1.0 - t) * std::cos(x1) + 10.0;
}

// Mean over seeds of the best value after n_trials.
double MeanBest(const std::string& sampler, const Json& options, int n_seeds, int64_t n_trials,
                const std::function<double(Trial&)>& objective) {
  double total = 0.0;
  for (int seed = 0; seed < n_seeds; ++seed) {
    auto study = NewStudy(MakeSampler(sampler, static_cast<uint64_t>(seed), options));
    study->Optimize(objective, {.n_trials = n_trials});
    total += study->BestValue();
  }
  return total / n_seeds;
}

// Best value of 60 told trials on a 2-D quadratic when every fourth trial is asked and never told (a loop that skips
// `tell` after an error, a worker killed without heartbeats), or when every trial is told.
double BestWithAbandonedTrials(const std::string& sampler, uint64_t seed, bool abandon) {
  auto study = NewStudy(MakeSampler(sampler, seed));
  int told = 0;
  for (int asked = 1; told < 60; ++asked) {
    Trial trial = study->Ask();
    const double x = trial.SuggestFloat("x", -3.0, 3.0);
    const double y = trial.SuggestFloat("y", -3.0, 3.0);
    if (abandon && asked % 4 == 0) continue;
    study->Tell(trial, (x - 1.0) * (x - 1.0) + (y + 0.5) * (y + 0.5));
    ++told;
  }
  return study->BestValue();
}

TEST(GpSampler, TrialsAskedAndNeverToldStopSteeringGpAndTpe) {
  // While the untold trials kept the CL-mean lie (GP) or the worst value (TPE's constant liar), they marked the
  // region where the samplers were converging as mediocre for the rest of the study. Over these seeds the GP's best
  // was 0.015 to 0.44 (4e-7 to 5e-6 with every trial told); now an overtaken pending trial gets the model's own
  // prediction, and the GP does as well as with every trial told. TPE's mean best over 10 seeds was 0.028 against
  // 0.008; now 0.012.
  for (uint64_t seed = 0; seed < 5; ++seed) {
    EXPECT_LT(BestWithAbandonedTrials("gp", seed, true), 1e-4) << "seed " << seed;
  }
  double plain = 0.0;
  double abandoned = 0.0;
  for (uint64_t seed = 0; seed < 10; ++seed) {
    plain += BestWithAbandonedTrials("tpe", seed, false);
    abandoned += BestWithAbandonedTrials("tpe", seed, true);
  }
  EXPECT_LT(abandoned, 2.0 * plain) << "TPE, sums of 10 best values";
}

TEST(GpSampler, BeatsRandomOnBraninAndSphere) {
  auto branin = [](Trial& t) { return Branin(t.SuggestFloat("x1", -5.0, 10.0), t.SuggestFloat("x2", 0.0, 15.0)); };
  const double gp_branin = MeanBest("gp", Json::object(), 10, 30, branin);
  const double random_branin = MeanBest("random", Json::object(), 10, 30, branin);
  // Measured: gp ~0.42 (the optimum is 0.398), random ~1.67; half of random's leaves room for platform noise.
  EXPECT_LT(gp_branin, 0.5 * random_branin);
  auto sphere = [](Trial& t) {
    double sum = 0.0;
    for (int j = 0; j < 5; ++j) sum += std::pow(t.SuggestFloat("x" + std::to_string(j), -5.0, 5.0), 2);
    return sum;
  };
  const double gp_sphere = MeanBest("gp", Json::object(), 10, 30, sphere);
  const double random_sphere = MeanBest("random", Json::object(), 10, 30, sphere);
  // Measured: gp ~0.35, random ~13.2. A warm-start-only hyperparameter fit once gave 5.4: this bound catches that.
  EXPECT_LT(gp_sphere, 0.25 * random_sphere);
  std::cout << "mean best, 10 seeds x 30 trials: branin gp " << gp_branin << " random " << random_branin
            << "; sphere-5d gp " << gp_sphere << " random " << random_sphere << "\n";
}

// Hartmann 6-D (Dixon and Szegő 1978): four narrow basins of different depths, minimum −3.32237.
double Hartmann6(Trial& t) {
  static constexpr double kAlpha[4] = {1.0, 1.2, 3.0, 3.2};
  static constexpr double kA[4][6] = {
      {10, 3, 17, 3.5, 1.7, 8}, {0.05, 10, 17, 0.1, 8, 14}, {3, 3.5, 1.7, 10, 17, 8}, {17, 8, 0.05, 10, 0.1, 14}};
  static constexpr double kP[4][6] = {{0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
                                      {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
                                      {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
                                      {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};
  double x[6];
  for (int j = 0; j < 6; ++j) x[j] = t.SuggestFloat("x" + std::to_string(j), 0.0, 1.0);
  double total = 0.0;
  for (int i = 0; i < 4; ++i) {
    double r = 0.0;
    for (int j = 0; j < 6; ++j) r += kA[i][j] * (x[j] - kP[i][j]) * (x[j] - kP[i][j]);
    total -= kAlpha[i] * std::exp(-r);
  }
  return total;
}

// A deterministic multimodal objective: the GP must find better basins than TPE by a clear margin. With the noise
// held above ~1e-3 of the output variance and length-scales near 10 for weakly informed dimensions, the GP stalled in
// shallow basins and was no better than TPE here (mean regret 0.60 against TPE's 0.51 over 10 seeds).
TEST(GpSampler, BeatsTpeOnHartmann6) {
  constexpr double kOptimum = -3.32237;
  const double gp_regret = MeanBest("gp", Json::object(), 5, 50, Hartmann6) - kOptimum;
  const double tpe_regret = MeanBest("tpe", Json::object(), 5, 50, Hartmann6) - kOptimum;
  std::cout << "mean regret, 5 seeds x 50 trials, hartmann6: gp " << gp_regret << " tpe " << tpe_regret << "\n";
  EXPECT_LT(gp_regret, 0.5 * tpe_regret);
}

// Minimize (x − 0.8)² + (y − 0.8)² subject to x + y <= 1: the unconstrained optimum is infeasible and the
// constrained one, (0.5, 0.5), is worth 0.18.
TEST(GpSampler, ConstraintsLeadToBetterFeasibleValuesThanRandom) {
  auto run = [](const std::string& name, uint64_t seed) {
    auto study = NewStudy(MakeSampler(name, seed));
    study->Optimize(
        [](Trial& t) {
          const double x = t.SuggestFloat("x", 0.0, 1.0);
          const double y = t.SuggestFloat("y", 0.0, 1.0);
          t.SetConstraints({x + y - 1.0});
          return (x - 0.8) * (x - 0.8) + (y - 0.8) * (y - 0.8);
        },
        {.n_trials = 25});
    double best = std::numeric_limits<double>::infinity();
    for (const auto& t : study->Trials({TrialState::kComplete})) {
      if (t.system_attrs.at("constraints")[0].get<double>() <= 0.0) best = std::min(best, t.values[0]);
    }
    return best;
  };
  double gp_total = 0.0;
  double random_total = 0.0;
  for (uint64_t seed = 0; seed < 5; ++seed) {
    gp_total += run("gp", seed);
    random_total += run("random", seed);
  }
  EXPECT_LT(gp_total, random_total);
  EXPECT_LT(gp_total / 5.0, 0.19);  // within 0.01 of the constrained optimum on average
}

// stall_share = 1: once the best value (trial 0's, never beaten) has stood for max(20, n / 4) of n COMPLETE trials,
// every trial asked alone is the Sobol point the qmc sampler gives that trial number; before that the GP proposes
// what it would without the option, and a trial asked while another runs is the model's. With no feasible trial
// there is no best value to stall on.
TEST(GpSampler, StallShareDrawsSobolPointsOnlyAfterAStallAndWhenAlone) {
  EXPECT_EQ(GpOptions{}.stall_share, 0.0);
  for (const Json& bad : {Json(-0.1), Json(1.5), Json("half")}) {
    EXPECT_THROW(MakeSampler("gp", 1, {{"stall_share", bad}}), InvalidArgumentError) << bad.dump();
  }
  EXPECT_THROW(GpSampler(GpOptions{.stall_share = std::nan("")}), InvalidArgumentError);
  constexpr uint64_t kSeed = 5;
  auto run = [](std::shared_ptr<Sampler> sampler, bool feasible) {
    auto study = NewStudy(std::move(sampler));
    study->Optimize(
        [feasible](Trial& t) {
          const double x = t.SuggestFloat("x", 0.0, 1.0);
          const double y = t.SuggestFloat("y", -1.0, 1.0);
          t.SetConstraints({feasible ? -1.0 : 1.0});
          return t.number() == 0 ? 0.0 : 1.0 + (x - 0.5) * (x - 0.5) + y * y;
        },
        {.n_trials = 30});
    // Two more asks: the first alone, the second while the first runs.
    Trial alone = study->Ask();
    alone.SuggestFloat("x", 0.0, 1.0);
    alone.SuggestFloat("y", -1.0, 1.0);
    Trial beside = study->Ask();
    beside.SuggestFloat("x", 0.0, 1.0);
    beside.SuggestFloat("y", -1.0, 1.0);
    std::vector<std::map<std::string, double>> params;
    for (const auto& t : study->Trials()) params.push_back(t.params);
    return params;
  };
  const auto sobol = run(MakeSampler("qmc", kSeed), true);
  const auto plain = run(MakeSampler("gp", kSeed), true);
  const auto share = run(MakeSampler("gp", kSeed, {{"stall_share", 1.0}}), true);
  const auto infeasible = run(MakeSampler("gp", kSeed, {{"stall_share", 1.0}}), false);
  ASSERT_EQ(share.size(), 32u);
  for (size_t t = 0; t < share.size(); ++t) {
    if (t < 10) {  // the start-up
      EXPECT_EQ(share[t], sobol[t]) << "trial " << t;
    } else if (t <= 20) {  // 20 or fewer trials since the best: no stall yet
      EXPECT_EQ(share[t], plain[t]) << "trial " << t;
      EXPECT_NE(share[t], sobol[t]) << "trial " << t;
    } else if (t < 31) {  // stalled, and asked alone
      EXPECT_EQ(share[t], sobol[t]) << "trial " << t;
      EXPECT_NE(plain[t], sobol[t]) << "trial " << t;
    } else {  // asked while trial 30 runs
      EXPECT_NE(share[t], sobol[t]) << "trial " << t;
    }
    if (t >= 10) EXPECT_NE(infeasible[t], sobol[t]) << "trial " << t;
  }
}

}  // namespace
}  // namespace hyperscout
