#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <numeric>
#include <optional>
#include <set>
#include <tuple>
#include <variant>
#include <vector>

#include "hyperscout/common/error.hpp"
#include "hyperscout/common/rng.hpp"
#include "hyperscout/core/study.hpp"
#include "hyperscout/samplers/tpe.hpp"
#include "math/transform.hpp"
#include "samplers/configuration.hpp"
#include "samplers/tpe/history.hpp"
#include "samplers/tpe/parzen_estimator.hpp"
#include "samplers/tpe/split.hpp"

namespace hyperscout {

struct TpeSampler::State {
  std::mutex mutex;  // the study serializes calls, but one sampler may serve several studies
  std::map<std::pair<const void*, int64_t>, tpe::History> histories;
  // The (study, trial) the history was last refreshed for. Within one trial, sampling reuses that view instead of
  // re-reading every trial per parameter; a sequential run finishes nothing in between, so this changes no value.
  std::tuple<const void*, int64_t, int64_t> refreshed_for{nullptr, -1, -1};

  // Scratch buffers reused across trials so steady-state sampling does not allocate.
  tpe::ParzenEstimator below;
  tpe::ParzenEstimator above;
  std::vector<tpe::ParzenDim> dims;
  std::vector<const tpe::History::ParamColumn*> columns;
  std::vector<int64_t> below_numbers;
  std::vector<int64_t> above_numbers;
  std::vector<double> liar_values;  // row-major, one row per RUNNING trial that has every parameter
  std::vector<int64_t> liar_numbers;
  std::vector<int32_t> position_below;  // by trial number: index among the below observations, or -1
  std::vector<int32_t> position_above;  // by trial number: index among the above observations, or -1
  std::vector<uint32_t> liar_positions;
  std::vector<std::vector<uint32_t>> orders_below;  // per dimension: observation indices by ascending value
  std::vector<std::vector<uint32_t>> orders_above;
  std::vector<double> obs_below;
  std::vector<double> obs_above;
  std::vector<double> weights_below;
  std::vector<double> weights_above;
  std::vector<double> candidates;
  std::vector<double> log_l;
  std::vector<double> log_g;

  // Samples the parameters of `space` jointly: split the history, fit l (below) and g (above), draw candidates from l
  // and keep the one maximizing log l - log g (Watanabe 2023, eq. (2) and Algorithm 1). With `taken`, the best
  // candidate it does not reject; when it rejects every candidate, up to kExtraDraws more sets are drawn, and after
  // that the best candidate is kept anyway (the space is taken as exhausted).
  std::vector<double> SampleJoint(tpe::History& history, const TpeOptions& options,
                                  const std::vector<std::pair<std::string, Distribution>>& space, Rng& rng,
                                  const tpe::Taken& taken = {});

