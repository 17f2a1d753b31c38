#include "samplers/tpe/parzen_estimator.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>

#include "common/overloaded.hpp"

namespace hyperscout::tpe {
namespace {

constexpr double kLogSqrt2Pi = 0.91893853320467274178;  // log(sqrt(2 pi))
constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kNegInf = -std::numeric_limits<double>::infinity();
// Below this standardized width a cell's mass comes from the closed form around its midpoint (see LogGaussMass).
constexpr double kNarrowCell = 0.25;
// A kernel whose mean is this many sigmas inside both ends of [0, 1] loses less than 1e-16 of its mass to
// truncation, so its normalizer is taken as 1 without calling erfc.
constexpr double kUntruncatedSigmas = 8.5;

// log(Phi(x)), the standard normal log CDF.
double LogNdtr(double x) {
  if (x > 5.0) return -0.5 * std::erfc(x * kInvSqrt2);  // log1p(-q) with q < 3e-7
  if (x > -20.0) return std::log(0.5 * std::erfc(-x * kInvSqrt2));
  // Asymptotic series of the Mills ratio (Abramowitz and Stegun 26.2.12).
  const double r = 1.0 / (x * x);
  return -0.5 * x * x - std::log(-x) - kLogSqrt2Pi + std::log1p(r * (-1.0 + r * (3.0 - 15.0 * r)));
}

// log(1 - exp(d)) for d <= 0 (Maechler 2012, "Accurately computing log(1 - exp(-|a|))").
double Log1mExp(double d) {
  return d > -0.6931471805599453 ? std::log(-std::expm1(d)) : std::log1p(-std::exp(d));
}

// A draw from N(mu, sigma) truncated to [0, 1]. With mu in [0, 1] and sigma <= 1 at least a third of the draws are
// accepted, so rejection is cheaper than an inverse CDF.
double TruncatedNormal(Rng& rng, double mu, double sigma) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    const double x = mu + sigma * rng.Normal();
    if (x >= 0.0 && x <= 1.0) return x;
  }
  return std::clamp(mu, 0.0, 1.0);
}

// Indices of values[0..n) in ascending order of value, for values in [0, 1]. A bucket sort with one bucket per value
// is linear for the spread-out unit values TPE sees, unlike the O(n log n) comparison sort it replaces in the
// per-trial bandwidth computation; a crowded bucket falls back to std::sort.
void SortUnitValues(const double* values, size_t n, std::vector<uint32_t>& order, std::vector<uint32_t>& bucket_of,
                    std::vector<uint32_t>& starts) {
  order.resize(n);
  bucket_of.resize(n);
  starts.assign(n + 2, 0);
  const double scale = static_cast<double>(n);
  for (size_t i = 0; i < n; ++i) {
    const double b = std::clamp(std::floor(values[i] * scale), 0.0, scale - 1.0);
    bucket_of[i] = static_cast<uint32_t>(b);
    ++starts[bucket_of[i] + 2];
  }
  for (size_t b = 2; b < n + 2; ++b) starts[b] += starts[b - 1];
  for (size_t i = 0; i < n; ++i) order[starts[bucket_of[i] + 1]++] = static_cast<uint32_t>(i);
  // starts[b] is now the beginning of bucket b and starts[b + 1] its end.
  auto less = [&](uint32_t i, uint32_t j) { return values[i] < values[j] || (values[i] == values[j] && i < j); };
  for (size_t b = 0; b < n; ++b) {
    const size_t begin = starts[b];
    const size_t end = starts[b + 1];
    if (end - begin < 2) continue;
    if (end - begin > 32) {
      std::sort(order.begin() + static_cast<std::ptrdiff_t>(begin), order.begin() + static_cast<std::ptrdiff_t>(end),
                less);
      continue;
    }
    for (size_t j = begin + 1; j < end; ++j) {
      const uint32_t key = order[j];
      size_t i = j;
      for (; i > begin && less(key, order[i - 1]); --i) order[i] = order[i - 1];
      order[i] = key;
    }
  }
}

