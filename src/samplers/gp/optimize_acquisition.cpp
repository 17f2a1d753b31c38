#include "samplers/gp/optimize_acquisition.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "hyperscout/common/rng.hpp"
#include "math/lbfgsb.hpp"
#include "math/sobol.hpp"

namespace hyperscout::gp {
namespace {

// Perturbed copies of each anchor in the candidate set, and the spread of the continuous perturbation.
constexpr int kPerAnchor = 32;
constexpr double kAnchorScale = 0.1;
constexpr double kMinImprovement = 1e-10;
// A grid with more than this many values (an integer over a wide range, a finely stepped float) is searched along
// its whole range: a neighbour step of one value at a time cannot cross it in the few rounds a search runs, so
// the acquisition would be maximized over that coordinate by the candidate set alone. Up to kLineValues evenly
// spaced values are tried, plus the neighbours within kLineNeighbours of the current value.
constexpr size_t kWideGrid = 16;
constexpr size_t kLineValues = 64;
constexpr size_t kLineNeighbours = 2;

bool Wide(const SearchDim& dim) {
  return dim.kind == SearchDim::Kind::kGrid && dim.grid.size() > kWideGrid;
}

size_t NearestGridIndex(const std::vector<double>& grid, double u) {
  const auto it = std::lower_bound(grid.begin(), grid.end(), u);
  if (it == grid.begin()) return 0;
  if (it == grid.end()) return grid.size() - 1;
  const auto i = static_cast<size_t>(it - grid.begin());
  return (u - grid[i - 1] <= grid[i] - u) ? i - 1 : i;
}

class LocalSearch {
 public:
  LocalSearch(const AcquisitionModel& model, const std::vector<SearchDim>& dims,
              const AcquisitionSearchOptions& options, const Excluded& excluded)
      : model_(model), dims_(dims), options_(options), excluded_(excluded) {
    for (size_t j = 0; j < dims.size(); ++j) {
      if (dims[j].kind == SearchDim::Kind::kContinuous) continuous_.push_back(static_cast<int>(j));
    }
  }

  // Refines x in place; returns the log acquisition there.
  double Run(Eigen::VectorXd& x, double value) {
    for (int round = 0; round < options_.max_rounds; ++round) {
      const double before = value;
      if (!continuous_.empty()) value = Continuous(x, value);
      value = Discrete(x, value);
      if (value <= before + kMinImprovement) break;
    }
    return value;
  }

 private:
  double Continuous(Eigen::VectorXd& x, double value) {
    const auto m = static_cast<Eigen::Index>(continuous_.size());
    Eigen::VectorXd v(m);
    for (Eigen::Index c = 0; c < m; ++c) v(c) = x(continuous_[static_cast<size_t>(c)]);
    Eigen::VectorXd point = x;
    const math::Objective negative = [&](const Eigen::VectorXd& at, Eigen::VectorXd& grad) {
      for (Eigen::Index c = 0; c < m; ++c) point(continuous_[static_cast<size_t>(c)]) = at(c);
      const double f = LogAcquisition(model_, point, continuous_, &grad);
      grad = -grad;
      return -f;
    };
    math::LbfgsbOptions lbfgs;
    lbfgs.max_iterations = options_.lbfgs_iterations;
    lbfgs.gradient_tol = 1e-6;
    const double found = -math::MinimizeInBox(negative, v, Eigen::VectorXd::Zero(m), Eigen::VectorXd::Ones(m), lbfgs);
    if (found <= value) return value;
    for (Eigen::Index c = 0; c < m; ++c) point(continuous_[static_cast<size_t>(c)]) = v(c);
    // A continuous move lands exactly on an excluded point only at the bounds (a float pushed to its edge again).
    if (Excludes(point)) return value;
    x = point;
    return found;
  }

