#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <numeric>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "hyperscout/common/error.hpp"
#include "hyperscout/common/rng.hpp"
#include "hyperscout/core/study.hpp"
#include "hyperscout/samplers/gp.hpp"
#include "math/transform.hpp"
#include "samplers/configuration.hpp"
#include "samplers/gp/acquisition.hpp"
#include "samplers/gp/gp.hpp"
#include "samplers/gp/optimize_acquisition.hpp"
#include "samplers/gp/prior.hpp"

namespace hyperscout {
namespace {

// Discrete parameters with more values than this are searched as continuous and rounded at the end.
constexpr int64_t kMaxGridSize = 4096;
// Good observed points the acquisition search perturbs.
constexpr Eigen::Index kAnchors = 5;
constexpr int kFullFitIterations = 50;
constexpr int kWarmFitIterations = 1;
constexpr int kRefineIterations = 10;
constexpr Eigen::Index kAlwaysFullFit = 100;
// A stall (GpOptions::stall_share) lasts at least this many COMPLETE trials, and a quarter of them.
constexpr Eigen::Index kStallMinTrials = 20;
// The start-up covers the categorical combinations only up to this many (however long the start-up).
constexpr int64_t kMaxCoveredCombinations = 4096;

// Runs before the members built from the options, so that a bad value is reported as the GP's, not its fallback TPE's.
GpOptions Checked(GpOptions o) {
  if (o.n_startup_trials < 0) {
    throw InvalidArgumentError(fmt::format("gp: n_startup_trials must be >= 0, got {}", o.n_startup_trials));
  }
  if (o.n_restarts < 0) throw InvalidArgumentError(fmt::format("gp: n_restarts must be >= 0, got {}", o.n_restarts));
  if (o.n_candidates < 1 || o.n_candidates > 1'000'000) {
    throw InvalidArgumentError(
        fmt::format("gp: n_candidates must be in [1, 1000000], got {} (512 is the default)", o.n_candidates));
  }
  if (o.n_local_search < 1) {
    throw InvalidArgumentError(fmt::format("gp: n_local_search must be >= 1, got {}", o.n_local_search));
  }
  if (o.boundary_probe < 0) {
    throw InvalidArgumentError(
        fmt::format("gp: boundary_probe must be >= 0 (0 turns the probes off), got {}", o.boundary_probe));
  }
  if (o.input_warping != "auto" && o.input_warping != "on" && o.input_warping != "off") {
    throw InvalidArgumentError(
        fmt::format("gp: input_warping must be auto, on or off, got '{}' (auto is the default)", o.input_warping));
  }
  if (!(o.stall_share >= 0.0 && o.stall_share <= 1.0)) {
    throw InvalidArgumentError(
        fmt::format("gp: stall_share must be in [0, 1] (0 turns it off), got {}", o.stall_share));
  }
  if (o.kernel != "matern52" && o.kernel != "matern32" && o.kernel != "auto") {
    throw InvalidArgumentError(
        fmt::format("gp: kernel must be matern52, matern32 or auto, got '{}' (matern52 is the default)", o.kernel));
  }
  return o;
}

// The first row of lowest value among the feasible ones (rows in trial-number order, so ties keep the earliest); -1
// when no row is feasible. The boundary probe perturbs it; the stall share counts the rows after it.
Eigen::Index BestFeasibleRow(const std::vector<double>& y, const std::vector<char>& feasible) {
  Eigen::Index best_row = -1;
  for (size_t i = 0; i < y.size(); ++i) {
    if (feasible[i] && (best_row < 0 || y[i] < y[static_cast<size_t>(best_row)]))
      best_row = static_cast<Eigen::Index>(i);
  }
  return best_row;
}

// The internal TPE (conditional parameters, multi-objective studies) starts modelling when the GP does.
TpeOptions FallbackOptions(int64_t n_startup_trials) {
  TpeOptions options;
  options.n_startup_trials = n_startup_trials;
  return options;
}

std::vector<FrozenTrialPtr> CompleteTrials(const std::vector<FrozenTrialPtr>& trials) {
  std::vector<FrozenTrialPtr> out;
  for (const auto& trial : trials) {
    if (trial->state == TrialState::kComplete && trial->values.size() == 1) out.push_back(trial);
  }
  return out;
}

// Start-up points take the categorical parameters' joint choices in turn when there are no more combinations than
// start-up trials (and at most kMaxCoveredCombinations): each start-up trial gets a combination the study's trials (any
// state, so parallel workers spread too) have used least, ties broken at random from (seed, trial number); the other
// coordinates stay the Sobol point's. The GP's kernel, like any smooth model, extrapolates the effect of each choice
// from the combinations it has seen, so a combination whose choices look poor one at a time but are good together (an
// interaction) is never proposed once the start-up has missed it. Sobol points' projections onto two categorical
// coordinates leave such cells empty: on the harness's `integers` problem (two categoricals, 8 combinations) the 10
// start-up points missed the best one in 13 of 40 seeds, and the GP then never tried it in 100 trials.
void CoverCategoricalCombinations(const std::vector<FrozenTrialPtr>& trials, const FrozenTrial& trial,
                                  const SearchSpace& space, int64_t n_startup, uint64_t seed,
                                  std::map<std::string, double>& out) {
  std::vector<std::pair<std::string, int64_t>> categoricals;  // name, number of choices
  int64_t combinations = 1;
  for (const auto& [name, distribution] : space) {
    const auto* categorical = std::get_if<CategoricalDistribution>(&distribution);
    if (categorical == nullptr || !out.contains(name)) continue;
    const auto n = static_cast<int64_t>(categorical->choices.size());
    categoricals.emplace_back(name, n);
    combinations *= n;
    if (combinations > std::min(n_startup, kMaxCoveredCombinations)) return;
  }
  if (categoricals.empty() || combinations < 2) return;
  // Mixed-radix index of a trial's combination, or -1 when it lacks one of the parameters or has another space.
  auto index_of = [&](const FrozenTrial& other) -> int64_t {
    int64_t index = 0;
    for (const auto& [name, n] : categoricals) {
      const auto param = other.params.find(name);
      const auto dist = other.distributions.find(name);
      if (param == other.params.end() || dist == other.distributions.end() || !(dist->second == space.at(name))) {
        return -1;
      }
      const auto choice = static_cast<int64_t>(param->second);
      if (choice < 0 || choice >= n) return -1;
      index = index * n + choice;
    }
    return index;
  };
  std::vector<int64_t> uses(static_cast<size_t>(combinations), 0);
  for (const auto& other : trials) {
    if (other->number == trial.number) continue;
    const int64_t index = index_of(*other);
    if (index >= 0) ++uses[static_cast<size_t>(index)];
  }
  const int64_t fewest = *std::min_element(uses.begin(), uses.end());
  std::vector<int64_t> least;
  for (int64_t i = 0; i < combinations; ++i) {
    if (uses[static_cast<size_t>(i)] == fewest) least.push_back(i);
  }
  Rng rng(MixSeed(seed, MixSeed(0xCA7E6, static_cast<uint64_t>(trial.number))));
  int64_t index = least[static_cast<size_t>(rng.UniformInt(0, static_cast<int64_t>(least.size()) - 1))];
  for (auto it = categoricals.rbegin(); it != categoricals.rend(); ++it) {
    out[it->first] = static_cast<double>(index % it->second);
    index /= it->second;
  }
}

// The constraint values a trial reported, or an empty vector.
std::vector<double> Constraints(const FrozenTrial& trial) {
  std::vector<double> out;
  for (const auto& [name, value] : trial.Constraints()) out.push_back(value);
  return out;
}

gp::SearchDim MakeSearchDim(const Distribution& distribution) {
  gp::SearchDim dim;
  if (const auto* c = std::get_if<CategoricalDistribution>(&distribution)) {
    dim.kind = gp::SearchDim::Kind::kCategorical;
    dim.n_choices = static_cast<int>(c->choices.size());
    return dim;
  }
  const std::optional<int64_t> cardinality = Cardinality(distribution);
  if (!cardinality || *cardinality > kMaxGridSize) return dim;  // continuous
  dim.kind = gp::SearchDim::Kind::kGrid;
  for (int64_t k = 0; k < *cardinality; ++k) {
    // The centre of cell k is exactly where ToUnit puts the k-th value.
    const double u = (static_cast<double>(k) + 0.5) / static_cast<double>(*cardinality);
    dim.grid.push_back(math::ToUnit(distribution, math::FromUnit(distribution, u)));
  }
  std::sort(dim.grid.begin(), dim.grid.end());
  dim.grid.erase(std::unique(dim.grid.begin(), dim.grid.end()), dim.grid.end());
  return dim;
}

double Encode(const Distribution& distribution, double internal) {
  return std::holds_alternative<CategoricalDistribution>(distribution) ? internal
                                                                       : math::ToUnit(distribution, internal);
}

double Decode(const Distribution& distribution, double x) {
  if (std::holds_alternative<CategoricalDistribution>(distribution)) return x;
  return math::FromUnit(distribution, x);
}

// Whether a trial has every parameter of `space` with the same distribution.
bool Covers(const FrozenTrial& trial, const SearchSpace& space) {
  for (const auto& [name, distribution] : space) {
    const auto it = trial.distributions.find(name);
    if (it == trial.distributions.end() || !(it->second == distribution)) return false;
  }
  return true;
}

// Whether an internal value lies on a bound of a numeric distribution (never for a categorical one). A continuous
// float counts within 1e-9 of its range on the unit cube: the exponential of a log range's end can miss it by an ulp.
bool OnBound(const Distribution& distribution, double value) {
  if (const auto* f = std::get_if<FloatDistribution>(&distribution)) {
    if (f->step) return value <= f->low || value >= f->high;
    const double u = math::ToUnit(distribution, value);
    return u <= 1e-9 || u >= 1.0 - 1e-9;
  }
  if (const auto* i = std::get_if<IntDistribution>(&distribution)) {
    return value <= static_cast<double>(i->low) || value >= static_cast<double>(i->high);
  }
  return false;
}

// A boundary probe: `best`'s values of `space` with one of its numeric parameters that sit on a bound (picked at
// random) redrawn uniformly over its range. A GP whose fitted length-scale in some parameter is long models a trend
// there and extrapolates it to the bound; log EI then never looks back inside, however good the interior is (on the
// harness's `mixed` problem, a quadratic with its optimum at x1 = 0.3, one GP run in 40 sat at x1 = 1 from trial 20
// to trial 100 with regret 0.49). Bayesian optimization's excess of boundary points is known (Siivola et al. 2018,
// "Correcting boundary over-exploration deficiencies in Bayesian optimization with virtual derivative sign
// observations"); the probe measures directly whether the interior is better, at the cost of the occasional trial.
// Nothing when no numeric parameter of `best` is on a bound, or when a few draws all repeat a taken configuration
// (looked up only when `discrete`, as the acquisition search does).
std::optional<std::map<std::string, double>> BoundaryProbe(const std::vector<FrozenTrialPtr>& trials,
                                                           const FrozenTrial& trial, const FrozenTrial& best,
                                                           const SearchSpace& space, bool discrete, Rng& rng) {
  constexpr int kDraws = 8;
  std::vector<std::string> on_bound;
  for (const auto& [name, distribution] : space) {
    if (OnBound(distribution, best.params.at(name))) on_bound.push_back(name);
  }
  if (on_bound.empty()) return std::nullopt;
  const std::string& name = on_bound[static_cast<size_t>(rng.UniformInt(0, static_cast<int64_t>(on_bound.size()) - 1))];
  std::map<std::string, double> out;
  for (const auto& [other, distribution] : space) out[other] = best.params.at(other);
  const std::set<std::vector<double>> taken =
      discrete ? TakenConfigurations(trials, trial, space) : std::set<std::vector<double>>{};
  std::vector<double> config;
  for (int draw = 0; draw < kDraws; ++draw) {
    out[name] = math::FromUnit(space.at(name), rng.Uniform());
    config.clear();
    for (const auto& [other, distribution] : space) config.push_back(out.at(other));
    if (!taken.contains(config)) return out;
  }
  return std::nullopt;
}

}  // namespace

struct GpSampler::State {
  std::mutex mutex;  // the study serializes calls, but one sampler may serve several studies
  // Per model (objective first, then one per constraint): the last MAP hyperparameters of each kernel fitted,
  // indexed [Matérn-3/2][warped], and the kernel the model used.
  struct ModelFit {
    std::array<std::array<Eigen::VectorXd, 2>, 2> theta;
    bool use_matern32 = false;
    bool use_warped = false;
  };
  // Per study: the model fits and the space they were for, and the models of the last trial. The models are
  // refitted at every trial; keeping the objects keeps their n × n buffers, which a fresh model would allocate
  // (and the kernel zero-fill page by page) at each trial: 6.1–6.5 → 5.4–5.7 ms per trial in
  // trial/gp/memory/p10/h200 (bench/README.md, "GP input warping by evidence").
  struct Fit {
    SearchSpace space;
    std::vector<ModelFit> models;
    gp::GaussianProcess objective;
    gp::GaussianProcess with_fantasies;
    std::vector<gp::GaussianProcess> constraints;
  };
  std::map<std::pair<const void*, int64_t>, Fit> fits;
};

GpSampler::GpSampler(GpOptions options, std::optional<uint64_t> seed)
    : options_(Checked(std::move(options))),
      seed_(seed ? *seed : RandomSeed()),
      startup_(seed_),
      fallback_(FallbackOptions(options_.n_startup_trials), seed_),
      state_(std::make_unique<State>()) {}

GpSampler::~GpSampler() = default;

void GpSampler::Reseed(uint64_t seed) {
  std::lock_guard lock(state_->mutex);
  seed_ = seed;
  startup_.Reseed(seed);
  fallback_.Reseed(seed);
}

SearchSpace GpSampler::InferRelativeSearchSpace(const Study& study, const FrozenTrial& trial) {
  if (study.IsMultiObjective()) return fallback_.InferRelativeSearchSpace(study, trial);
  const std::vector<FrozenTrialPtr> complete = CompleteTrials(study.TrialsSnapshot());
  if (static_cast<int64_t>(complete.size()) < std::max<int64_t>(options_.n_startup_trials, 1)) {
    return startup_.InferRelativeSearchSpace(study, trial);
  }
  SearchSpace space(complete[0]->distributions.begin(), complete[0]->distributions.end());
  for (const auto& other : complete) {
    std::erase_if(space, [&](const auto& entry) {
      const auto it = other->distributions.find(entry.first);
      return it == other->distributions.end() || !(it->second == entry.second);
    });
  }
  std::erase_if(space, [](const auto& entry) { return IsSingle(entry.second); });
  return space;
}

double GpSampler::SampleIndependent(const Study& study, const FrozenTrial& trial, const std::string& name,
                                    const Distribution& distribution) {
  return fallback_.SampleIndependent(study, trial, name, distribution);
}

std::map<std::string, double> GpSampler::SampleRelative(const Study& study, const FrozenTrial& trial,
                                                        const SearchSpace& space) {
  if (study.IsMultiObjective()) return fallback_.SampleRelative(study, trial, space);
  // One snapshot serves the start-up's combination counts and the model's COMPLETE trials.
  const std::vector<FrozenTrialPtr> trials = study.TrialsSnapshot();
  const std::vector<FrozenTrialPtr> complete = CompleteTrials(trials);
  if (static_cast<int64_t>(complete.size()) < std::max<int64_t>(options_.n_startup_trials, 1)) {
    std::map<std::string, double> out = startup_.SampleRelative(study, trial, space);
    CoverCategoricalCombinations(trials, trial, space, options_.n_startup_trials, seed_, out);
    AvoidStartupRepeat(trials, trial, space, seed_, out);
    return out;
  }
  std::map<std::string, double> out;
  if (space.empty()) return out;
  std::lock_guard lock(state_->mutex);

  // Inputs on the unit cube (categoricals as choice indices) and outputs, lower is better.
  const auto d = static_cast<Eigen::Index>(space.size());
  gp::KernelSpace kernel_space;
  std::vector<gp::SearchDim> dims;
  for (const auto& [name, distribution] : space) {
    kernel_space.categorical.push_back(std::holds_alternative<CategoricalDistribution>(distribution) ? 1 : 0);
    dims.push_back(MakeSearchDim(distribution));
  }
  std::vector<FrozenTrialPtr> rows;
  for (const auto& t : complete) {
    if (Covers(*t, space)) rows.push_back(t);
  }
  const auto n = static_cast<Eigen::Index>(rows.size());
  if (n == 0) return out;
  const double sign = study.directions()[0] == StudyDirection::kMaximize ? -1.0 : 1.0;
  Eigen::MatrixXd x(n, d);
  std::vector<double> y(static_cast<size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) {
    const FrozenTrial& t = *rows[static_cast<size_t>(i)];
    Eigen::Index j = 0;
    for (const auto& [name, distribution] : space) x(i, j++) = Encode(distribution, t.params.at(name));
    y[static_cast<size_t>(i)] = sign * t.values[0];
  }

  // Constraint values: the length the first reporting trial used; others of another length count as unreported.
  size_t n_constraints = 0;
  std::vector<std::vector<double>> constraint_values(static_cast<size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) {
    constraint_values[static_cast<size_t>(i)] = Constraints(*rows[static_cast<size_t>(i)]);
    if (n_constraints == 0) n_constraints = constraint_values[static_cast<size_t>(i)].size();
  }
  std::vector<char> feasible(static_cast<size_t>(n), 1);
  if (n_constraints > 0) {
    for (size_t i = 0; i < feasible.size(); ++i) {
      const auto& c = constraint_values[i];
      feasible[i] = c.size() == n_constraints && std::all_of(c.begin(), c.end(), [](double v) { return v <= 0.0; });
    }
  }

  // The acquisition search skips the study's configurations (TakenConfigurations), running ones included, when
  // some parameter is discrete: floats searched continuously never land exactly on an earlier value except at a
  // bound, and the check would cost every candidate a decode and a lookup for nothing. Boundary probes check too.
  const bool discrete = std::any_of(
      dims.begin(), dims.end(), [](const gp::SearchDim& dim) { return dim.kind != gp::SearchDim::Kind::kContinuous; });

  // Boundary probe (GpOptions::boundary_probe): on its schedule, when the best feasible trial sits on a bound of a
  // numeric parameter, the next trial is that trial with one such parameter redrawn, instead of the model's choice.
  if (options_.boundary_probe > 0) {
    const int64_t after = trial.number - options_.n_startup_trials;
    if (after >= 0 && after % options_.boundary_probe == options_.boundary_probe - 1) {
      const Eigen::Index best_row = BestFeasibleRow(y, feasible);
      if (best_row >= 0) {
        Rng probe_rng(MixSeed(MixSeed(seed_, static_cast<uint64_t>(trial.number)), StableHash("gp/boundary-probe")));
        if (auto probe =
                BoundaryProbe(trials, trial, *rows[static_cast<size_t>(best_row)], space, discrete, probe_rng)) {
          return *probe;
        }
      }
    }
  }

  // Stall share (GpOptions::stall_share): while the best feasible value has not improved for max(20, n / 4) of the
  // n COMPLETE trials the model sees, and no other trial is running, the trial is a Sobol point with this
  // probability instead of the acquisition's choice. A GP whose EI keeps returning to one plateau (a tree's or a
  // classifier's loss moves in steps) then samples the rest of the space now and then, like the interleaved random
  // configurations of SMAC (Hutter, Hoos and Leyton-Brown 2011, "Sequential model-based optimization for general
  // algorithm configuration"), but only while the search has stalled, so one that keeps improving is left alone.
  // A batch's pending trials already spread out (the constant liar), so only a trial asked alone may be drawn.
  // Rows after the best feasible one: COMPLETE trials that have not improved on it (a plateau counts as a stall).
  const Eigen::Index best_row = options_.stall_share > 0.0 ? BestFeasibleRow(y, feasible) : -1;
  const Eigen::Index stalled_for = best_row < 0 ? -1 : n - 1 - best_row;
  if (stalled_for >= kStallMinTrials && 4 * stalled_for >= n) {
    const bool others_running = std::any_of(trials.begin(), trials.end(), [&](const FrozenTrialPtr& t) {
      return t->state == TrialState::kRunning && t->number != trial.number;
    });
    Rng share_rng(MixSeed(MixSeed(seed_, static_cast<uint64_t>(trial.number)), StableHash("gp/stall-share")));
    if (!others_running && share_rng.Uniform() < options_.stall_share) {
      out = startup_.SampleRelative(study, trial, space);
      AvoidStartupRepeat(trials, trial, space, seed_, out);
      return out;
    }
  }

  // Hyperparameters: warm start from this study's previous fit when the space is the same.
  State::Fit& previous = state_->fits[{&study.storage(), study.id()}];
  if (!(previous.space == space)) {
    previous = State::Fit{};
    previous.space = space;
  }
  previous.models.resize(1 + n_constraints);
  // One stream of random starts per smoothness, so that kernel = "auto" fits each kernel from the starts the fixed
  // choice would use, and suggests what the fixed choice would while it picks the same kernel.
  const uint64_t trial_seed = MixSeed(seed_, static_cast<uint64_t>(trial.number));
  std::array<Rng, 2> rngs{Rng(MixSeed(trial_seed, StableHash("gp/hyperparameters"))),
                          Rng(MixSeed(trial_seed, StableHash("gp/hyperparameters/matern32")))};
  // Hyperparameter starts. With few observations the posterior has competing modes (e.g. "all noise" against
  // "smooth signal") and a warm start alone can stay in the worse one (on a 5-D sphere that tripled the mean best
  // value after 30 trials), while each fit is cheap: up to kAlwaysFullFit observations every trial runs the full
  // multi-start fit. Above it, each trial continues the previous fit for one L-BFGS iteration (one more trial moves
  // the optimum little: on a 10-D quadratic with 200 points the first iteration gets within 1e-3 of the converged
  // log posterior), and a full fit runs when there is no previous fit (a new process, or a study filled by enqueue)
  // and whenever n is a multiple of max(10, n / 5 rounded down to tens), about every 20% more observations. A full
  // fit above kAlwaysFullFit runs its fresh starts on a random subset of kAlwaysFullFit observations (an
  // evaluation costs O(n³), so 8× less at n = 200), then refines the subset's winner, and the warm start, on all
  // of them.
  const Eigen::Index full_fit_interval = std::max<Eigen::Index>(10, n / 50 * 10);
  const bool full_fit = n <= kAlwaysFullFit || n % full_fit_interval == 0;
  // Returns the fit's L(θ) after a full fit, NaN after a warm one.
  auto fit_theta = [&](const gp::KernelSpace& kernel, const Eigen::MatrixXd& inputs, const Eigen::VectorXd& outputs,
                       Eigen::VectorXd& theta, bool deterministic) {
    Rng& rng = rngs[kernel.matern == gp::Matern::k32 ? 1 : 0];
    const int dims = static_cast<int>(d);
    const bool warm = theta.size() == gp::ThetaSize(kernel);
    double value = std::numeric_limits<double>::quiet_NaN();
    if (warm && !full_fit) {
      theta = gp::FitHyperparameters(kernel, inputs, outputs, {theta}, deterministic, kWarmFitIterations);
    } else {
      const int warped = kernel.warped();
      std::vector<Eigen::VectorXd> fresh = {gp::PriorMode(dims, deterministic, warped)};
      for (int64_t r = 0; r < options_.n_restarts; ++r) {
        fresh.push_back(gp::PriorDraw(
            dims, deterministic, [&rng] { return rng.Normal(); }, warped));
      }
      const Eigen::Index rows = inputs.rows();
      if (rows <= kAlwaysFullFit) {
        if (warm) fresh.insert(fresh.begin(), theta);
        theta = gp::FitHyperparameters(kernel, inputs, outputs, fresh, deterministic, kFullFitIterations, &value);
      } else {
        std::vector<Eigen::Index> pick(static_cast<size_t>(rows));
        std::iota(pick.begin(), pick.end(), 0);
        for (Eigen::Index i = 0; i < kAlwaysFullFit; ++i) {  // the first kAlwaysFullFit of a random permutation
          std::swap(pick[static_cast<size_t>(i)], pick[static_cast<size_t>(rng.UniformInt(i, rows - 1))]);
        }
        Eigen::MatrixXd subset_inputs(kAlwaysFullFit, d);
        Eigen::VectorXd subset_outputs(kAlwaysFullFit);
        for (Eigen::Index i = 0; i < kAlwaysFullFit; ++i) {
          subset_inputs.row(i) = inputs.row(pick[static_cast<size_t>(i)]);
          subset_outputs(i) = outputs(pick[static_cast<size_t>(i)]);
        }
        std::vector<Eigen::VectorXd> refine = {
            gp::FitHyperparameters(kernel, subset_inputs, subset_outputs, fresh, deterministic, kFullFitIterations)};
        if (warm) refine.push_back(theta);
        theta = gp::FitHyperparameters(kernel, inputs, outputs, refine, deterministic, kRefineIterations, &value);
      }
    }
    return value;
  };
  // Kernel choice. At each full fit, kernel = "auto" fits both smoothnesses (warped when input_warping = "on", else
  // plain) and keeps the one of higher log posterior; they have the same hyperparameters, so the comparison needs no
  // margin. Then input_warping = "auto" fits the warped form of that kernel and keeps it when it pays for its extra
  // hyperparameters (prior.hpp, WarpingPays). Between full fits only the kernel chosen last is refitted.
  auto space_of = [&](bool matern32, bool warped) {
    gp::KernelSpace out = kernel_space;
    out.matern = matern32 ? gp::Matern::k32 : gp::Matern::k52;
    out.warp = warped;
    return out;
  };
  const bool can_warp = space_of(false, true).warped() > 0 && options_.input_warping != "off";
  const bool base_warped = can_warp && options_.input_warping == "on";
  const bool choose_warping = can_warp && options_.input_warping == "auto";
  auto fit = [&](gp::GaussianProcess& model, const Eigen::MatrixXd& inputs, const Eigen::VectorXd& outputs,
                 State::ModelFit& fitted, bool deterministic) {
    auto& theta = fitted.theta;
    const auto chosen = [&]() -> Eigen::VectorXd& { return theta[fitted.use_matern32][fitted.use_warped]; };
    const bool refit_chosen =
        !full_fit && chosen().size() == gp::ThetaSize(space_of(fitted.use_matern32, fitted.use_warped));
    if (refit_chosen) {
      fit_theta(space_of(fitted.use_matern32, fitted.use_warped), inputs, outputs, chosen(), deterministic);
    } else {
      auto fit_base = [&](bool matern32) {
        return fit_theta(space_of(matern32, base_warped), inputs, outputs, theta[matern32][base_warped], deterministic);
      };
      bool matern32 = options_.kernel == "matern32";
      double base_value = 0.0;
      if (options_.kernel == "auto") {
        const double smooth_value = fit_base(false);
        const double rough_value = fit_base(true);
        matern32 = rough_value < smooth_value;
        base_value = matern32 ? rough_value : smooth_value;
      } else {
        base_value = fit_base(matern32);
      }
      bool warped = base_warped;
      if (choose_warping) {
        const gp::KernelSpace warped_space = space_of(matern32, true);
        const double warped_value = fit_theta(warped_space, inputs, outputs, theta[matern32][1], deterministic);
        warped = gp::WarpingPays(base_value, warped_value, inputs.rows(), warped_space.warped());
      }
      fitted.use_matern32 = matern32;
      fitted.use_warped = warped;
    }
    model.Fit(space_of(fitted.use_matern32, fitted.use_warped), inputs, outputs, chosen());
  };

  const Eigen::VectorXd y_model = gp::WarpAndStandardize(y);
  gp::GaussianProcess& objective = previous.objective;
  fit(objective, x, y_model, previous.models[0], options_.deterministic_objective);

  std::vector<gp::GaussianProcess>& constraint_models = previous.constraints;
  constraint_models.resize(n_constraints);
  gp::AcquisitionModel model;
  for (size_t k = 0; k < n_constraints; ++k) {
    std::vector<Eigen::Index> reported;
    for (Eigen::Index i = 0; i < n; ++i) {
      if (constraint_values[static_cast<size_t>(i)].size() == n_constraints) reported.push_back(i);
    }
    const auto m = static_cast<Eigen::Index>(reported.size());
    Eigen::MatrixXd xc(m, d);
    Eigen::VectorXd c(m);
    for (Eigen::Index r = 0; r < m; ++r) {
      xc.row(r) = x.row(reported[static_cast<size_t>(r)]);
      c(r) = constraint_values[static_cast<size_t>(reported[static_cast<size_t>(r)])][k];
    }
    const auto [mean, std_dev] = gp::StandardizingMoments(c);
    // A constraint model's noise is fitted like the objective's: constraint values may be measured, not computed.
    fit(constraint_models[k], xc, (c.array() - mean) / std_dev, previous.models[1 + k], false);
    model.constraints.push_back(&constraint_models[k]);
    model.thresholds.push_back((0.0 - mean) / std_dev);
  }

  // Incumbent: the best posterior mean at a feasible observed point (robust to noise, equal to the best value for a
  // deterministic objective).
  const Eigen::VectorXd mean_at_x = objective.TrainingMean();
  std::vector<Eigen::Index> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  double best = std::numeric_limits<double>::infinity();
  for (Eigen::Index i = 0; i < n; ++i) {
    if (feasible[static_cast<size_t>(i)]) best = std::min(best, mean_at_x(i));
  }
  model.use_ei = std::isfinite(best);
  if (options_.replicate_penalty) model.noise = objective.noise();
  model.best = model.use_ei ? best : 0.0;
  // Anchors: the best feasible trials by observed value, or (nothing feasible yet) the least violating ones.
  auto badness = [&](Eigen::Index i) {
    if (feasible[static_cast<size_t>(i)]) return y_model(i) - 1e6;
    const auto& c = constraint_values[static_cast<size_t>(i)];
    return c.empty() ? 1e300 : *std::max_element(c.begin(), c.end());
  };
  const Eigen::Index n_anchors = std::min(kAnchors, n);
  std::partial_sort(order.begin(), order.begin() + n_anchors, order.end(),
                    [&](Eigen::Index a, Eigen::Index b) { return badness(a) < badness(b); });
  Eigen::MatrixXd anchors(n_anchors, d);
  for (Eigen::Index a = 0; a < n_anchors; ++a) anchors.row(a) = x.row(order[static_cast<size_t>(a)]);

  std::set<std::vector<double>> taken;
  if (discrete) taken = TakenConfigurations(trials, trial, space);
  // Pending trials as fantasies: the CL-mean constant liar of hyperscout/samplers/gp.hpp. The outputs are
  // standardized, so the mean observed value is 0. A pending trial that a later-asked one has overtaken gets the
  // posterior mean (the kriging believer) instead: an untold trial near the optimum would otherwise mark that region
  // as mediocre for the rest of the study.
  std::vector<Eigen::VectorXd> pending;
  std::vector<double> lie_floor;  // 0 (the mean observed value) for the batch, none for an overtaken trial
  int64_t newest_finished = -1;
  for (const auto& t : trials) {
    if (IsFinished(t->state)) newest_finished = std::max(newest_finished, t->number);
  }
  for (const auto& t : trials) {
    if (t->state != TrialState::kRunning || t->number == trial.number || !Covers(*t, space)) continue;
    Eigen::VectorXd p(d);
    Eigen::Index j = 0;
    bool ok = true;
    for (const auto& [name, distribution] : space) {
      const auto it = t->params.find(name);
      if (it == t->params.end()) {
        ok = false;
        break;
      }
      p(j++) = Encode(distribution, it->second);
    }
    if (ok) {
      pending.push_back(std::move(p));
      lie_floor.push_back(t->number < newest_finished ? -std::numeric_limits<double>::infinity() : 0.0);
    }
  }
  gp::GaussianProcess& with_fantasies = previous.with_fantasies;
  model.objective = &objective;
  if (!pending.empty() && model.use_ei) {
    const auto m = static_cast<Eigen::Index>(pending.size());
    Eigen::MatrixXd xf(n + m, d);
    Eigen::VectorXd yf(n + m);
    xf.topRows(n) = x;
    yf.head(n) = y_model;
    for (Eigen::Index p = 0; p < m; ++p) xf.row(n + p) = pending[static_cast<size_t>(p)].transpose();
    Eigen::VectorXd fantasy_mean;
    Eigen::VectorXd fantasy_variance;
    objective.PredictBatch(xf.bottomRows(m), fantasy_mean, fantasy_variance);
    for (Eigen::Index p = 0; p < m; ++p) yf(n + p) = std::max(fantasy_mean(p), lie_floor[static_cast<size_t>(p)]);
    with_fantasies.Fit(objective.space(), xf, yf, objective.theta());
    model.objective = &with_fantasies;
  }

  gp::AcquisitionSearchOptions search;
  search.n_candidates = static_cast<int>(options_.n_candidates);
  search.n_local = static_cast<int>(options_.n_local_search);
  const uint64_t search_seed =
      MixSeed(MixSeed(seed_, static_cast<uint64_t>(trial.number)), StableHash("gp/acquisition"));
  std::vector<double> decoded(space.size());
  const gp::Excluded excluded = [&](const Eigen::VectorXd& u) {
    Eigen::Index k = 0;
    for (const auto& [name, distribution] : space) {
      decoded[static_cast<size_t>(k)] = Decode(distribution, u(k));
      ++k;
    }
    return taken.contains(decoded);
  };
  const Eigen::VectorXd chosen =
      gp::MaximizeAcquisition(model, dims, anchors, search_seed, search, taken.empty() ? gp::Excluded{} : excluded);

  Eigen::Index j = 0;
  for (const auto& [name, distribution] : space) {
    double value = Decode(distribution, chosen(j++));
    // Every path lands inside the distribution; this guards the contract against rounding surprises.
    if (!Contains(distribution, value)) value = math::FromUnit(distribution, 0.5);
    out[name] = value;
  }
  return out;
}

}  // namespace hyperscout