// exp(x) for x in [-37, 0] without a libm call, so the log-sum-exp loop vectorizes: x = k ln 2 + r with |r| <=
// ln(2) / 2, exp(r) by its Taylor series to r^12 (relative error < 1e-14), 2^k written into the exponent bits.
inline double ExpNonPositive(double x) {
  constexpr double kLog2e = 1.4426950408889634074;
  constexpr double kLn2Hi = 6.93147180369123816490e-01;  // ln 2 split so k * kLn2Hi is exact (Cody and Waite)
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kRound = 6755399441055744.0;  // 1.5 * 2^52: adding it rounds to an integer in the low bits
  const double shifted = x * kLog2e + kRound;
  const double k = shifted - kRound;
  const double r = (x - k * kLn2Hi) - k * kLn2Lo;
  double p = 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  // The low bits of `shifted` hold k (two's complement); k + 1023 in the exponent field is 2^k.
  const auto bits = (std::bit_cast<uint64_t>(shifted) + 1023) << 52;
  return p * std::bit_cast<double>(bits);
}

}  // namespace

double LogGaussMass(double a, double b) {
  if (!(a < b)) return kNegInf;
  const double w = b - a;
  if (w <= kNarrowCell) {
    // mass = phi(m) * integral_{-h}^{h} exp(-m t - t^2 / 2) dt with m the midpoint and h = w / 2. The integral is
    // 2 sinh(|m| h) / |m| times exp(-t^2/2) averaged over the cell (about exp(-h^2 / 6)); the relative error is below
    // h^2 / 3 < 0.6 %, and unlike erfc differences it neither cancels for narrow cells nor underflows in the tails.
    const double m = 0.5 * (a + b);
    const double h = 0.5 * w;
    const double s = std::fabs(m) * h;
    double log_shape = 0.0;  // log(sinh(s) / s)
    if (s < 1e-4) {
      log_shape = s * s / 6.0;
    } else if (s < 20.0) {
      log_shape = std::log(std::sinh(s) / s);
    } else {
      log_shape = s - std::log(2.0 * s);
    }
    return -0.5 * m * m - kLogSqrt2Pi + std::log(w) + log_shape - h * h / 6.0;
  }
  // Far in a tail the cell holds essentially all of the tail's mass phi(a) / a (1 - 1/a^2) (Abramowitz and Stegun
  // 26.2.12; the cell is wider than 0.25 here, so the part beyond it is below exp(-10) relative): one log instead
  // of two erfc calls, for the many kernel-cell pairs that are far apart.
  if (a > 40.0) return -0.5 * a * a - std::log(a) - kLogSqrt2Pi - 1.0 / (a * a);
  if (b < -40.0) return -0.5 * b * b - std::log(-b) - kLogSqrt2Pi - 1.0 / (b * b);
  if (a >= 0.0) {
    const double la = LogNdtr(-a);
    return la + Log1mExp(LogNdtr(-b) - la);
  }
  if (b <= 0.0) {
    const double lb = LogNdtr(b);
    return lb + Log1mExp(LogNdtr(a) - lb);
  }
  // The interval holds the mode, so the mass is at least ~0.1 and 1 - tails does not cancel. A tail beyond 8.5
  // sigmas holds under 1e-17 and is skipped (the common case for a kernel's normalizer near one end of [0, 1]).
  const double left_tail = a < -kUntruncatedSigmas ? 0.0 : std::erfc(-a * kInvSqrt2);
  const double right_tail = b > kUntruncatedSigmas ? 0.0 : std::erfc(b * kInvSqrt2);
  return std::log1p(-0.5 * (left_tail + right_tail));
}