  tpe::History& Refresh(const Study& study, int64_t trial_number, bool reuse_within_trial) {
    auto& history = histories[{&study.storage(), study.id()}];
    const std::tuple<const void*, int64_t, int64_t> key{&study.storage(), study.id(), trial_number};
    if (!reuse_within_trial || refreshed_for != key) {
      history.Refresh(study, trial_number);
      refreshed_for = key;
    }
    return history;
  }
};

namespace {

// Candidate sets drawn beyond the first when every candidate repeats a taken configuration.
constexpr int kExtraDraws = 4;

// Whether every parameter of `part` (name and distribution pairs) is discrete (continuous values never repeat, so TPE
// does not look for repeats).
template <typename Params>
bool AllDiscrete(const Params& part) {
  return std::all_of(part.begin(), part.end(), [](const auto& entry) {
    return std::holds_alternative<CategoricalDistribution>(entry.second) || Cardinality(entry.second).has_value();
  });
}

void CheckOptions(const TpeOptions& o) {
  if (o.n_startup_trials < 0) {
    throw InvalidArgumentError(fmt::format("tpe: n_startup_trials must be >= 0, got {}", o.n_startup_trials));
  }
  if (o.n_ei_candidates < 1) {
    throw InvalidArgumentError(fmt::format("tpe: n_ei_candidates must be >= 1, got {}", o.n_ei_candidates));
  }
  if (!(o.prior_weight >= 0.0) || !std::isfinite(o.prior_weight)) {
    throw InvalidArgumentError(fmt::format("tpe: prior_weight must be a finite number >= 0, got {}", o.prior_weight));
  }
  if (!(o.gamma > 0.0 && o.gamma <= 1.0)) {
    throw InvalidArgumentError(fmt::format("tpe: gamma must be in (0, 1], got {} (0.1 is the default)", o.gamma));
  }
  if (o.gamma_cap < 0) throw InvalidArgumentError(fmt::format("tpe: gamma_cap must be >= 0, got {}", o.gamma_cap));
  if (o.bandwidth != "neighbor" && o.bandwidth != "scott") {
    throw InvalidArgumentError(
        fmt::format("tpe: bandwidth must be \"neighbor\" or \"scott\", got \"{}\"", o.bandwidth));
  }
}

// The default observation weights, or the user's, checked.
void Weights(const TpeOptions& options, size_t n, std::vector<double>& out) {
  if (!options.weights_fn) {
    tpe::DefaultWeights(n, out);
    return;
  }
  out = options.weights_fn(static_cast<int64_t>(n));
  if (out.size() != n) {
    throw InvalidArgumentError(
        fmt::format("tpe: weights_fn({}) returned {} weights; return exactly {}", n, out.size(), n));
  }
  for (double w : out) {
    if (!(w >= 0.0) || !std::isfinite(w)) {
      throw InvalidArgumentError(fmt::format("tpe: weights_fn({}) returned {}; weights must be finite and >= 0", n, w));
    }
  }
}

}  // namespace

TpeSampler::TpeSampler(TpeOptions options, std::optional<uint64_t> seed)
    : options_(std::move(options)),
      seed_(seed ? *seed : RandomSeed()),
      random_(seed_),
      state_(std::make_unique<State>()) {
  CheckOptions(options_);
}

TpeSampler::~TpeSampler() = default;

void TpeSampler::Reseed(uint64_t seed) {
  std::lock_guard lock(state_->mutex);
  seed_ = seed;
  random_.Reseed(seed);
}

SearchSpace TpeSampler::InferRelativeSearchSpace(const Study& study, const FrozenTrial& trial) {
  if (!options_.multivariate) return {};
  std::lock_guard lock(state_->mutex);
  tpe::History& history = state_->Refresh(study, trial.number, /*reuse_within_trial=*/false);
  SearchSpace space;
  int n_parts = 0;
  if (options_.group) {
    for (const auto& group : history.groups().groups()) {
      bool any = false;
      for (const auto& [name, distribution] : group) {
        if (!IsSingle(distribution)) any = space.emplace(name, distribution).second || any;
      }
      n_parts += any ? 1 : 0;
    }
  } else {
    for (const auto& [name, distribution] : history.intersection().space()) {
      if (!IsSingle(distribution)) space.emplace(name, distribution);
    }
    n_parts = space.empty() ? 0 : 1;
  }
  // During the random start-up the relative space serves only to keep the draws of a discrete space (one group of
  // integers, stepped floats and categoricals) from repeating the study's configurations; elsewhere the start-up
  // samples every parameter independently.
  if (static_cast<int64_t>(history.finished().size()) < options_.n_startup_trials) {
    if (history.finished().empty()) {
      // Nothing has finished yet (the first batch of a parallel study, or a study of failures): the earliest other
      // trial with parameters stands in for the space, as in the QMC sampler, so the trials of a first batch do not
      // repeat each other. A trial still being run by define-by-run code may have only some of its parameters; its
      // space is then a part of the real one, and only trials with exactly that part count as repeats.
      space.clear();
      for (const auto& other : history.snapshot()) {
        if (other->number == trial.number || other->distributions.empty()) continue;
        for (const auto& [name, distribution] : other->distributions) {
          if (!IsSingle(distribution)) space.emplace(name, distribution);
        }
        break;
      }
      n_parts = space.empty() ? 0 : 1;
    }
    if (n_parts != 1 || !AllDiscrete(space)) return {};
  }
  return space;
}

std::map<std::string, double> TpeSampler::SampleRelative(const Study& study, const FrozenTrial& trial,
                                                         const SearchSpace& space) {
  std::lock_guard lock(state_->mutex);
  tpe::History& history = state_->Refresh(study, trial.number, /*reuse_within_trial=*/true);
  std::map<std::string, double> out;
  if (space.empty()) return out;
  if (static_cast<int64_t>(history.finished().size()) < options_.n_startup_trials) {
    // The random start-up's own draws (the ones SampleIndependent makes), redrawn only where they repeat a
    // configuration the study has (docs/samplers.md, "No repeated configurations").
    for (const auto& [name, distribution] : space)
      out[name] = random_.SampleIndependent(study, trial, name, distribution);
    AvoidStartupRepeat(history.snapshot(), trial, space, MixSeed(seed_, StableHash("tpe/startup")), out);
    return out;
  }

  std::vector<std::vector<std::pair<std::string, Distribution>>> parts;
  if (options_.group) {
    for (const auto& group : history.groups().groups()) {
      std::vector<std::pair<std::string, Distribution>> part;
      for (const auto& [name, distribution] : group) {
        const auto it = space.find(name);
        if (it != space.end() && !IsSingle(it->second)) part.emplace_back(name, it->second);
      }
      if (!part.empty()) parts.push_back(std::move(part));
    }
  } else {
    std::vector<std::pair<std::string, Distribution>> part;
    for (const auto& [name, distribution] : space) {
      if (!IsSingle(distribution)) part.emplace_back(name, distribution);
    }
    if (!part.empty()) parts.push_back(std::move(part));
  }
  // A configuration is the values of one part only when the space has one part (several parts are the branches of a
  // conditional space, whose root choices must repeat). TPE keeps away from the configurations the study has, in any
  // state, as the GP does (docs/samplers.md, "No repeated configurations"): on a 120-configuration space about half
  // of the trials after the start-up repeated earlier ones.
  tpe::Taken taken;
  std::set<std::vector<double>> running;
  if (parts.size() == 1 && AllDiscrete(parts[0])) {
    const std::set<std::vector<double>>& finished = history.FinishedConfigurations(parts[0]);
    for (const auto& t : history.running()) {
      if (auto c = ConfigurationOf(*t, parts[0])) running.insert(std::move(*c));
    }
    if (!finished.empty() || !running.empty()) {
      taken = [&finished, &running](const std::vector<double>& v) {
        return finished.contains(v) || running.contains(v);
      };
    }
  }
  for (const auto& part : parts) {
    // Each group draws from its own stream, named by its first parameter, so adding a branch elsewhere in the
    // space does not shift this group's samples.
    Rng rng(MixSeed(MixSeed(seed_, static_cast<uint64_t>(trial.number)), StableHash("tpe/relative/" + part[0].first)));
    const std::vector<double> values = state_->SampleJoint(history, options_, part, rng, taken);
    for (size_t d = 0; d < part.size(); ++d) out[part[d].first] = values[d];
  }
  return out;
}

double TpeSampler::SampleIndependent(const Study& study, const FrozenTrial& trial, const std::string& name,
                                     const Distribution& distribution) {
  std::lock_guard lock(state_->mutex);
  tpe::History& history = state_->Refresh(study, trial.number, /*reuse_within_trial=*/true);
  if (static_cast<int64_t>(history.finished().size()) < options_.n_startup_trials) {
    return random_.SampleIndependent(study, trial, name, distribution);
  }
  if (IsSingle(distribution)) return math::FromUnit(distribution, 0.5);
  Rng rng(MixSeed(MixSeed(seed_, static_cast<uint64_t>(trial.number)), StableHash("tpe/independent/" + name)));
  return state_->SampleJoint(history, options_, {{name, distribution}}, rng)[0];
}

std::vector<double> TpeSampler::State::SampleJoint(tpe::History& history, const TpeOptions& options,
                                                   const std::vector<std::pair<std::string, Distribution>>& space,
                                                   Rng& rng, const tpe::Taken& taken) {
  State& s = *this;
  const size_t n_dims = space.size();
  const auto n_finished = static_cast<int64_t>(history.finished().size());
  const bool multi_objective = history.multi_objective();
  int64_t n_below = options.gamma_fn
                        ? options.gamma_fn(n_finished)
                        : tpe::DefaultGamma(n_finished, options.gamma, multi_objective ? 0 : options.gamma_cap);
  n_below = std::clamp<int64_t>(n_below, 0, n_finished);
  const std::vector<double>& below = history.Below(n_below);

  s.dims.clear();
  s.columns.clear();
  for (const auto& [name, distribution] : space) {
    s.dims.push_back(tpe::ParzenDim::From(distribution));
    s.columns.push_back(&history.Column(name, distribution));
  }

  // Observations: finished trials that have every parameter of `space` (so each branch of a conditional space is
  // modelled from the trials that took it), in trial-number order for the weights. A trial tied at the split
  // boundary is in both sets, with its share of weight in each (History::Below).
  s.below_numbers.clear();
  s.above_numbers.clear();
  for (int64_t number : history.finished()) {
    const auto i = static_cast<size_t>(number);
    bool complete = true;
    for (const auto* column : s.columns) {
      if (std::isnan(column->values[i])) {
        complete = false;
        break;
      }
    }
    if (!complete) continue;
    if (below[i] > 0.0) s.below_numbers.push_back(number);
    if (below[i] < 1.0) s.above_numbers.push_back(number);
  }
  // Constant liar: RUNNING trials join "above" as if they had the worst value, which pushes new candidates away
  // from points already being evaluated. A RUNNING trial that a later-asked one has overtaken is not part of the
  // batch being asked: it runs long, or it was asked and never told, and then it would stay "above" for ever,
  // keeping every later trial away from where it sits (mostly near the optimum). Only the batch keeps the liar; the
  // overtaken ones stay taken configurations (above).
  s.liar_values.clear();
  s.liar_numbers.clear();
  if (options.constant_liar) {
    for (const auto& trial : history.running()) {
      if (trial->number < history.newest_finished()) continue;
      const size_t start = s.liar_values.size();
      bool complete = true;
      for (const auto& [name, distribution] : space) {
        const auto param = trial->params.find(name);
        const double v = param == trial->params.end()
                             ? std::numeric_limits<double>::quiet_NaN()
                             : tpe::Encode(distribution, trial->distributions.at(name), param->second);
        if (std::isnan(v)) {
          complete = false;
          break;
        }
        s.liar_values.push_back(v);
      }
      if (complete) {
        s.liar_numbers.push_back(trial->number);
      } else {
        s.liar_values.resize(start);
      }
    }
  }

  const size_t m_below = s.below_numbers.size();
  const size_t m_above = s.above_numbers.size() + s.liar_numbers.size();
  s.obs_below.resize(n_dims * m_below);
  s.obs_above.resize(n_dims * m_above);
  const size_t n_numbers = s.columns.empty() ? 0 : s.columns[0]->values.size();
  s.position_below.assign(n_numbers, -1);
  s.position_above.assign(n_numbers, -1);
  for (size_t i = 0; i < m_below; ++i)
    s.position_below[static_cast<size_t>(s.below_numbers[i])] = static_cast<int32_t>(i);
  // Above: finished and running trials merged by number (both lists are ascending).
  s.liar_positions.clear();
  for (size_t i = 0, a = 0, r = 0; i < m_above; ++i) {
    if (r < s.liar_numbers.size() && (a == s.above_numbers.size() || s.liar_numbers[r] < s.above_numbers[a])) {
      s.liar_positions.push_back(static_cast<uint32_t>(i));
      ++r;
    } else {
      s.position_above[static_cast<size_t>(s.above_numbers[a++])] = static_cast<int32_t>(i);
    }
  }
  s.orders_below.resize(n_dims);
  s.orders_above.resize(n_dims);
  for (size_t d = 0; d < n_dims; ++d) {
    const tpe::History::ParamColumn& column = *s.columns[d];
    double* below_out = s.obs_below.data() + d * m_below;
    for (size_t i = 0; i < m_below; ++i) below_out[i] = column.values[static_cast<size_t>(s.below_numbers[i])];
    double* above_out = s.obs_above.data() + d * m_above;
    for (int64_t number : s.above_numbers) {
      above_out[s.position_above[static_cast<size_t>(number)]] = column.values[static_cast<size_t>(number)];
    }
    for (size_t r = 0; r < s.liar_positions.size(); ++r) above_out[s.liar_positions[r]] = s.liar_values[r * n_dims + d];

    // Sorted orders for the bandwidths, read off the history's sorted column in one pass instead of sorting.
    auto& order_below = s.orders_below[d];
    auto& order_above = s.orders_above[d];
    order_below.clear();
    order_above.clear();
    if (s.dims[d].kind == tpe::ParzenDim::Kind::kCategorical) continue;
    for (const auto& [value, number] : column.sorted) {
      const auto n = static_cast<size_t>(number);
      if (s.position_below[n] >= 0) order_below.push_back(static_cast<uint32_t>(s.position_below[n]));
      if (s.position_above[n] >= 0) order_above.push_back(static_cast<uint32_t>(s.position_above[n]));
    }
    for (uint32_t liar : s.liar_positions) {
      const auto at = std::upper_bound(order_above.begin(), order_above.end(), above_out[liar],
                                       [&](double v, uint32_t i) { return v < above_out[i]; });
      order_above.insert(at, liar);
    }
  }

  // Multi-objective "below" sets are weighted uniformly (Optuna 5); otherwise newer trials weigh more.
  if (multi_objective) {
    s.weights_below.assign(m_below, 1.0);
  } else {
    Weights(options, m_below, s.weights_below);
  }
  Weights(options, m_above, s.weights_above);
  for (size_t i = 0; i < m_below; ++i) s.weights_below[i] *= below[static_cast<size_t>(s.below_numbers[i])];
  for (int64_t number : s.above_numbers) {
    const auto i = static_cast<size_t>(number);
    s.weights_above[static_cast<size_t>(s.position_above[i])] *= 1.0 - below[i];
  }

  tpe::ParzenOptions parzen;
  parzen.consider_prior = options.consider_prior;
  parzen.prior_weight = options.prior_weight;
  parzen.consider_magic_clip = options.consider_magic_clip;
  parzen.consider_endpoints = options.consider_endpoints;
  parzen.bandwidth =
      (n_dims > 1 && options.bandwidth == "scott") ? tpe::BandwidthRule::kScott : tpe::BandwidthRule::kNeighbor;
  s.below.Fit(s.dims, s.obs_below, m_below, s.weights_below, parzen, &s.orders_below);
  s.above.Fit(s.dims, s.obs_above, m_above, s.weights_above, parzen, &s.orders_above);

  const auto n_candidates = static_cast<size_t>(options.n_ei_candidates);
  std::vector<double> values(n_dims);
  auto decode = [&](size_t c) {
    for (size_t d = 0; d < n_dims; ++d) {
      const double x = s.candidates[c * n_dims + d];
      const Distribution& distribution = space[d].second;
      double value = 0.0;
      switch (s.dims[d].kind) {
        case tpe::ParzenDim::Kind::kContinuous:
          value = math::FromUnit(distribution, x);
          break;
        case tpe::ParzenDim::Kind::kDiscrete:
          value = math::FromUnit(distribution, s.dims[d].CellCenter(static_cast<int64_t>(x)));
          break;
        case tpe::ParzenDim::Kind::kCategorical:
          value = x;
          break;
      }
      // Every path above lands inside the distribution; this guards the contract against rounding surprises.
      if (!Contains(distribution, value)) value = math::FromUnit(distribution, 0.5);
      values[d] = value;
    }
  };
  auto score = [&](size_t c) {  // NaN scores rank last
    const double v = s.log_l[c] - s.log_g[c];
    return std::isnan(v) ? -std::numeric_limits<double>::infinity() : v;
  };
  std::vector<double> first_best;
  std::vector<size_t> order;
  for (int draw = 0; draw <= (taken ? kExtraDraws : 0); ++draw) {
    s.below.Sample(rng, n_candidates, s.candidates);
    s.below.LogPdf(s.candidates, n_candidates, s.log_l);
    s.above.LogPdf(s.candidates, n_candidates, s.log_g);
    size_t best = 0;  // the first of the best-scoring candidates
    for (size_t c = 1; c < n_candidates; ++c) {
      if (score(c) > score(best)) best = c;
    }
    decode(best);
    if (!taken || !taken(values)) return values;
    if (draw == 0) first_best = values;
    // The best is taken: the others, best first (ties in candidate order).
    order.resize(n_candidates);
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score(a) > score(b); });
    for (size_t c : order) {
      if (c == best) continue;
      decode(c);
      if (!taken(values)) return values;
    }
  }
  return first_best;
}

}  // namespace hyperscout