  double Discrete(Eigen::VectorXd& x, double value) {
    static const std::vector<int> kNoGradient;
    for (size_t j = 0; j < dims_.size(); ++j) {
      const SearchDim& dim = dims_[j];
      const auto jj = static_cast<Eigen::Index>(j);
      trials_.clear();
      if (Wide(dim)) {
        LineValues(dim, NearestGridIndex(dim.grid, x(jj)));
      } else if (dim.kind == SearchDim::Kind::kGrid) {
        const size_t i = NearestGridIndex(dim.grid, x(jj));
        if (i > 0) trials_.push_back(dim.grid[i - 1]);
        if (i + 1 < dim.grid.size()) trials_.push_back(dim.grid[i + 1]);
      } else if (dim.kind == SearchDim::Kind::kCategorical) {
        for (int c = 0; c < dim.n_choices; ++c) {
          if (c != static_cast<int>(x(jj))) trials_.push_back(c);
        }
      }
      // Score every trial value (a wide grid's many in one batched prediction), then take the best that improves.
      const double current = x(jj);
      scores_.resize(static_cast<Eigen::Index>(trials_.size()));
      if (Wide(dim)) {
        batch_.resize(static_cast<Eigen::Index>(trials_.size()), x.size());
        for (size_t t = 0; t < trials_.size(); ++t) {
          const auto row = static_cast<Eigen::Index>(t);
          batch_.row(row) = x.transpose();
          batch_(row, jj) = trials_[t];
        }
        scores_ = LogAcquisitionBatch(model_, batch_);
      } else {
        for (size_t t = 0; t < trials_.size(); ++t) {
          x(jj) = trials_[t];
          scores_(static_cast<Eigen::Index>(t)) = LogAcquisition(model_, x, kNoGradient, nullptr);
        }
      }
      double best = current;
      for (size_t t = 0; t < trials_.size(); ++t) {
        x(jj) = trials_[t];
        const double f = scores_(static_cast<Eigen::Index>(t));
        if (f > value + kMinImprovement && !Excludes(x)) {
          value = f;
          best = trials_[t];
        }
      }
      x(jj) = best;
    }
    return value;
  }

  // Values of a wide grid to try instead of grid[current]: evenly spaced ones over the whole range, and, when those
  // leave values out, the nearest neighbours of the current one.
  void LineValues(const SearchDim& dim, size_t current) {
    const size_t n = dim.grid.size();
    const size_t count = std::min(n, kLineValues);  // at least kWideGrid + 1 > 1
    for (size_t k = 0; k < count; ++k) {
      const size_t i = k * (n - 1) / (count - 1);
      if (i != current) trials_.push_back(dim.grid[i]);
    }
    if (count == n) return;  // every value is already there
    for (size_t step = 1; step <= kLineNeighbours; ++step) {
      if (current >= step) trials_.push_back(dim.grid[current - step]);
      if (current + step < n) trials_.push_back(dim.grid[current + step]);
    }
  }

  bool Excludes(const Eigen::VectorXd& x) const { return excluded_ && excluded_(x); }