double LogSumExp(double* x, size_t n) {
  if (n == 0) return kNegInf;
  double max = kNegInf;
  for (size_t i = 0; i < n; ++i) max = std::max(max, x[i]);
  if (!std::isfinite(max)) return max;
  // Terms more than 37 nats below the maximum are under 1e-16 of it, below the rounding of the sum, and are
  // dropped. In many dimensions that is nearly every kernel, so the survivors are first packed to the front
  // (branch-free: always store, advance only when kept), then exponentiated in one vectorized map with no libm call.
  const double cutoff = max - 37.0;
  size_t kept = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t keep = x[i] > cutoff ? 1 : 0;  // read before x[kept] (kept <= i) is overwritten
    x[kept] = x[i] - max;
    kept += keep;
  }
  for (size_t i = 0; i < kept; ++i) x[i] = ExpNonPositive(x[i]);
  double sum = 0.0;
  for (size_t i = 0; i < kept; ++i) sum += x[i];
  return max + std::log(sum);
}

ParzenDim ParzenDim::From(const Distribution& distribution) {
  ParzenDim dim;
  std::visit(Overloaded{
                 [&](const FloatDistribution& d) {
                   if (d.step) {
                     dim.kind = Kind::kDiscrete;
                     dim.n = *Cardinality(distribution);
                   } else {
                     dim.kind = Kind::kContinuous;
                   }
                 },
                 [&](const IntDistribution& d) {
                   dim.kind = Kind::kDiscrete;
                   dim.n = (d.high - d.low) / d.step + 1;
                   if (d.log) {
                     dim.log_int = true;
                     dim.low = d.low;
                     dim.log_lo = std::log(static_cast<double>(d.low) - 0.5);
                     dim.log_span = std::log(static_cast<double>(d.high) + 0.5) - dim.log_lo;
                   }
                 },
                 [&](const CategoricalDistribution& d) {
                   dim.kind = Kind::kCategorical;
                   dim.n = static_cast<int64_t>(d.choices.size());
                 },
             },
             distribution);
  return dim;
}

int64_t ParzenDim::CellOf(double u) const {
  if (log_int) {
    const double v = std::round(std::exp(log_lo + u * log_span));
    return std::clamp<int64_t>(static_cast<int64_t>(v) - low, 0, n - 1);
  }
  return std::clamp<int64_t>(static_cast<int64_t>(std::floor(u * static_cast<double>(n))), 0, n - 1);
}

void ParzenDim::CellEdges(int64_t cell, double& left, double& right) const {
  if (log_int) {
    const double v = static_cast<double>(low + cell);
    left = (std::log(v - 0.5) - log_lo) / log_span;
    right = (std::log(v + 0.5) - log_lo) / log_span;
    return;
  }
  left = static_cast<double>(cell) / static_cast<double>(n);
  right = static_cast<double>(cell + 1) / static_cast<double>(n);
}

double ParzenDim::CellCenter(int64_t cell) const {
  double left = 0.0;
  double right = 0.0;
  CellEdges(cell, left, right);
  return 0.5 * (left + right);
}