  const AcquisitionModel& model_;
  const std::vector<SearchDim>& dims_;
  const AcquisitionSearchOptions& options_;
  const Excluded& excluded_;
  std::vector<int> continuous_;
  std::vector<double> trials_;
  Eigen::MatrixXd batch_;
  Eigen::VectorXd scores_;
};

}  // namespace

void Snap(const std::vector<SearchDim>& dims, Eigen::Ref<Eigen::VectorXd> x) {
  for (size_t j = 0; j < dims.size(); ++j) {
    double& u = x(static_cast<Eigen::Index>(j));
    switch (dims[j].kind) {
      case SearchDim::Kind::kContinuous:
        u = std::clamp(u, 0.0, 1.0);
        break;
      case SearchDim::Kind::kGrid:
        u = dims[j].grid[NearestGridIndex(dims[j].grid, u)];
        break;
      case SearchDim::Kind::kCategorical:
        u = std::clamp(std::round(u), 0.0, static_cast<double>(dims[j].n_choices - 1));
        break;
    }
  }
}

Eigen::VectorXd MaximizeAcquisition(const AcquisitionModel& model, const std::vector<SearchDim>& dims,
                                    const Eigen::MatrixXd& anchors, uint64_t seed,
                                    const AcquisitionSearchOptions& options, const Excluded& excluded,
                                    double* best_value) {
  const auto d = static_cast<Eigen::Index>(dims.size());
  const Eigen::Index n_sobol = std::max(options.n_candidates, 1);
  const Eigen::Index n_anchor = anchors.rows() * kPerAnchor;
  Eigen::MatrixXd candidates(n_sobol + n_anchor, d);
  Rng rng(seed);
  // Unit coordinates first (categoricals: u maps to the cell floor(u · n)), snapped below.
  if (d <= math::kSobolMaxDimensions) {
    const math::SobolSequence sobol(static_cast<int>(d), MixSeed(seed, 0x5081));
    for (Eigen::Index i = 0; i < n_sobol; ++i) {
      const std::vector<double> p = sobol.Point(static_cast<uint64_t>(i));
      for (Eigen::Index j = 0; j < d; ++j) candidates(i, j) = p[static_cast<size_t>(j)];
    }
  } else {
    for (Eigen::Index i = 0; i < n_sobol; ++i) {
      for (Eigen::Index j = 0; j < d; ++j) candidates(i, j) = rng.Uniform();
    }
  }
  for (Eigen::Index i = 0; i < n_sobol; ++i) {
    for (Eigen::Index j = 0; j < d; ++j) {
      if (dims[static_cast<size_t>(j)].kind == SearchDim::Kind::kCategorical) {
        const int n = dims[static_cast<size_t>(j)].n_choices;
        candidates(i, j) = std::min(std::floor(candidates(i, j) * n), static_cast<double>(n - 1));
      }
    }
  }
  for (Eigen::Index a = 0; a < anchors.rows(); ++a) {
    for (int c = 0; c < kPerAnchor; ++c) {
      const Eigen::Index i = n_sobol + a * kPerAnchor + c;
      for (Eigen::Index j = 0; j < d; ++j) {
        const SearchDim& dim = dims[static_cast<size_t>(j)];
        double u = anchors(a, j);
        if (dim.kind == SearchDim::Kind::kContinuous || Wide(dim)) {
          u += kAnchorScale * rng.Normal();  // a wide grid's value is snapped below
        } else if (dim.kind == SearchDim::Kind::kGrid && rng.Uniform() < 0.3) {
          const size_t k = NearestGridIndex(dim.grid, u);
          const bool up = rng.Uniform() < 0.5;
          u = dim.grid[up ? std::min(k + 1, dim.grid.size() - 1) : (k > 0 ? k - 1 : 0)];
        } else if (dim.kind == SearchDim::Kind::kCategorical && rng.Uniform() < 0.2) {
          u = static_cast<double>(rng.UniformInt(0, dim.n_choices - 1));
        }
        candidates(i, j) = u;
      }
    }
  }
  for (Eigen::Index i = 0; i < candidates.rows(); ++i) {
    Eigen::VectorXd row = candidates.row(i).transpose();
    Snap(dims, row);
    candidates.row(i) = row.transpose();
  }

  const Eigen::VectorXd scores = LogAcquisitionBatch(model, candidates);
  auto score = [&](Eigen::Index i) {  // NaN scores (never expected) rank last
    return std::isnan(scores(i)) ? -std::numeric_limits<double>::infinity() : scores(i);
  };
  // Local searches start from the best accepted candidates; from the best ones overall when none is accepted.
  std::vector<Eigen::Index> order;
  order.reserve(static_cast<size_t>(candidates.rows()));
  for (Eigen::Index i = 0; i < candidates.rows(); ++i) {
    if (!excluded || !excluded(candidates.row(i).transpose())) order.push_back(i);
  }
  const bool all_excluded = order.empty();
  if (all_excluded) {
    order.resize(static_cast<size_t>(candidates.rows()));
    std::iota(order.begin(), order.end(), 0);
  }
  auto better = [&](Eigen::Index a, Eigen::Index b) {
    const double sa = score(a);
    const double sb = score(b);
    return sa > sb || (sa == sb && a < b);
  };
  const auto n_local = std::min<size_t>(static_cast<size_t>(std::max(options.n_local, 1)), order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n_local), order.end(), better);

  // Once every candidate is excluded, the search may return an excluded point: there is nothing else to offer.
  const Excluded none;
  LocalSearch search(model, dims, options, all_excluded ? none : excluded);
  Eigen::VectorXd best = candidates.row(order[0]).transpose();
  double best_score = -std::numeric_limits<double>::infinity();
  for (size_t s = 0; s < n_local; ++s) {
    Eigen::VectorXd x = candidates.row(order[s]).transpose();
    const double value = search.Run(x, score(order[s]));
    if (value > best_score) {
      best_score = value;
      best = x;
    }
  }
  if (best_value != nullptr) *best_value = best_score;
  return best;
}

}  // namespace hyperscout::gp