void ParzenEstimator::Fit(const std::vector<ParzenDim>& dims, const std::vector<double>& observations, size_t n_obs,
                          const std::vector<double>& weights, const ParzenOptions& options,
                          const std::vector<std::vector<uint32_t>>* orders) {
  dims_ = dims;
  n_obs_ = n_obs;
  const bool has_prior = options.consider_prior || n_obs == 0;
  const size_t n_kernels = n_obs + (has_prior ? 1 : 0);

  // Mixture weights (Watanabe 2023, eq. (4)): observation weights from the weighting rule plus the prior's.
  double total = 0.0;
  for (size_t i = 0; i < n_obs; ++i) total += weights[i];
  const double prior = has_prior ? (n_obs == 0 ? 1.0 : options.prior_weight) : 0.0;
  total += prior;
  const bool uniform = !(total > 0.0) || !std::isfinite(total);
  log_weights_.resize(n_kernels);
  cumulative_.resize(n_kernels);
  double running = 0.0;
  for (size_t k = 0; k < n_kernels; ++k) {
    const double w = uniform ? 1.0 : (k < n_obs ? weights[k] : prior);
    running += w;
    cumulative_[k] = running;
    log_weights_[k] = w > 0.0 ? std::log(w / (uniform ? static_cast<double>(n_kernels) : total)) : kNegInf;
  }
  kernel_const_.assign(log_weights_.begin(), log_weights_.end());
  sigma_product_.assign(n_kernels, 1.0);

  const size_t n_dims = dims.size();
  mu_.resize(n_dims);
  sigma_.resize(n_dims);
  inv_sigma_.resize(n_dims);
  distinct_mu_.resize(n_dims);
  distinct_inv_sigma_.resize(n_dims);
  distinct_of_.resize(n_dims);
  log_hit_.assign(n_dims, 0.0);
  log_miss_.assign(n_dims, 0.0);
  for (size_t d = 0; d < n_dims; ++d) {
    const double* column = observations.data() + d * n_obs;
    if (dims[d].kind != ParzenDim::Kind::kCategorical) {
      FitNumerical(d, column, n_obs, options, orders ? (*orders)[d].data() : nullptr);
      continue;
    }
    // Smoothed categorical kernel: each observation adds 1 to its choice on top of prior_weight / (n + 1) for every
    // choice, normalized per kernel; the prior kernel is uniform (Watanabe 2023, section 3.3).
    auto& mu = mu_[d];
    mu.assign(column, column + n_obs);
    if (has_prior) mu.push_back(-1.0);
    const double n_choices = static_cast<double>(dims[d].n);
    const double smoothing = options.prior_weight / static_cast<double>(n_obs + 1);
    const double row_sum = 1.0 + n_choices * smoothing;
    log_hit_[d] = std::log((1.0 + smoothing) / row_sum);
    log_miss_[d] = smoothing > 0.0 ? std::log(smoothing / row_sum) : kNegInf;
  }
  // One log per kernel for the product of its continuous bandwidths instead of one per kernel and dimension.
  for (size_t k = 0; k < n_kernels; ++k) kernel_const_[k] -= std::log(sigma_product_[k]);
}

void ParzenEstimator::FitNumerical(size_t d, const double* column, size_t n_obs, const ParzenOptions& options,
                                   const uint32_t* order) {
  const size_t n_kernels = log_weights_.size();
  auto& mu = mu_[d];
  auto& sigma = sigma_[d];
  auto& inv_sigma = inv_sigma_[d];
  mu.resize(n_kernels);
  sigma.resize(n_kernels);
  inv_sigma.resize(n_kernels);
  std::copy(column, column + n_obs, mu.begin());

  if (order == nullptr &&
      (dims_[d].kind == ParzenDim::Kind::kDiscrete || options.bandwidth == BandwidthRule::kNeighbor)) {
    SortUnitValues(column, n_obs, order_, bucket_of_, starts_);
    order = order_.data();
  }
  if (options.bandwidth == BandwidthRule::kScott) {
    const double s =
        0.2 * std::pow(static_cast<double>(std::max<size_t>(n_obs, 1)), -1.0 / static_cast<double>(dims_.size() + 4));
    std::fill(sigma.begin(), sigma.begin() + static_cast<std::ptrdiff_t>(n_obs), s);
  } else if (n_obs > 0) {
    // Each kernel is as wide as the larger gap to its sorted neighbours, the ends of [0, 1] counting as
    // neighbours (Bergstra et al. 2011, section 4.1). Without consider_endpoints the outermost kernels use their
    // inner gap only, so a lone point near an end is not stretched over the whole range.
    sorted_.resize(n_obs);
    for (size_t j = 0; j < n_obs; ++j) sorted_[j] = column[order[j]];
    for (size_t j = 0; j < n_obs; ++j) {
      const double left = sorted_[j] - (j > 0 ? sorted_[j - 1] : 0.0);
      const double right = (j + 1 < n_obs ? sorted_[j + 1] : 1.0) - sorted_[j];
      double s = std::max(left, right);
      if (!options.consider_endpoints && n_obs >= 2) {
        if (j == 0) s = right;
        if (j + 1 == n_obs) s = left;
      }
      sigma[order[j]] = s;
    }
  }
  // "Magic clip" (Bergstra et al. 2011; Watanabe 2023, section 3.2): no kernel narrower than range / min(100, 1 +
  // kernels), none wider than the range.
  const double min_sigma =
      options.consider_magic_clip ? 1.0 / std::min(100.0, 1.0 + static_cast<double>(n_kernels)) : 1e-12;
  for (size_t k = 0; k < n_obs; ++k) sigma[k] = std::clamp(sigma[k], min_sigma, 1.0);
  if (n_kernels > n_obs) {
    mu[n_obs] = 0.5;  // the prior: one kernel as wide as the range, centred on it
    sigma[n_obs] = 1.0;
  }

  const bool continuous = dims_[d].kind == ParzenDim::Kind::kContinuous;
  for (size_t k = 0; k < n_kernels; ++k) {
    inv_sigma[k] = 1.0 / sigma[k];
    const double a = -mu[k] * inv_sigma[k];
    const double b = (1.0 - mu[k]) * inv_sigma[k];
    const double log_z = (a < -kUntruncatedSigmas && b > kUntruncatedSigmas) ? 0.0 : LogGaussMass(a, b);
    kernel_const_[k] -= log_z;
    if (continuous) {
      kernel_const_[k] -= kLogSqrt2Pi;
      sigma_product_[k] *= sigma[k];
      if (sigma_product_[k] < 1e-150) {  // fold into the constant before the product underflows
        kernel_const_[k] -= std::log(sigma_product_[k]);
        sigma_product_[k] = 1.0;
      }
    }
  }
  if (!continuous) IndexDistinctKernels(d, n_obs, order);
}

void ParzenEstimator::IndexDistinctKernels(size_t d, size_t n_obs, const uint32_t* order) {
  // Discrete observations repeat grid values, and repeated values share bandwidths (equal neighbour gaps, or the
  // clip), so the kernels reduce to few distinct (mu, sigma) pairs; LogPdf computes each pair's cell mass once.
  // Walking the sorted order, equal mus are adjacent and a run of them holds at most three distinct sigmas.
  const auto& mu = mu_[d];
  const auto& sigma = sigma_[d];
  auto& distinct_mu = distinct_mu_[d];
  auto& distinct_inv_sigma = distinct_inv_sigma_[d];
  auto& distinct_of = distinct_of_[d];
  distinct_mu.clear();
  distinct_inv_sigma.clear();
  distinct_of.resize(mu.size());
  size_t run_start = 0;  // first distinct entry with the current mu
  for (size_t j = 0; j < n_obs; ++j) {
    const size_t k = order[j];
    if (distinct_mu.empty() || distinct_mu.back() != mu[k]) run_start = distinct_mu.size();
    size_t found = distinct_mu.size();
    for (size_t u = run_start; u < distinct_mu.size(); ++u) {
      if (distinct_inv_sigma[u] == 1.0 / sigma[k]) found = u;
    }
    if (found == distinct_mu.size()) {
      distinct_mu.push_back(mu[k]);
      distinct_inv_sigma.push_back(1.0 / sigma[k]);
    }
    distinct_of[k] = static_cast<uint32_t>(found);
  }
  for (size_t k = n_obs; k < mu.size(); ++k) {  // the prior
    distinct_of[k] = static_cast<uint32_t>(distinct_mu.size());
    distinct_mu.push_back(mu[k]);
    distinct_inv_sigma.push_back(1.0 / sigma[k]);
  }
}

void ParzenEstimator::Sample(Rng& rng, size_t count, std::vector<double>& out) const {
  const size_t n_dims = dims_.size();
  const size_t n_kernels = log_weights_.size();
  out.resize(count * n_dims);
  for (size_t c = 0; c < count; ++c) {
    const double pick = rng.Uniform() * cumulative_.back();
    const auto k = std::min<size_t>(
        static_cast<size_t>(std::upper_bound(cumulative_.begin(), cumulative_.end(), pick) - cumulative_.begin()),
        n_kernels - 1);
    for (size_t d = 0; d < n_dims; ++d) {
      const ParzenDim& dim = dims_[d];
      double& x = out[c * n_dims + d];
      if (dim.kind == ParzenDim::Kind::kCategorical) {
        const double observed = mu_[d][k];
        if (observed < 0.0 || dim.n == 1) {
          x = static_cast<double>(rng.UniformInt(0, dim.n - 1));
        } else if (rng.Uniform() < std::exp(log_hit_[d])) {
          x = observed;
        } else {
          // Every other choice is equally likely.
          const int64_t j = rng.UniformInt(0, dim.n - 2);
          x = static_cast<double>(j >= static_cast<int64_t>(observed) ? j + 1 : j);
        }
        continue;
      }
      const double u = TruncatedNormal(rng, mu_[d][k], sigma_[d][k]);
      x = dim.kind == ParzenDim::Kind::kDiscrete ? static_cast<double>(dim.CellOf(u)) : u;
    }
  }
}

void ParzenEstimator::LogPdf(const std::vector<double>& points, size_t count, std::vector<double>& out) const {
  const size_t n_dims = dims_.size();
  const size_t n_kernels = log_weights_.size();
  out.resize(count);
  acc_.resize(n_kernels);
  double* __restrict acc = acc_.data();
  cached_cells_.resize(n_dims);
  cached_masses_.resize(n_dims);
  for (auto& cells : cached_cells_) cells.clear();
  for (size_t c = 0; c < count; ++c) {
    std::copy(kernel_const_.begin(), kernel_const_.end(), acc_.begin());
    for (size_t d = 0; d < n_dims; ++d) {
      const ParzenDim& dim = dims_[d];
      const double x = points[c * n_dims + d];
      const double* __restrict mu = mu_[d].data();
      switch (dim.kind) {
        case ParzenDim::Kind::kContinuous: {
          // The hot loop: contiguous, branch-free, vectorizable.
          const double* __restrict inv_sigma = inv_sigma_[d].data();
          for (size_t k = 0; k < n_kernels; ++k) {
            const double z = (x - mu[k]) * inv_sigma[k];
            acc[k] -= 0.5 * z * z;
          }
          break;
        }
        case ParzenDim::Kind::kDiscrete: {
          double left = 0.0;
          double right = 0.0;
          dim.CellEdges(static_cast<int64_t>(x), left, right);
          const auto& distinct_mu = distinct_mu_[d];
          const auto& distinct_inv_sigma = distinct_inv_sigma_[d];
          const size_t n_distinct = distinct_mu.size();
          // Candidates drawn from the same few kernels share cells: compute each cell's masses once per call.
          auto& cells = cached_cells_[d];
          auto& masses = cached_masses_[d];
          const auto cell = static_cast<int64_t>(x);
          size_t slot = std::find(cells.begin(), cells.end(), cell) - cells.begin();
          if (slot == cells.size()) {
            cells.push_back(cell);
            masses.resize(cells.size() * n_distinct);
            double* mass = masses.data() + slot * n_distinct;
            for (size_t u = 0; u < n_distinct; ++u) {
              mass[u] = LogGaussMass((left - distinct_mu[u]) * distinct_inv_sigma[u],
                                     (right - distinct_mu[u]) * distinct_inv_sigma[u]);
            }
          }
          const double* mass = masses.data() + slot * n_distinct;
          const uint32_t* distinct_of = distinct_of_[d].data();
          for (size_t k = 0; k < n_kernels; ++k) acc[k] += mass[distinct_of[k]];
          break;
        }
        case ParzenDim::Kind::kCategorical: {
          const double hit = log_hit_[d];
          const double miss = log_miss_[d];
          const double uniform = -std::log(static_cast<double>(dim.n));
          for (size_t k = 0; k < n_kernels; ++k) acc[k] += mu[k] < 0.0 ? uniform : (mu[k] == x ? hit : miss);
          break;
        }
      }
    }
    out[c] = LogSumExp(acc, n_kernels);
  }
}

}  // namespace hyperscout::tpe
