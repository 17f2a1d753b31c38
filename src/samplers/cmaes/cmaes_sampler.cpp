// The Study glue of the CMA-ES sampler: search space, generations as trial slots, state in storage. The algorithm
// itself is in cma.cpp; the protocol that lets several workers drive one CMA-ES is described in cmaes.hpp.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <tuple>
#include <type_traits>

#include "hyperscout/common/error.hpp"
#include "hyperscout/common/rng.hpp"
#include "hyperscout/core/study.hpp"
#include "hyperscout/samplers/cmaes.hpp"
#include "hyperscout/samplers/random.hpp"
#include "hyperscout/samplers/tpe.hpp"
#include "math/transform.hpp"
#include "samplers/cmaes/cma.hpp"
#include "samplers/cmaes/restart.hpp"
#include "samplers/cmaes/warm_start.hpp"
#include "samplers/tpe/search_space.hpp"

namespace hyperscout {
namespace {

constexpr const char* kSlotAttr = "cmaes:slot";
constexpr double kDefaultSigma0 = 1.0 / 6.0;
// Discrete dimensions with more values than this are treated as continuous: their cells are too fine for the margin
// to matter, and the threshold list would bloat the stored state.
constexpr int64_t kMaxMarginCells = 1000;

using Dims = std::vector<std::pair<std::string, Distribution>>;

struct Slot {
  std::string space;
  int64_t restart = 0;
  int64_t generation = 0;
  int64_t index = 0;
  int64_t attempt = 0;
};

std::optional<Slot> SlotOf(const FrozenTrial& trial) {
  const auto it = trial.system_attrs.find(kSlotAttr);
  if (it == trial.system_attrs.end() || !it->second.is_object()) return std::nullopt;
  const Json& j = it->second;
  try {
    return Slot{j.at("space").get<std::string>(), j.at("restart").get<int64_t>(), j.at("generation").get<int64_t>(),
                j.at("index").get<int64_t>(), j.at("attempt").get<int64_t>()};
  } catch (const Json::exception&) {
    return std::nullopt;  // written by something else; not ours to interpret
  }
}

// Cell boundaries on the unit scale of a discrete distribution, matching math::FromUnit's rounding; empty for
// continuous ones (and for grids too fine to matter).
std::vector<double> Thresholds(const Distribution& distribution) {
  std::vector<double> t;
  if (const auto* d = std::get_if<IntDistribution>(&distribution)) {
    const int64_t k = (d->high - d->low) / d->step + 1;
    if (k < 2 || k > kMaxMarginCells) return t;
    if (d->log) {
      const double lo = std::log(static_cast<double>(d->low) - 0.5);
      const double hi = std::log(static_cast<double>(d->high) + 0.5);
      for (int64_t v = d->low; v < d->high; ++v) t.push_back((std::log(static_cast<double>(v) + 0.5) - lo) / (hi - lo));
    } else {
      for (int64_t c = 1; c < k; ++c) t.push_back(static_cast<double>(c) / static_cast<double>(k));
    }
  } else if (const auto* f = std::get_if<FloatDistribution>(&distribution); f != nullptr && f->step) {
    const auto k = static_cast<int64_t>(std::llround((f->high - f->low) / *f->step)) + 1;
    if (k < 2 || k > kMaxMarginCells) return t;
    for (int64_t c = 1; c < k; ++c) t.push_back(static_cast<double>(c) / static_cast<double>(k));
  }
  return t;
}

// The objective value CMA-ES minimizes, or nullopt when the trial cannot count: FAIL, or PRUNED without a value or
// when pruned trials are left out.
std::optional<double> Fitness(const FrozenTrial& trial, StudyDirection direction, bool consider_pruned = true) {
  const bool counts = trial.state == TrialState::kComplete || (consider_pruned && trial.state == TrialState::kPruned);
  if (!counts) return std::nullopt;
  if (trial.values.size() != 1 || std::isnan(trial.values[0])) return std::nullopt;
  return direction == StudyDirection::kMaximize ? -trial.values[0] : trial.values[0];
}

// The trial's value of each dimension on the unit scale, or nullopt when it lacks one or it lies outside.
std::optional<Eigen::VectorXd> UnitPoint(const FrozenTrial& trial, const Dims& dims) {
  Eigen::VectorXd x(static_cast<Eigen::Index>(dims.size()));
  for (size_t d = 0; d < dims.size(); ++d) {
    const auto it = trial.params.find(dims[d].first);
    if (it == trial.params.end() || !Contains(dims[d].second, it->second)) return std::nullopt;
    x[static_cast<Eigen::Index>(d)] = std::clamp(math::ToUnit(dims[d].second, it->second), 0.0, 1.0);
  }
  return x;
}

}  // namespace

struct CmaEsSampler::State {
  std::mutex mutex;  // the study serializes calls, but one sampler may serve several studies

  // What one study's finished trials say, read incrementally (finished trials never change).
  struct View {
    std::vector<char> seen;
    int64_t n_finished = 0;  // COMPLETE and PRUNED
    tpe::IntersectionSpace intersection;
    std::map<std::tuple<std::string, int64_t, int64_t>, std::vector<FrozenTrialPtr>> finished_by_generation;
    std::vector<FrozenTrialPtr> running;
    std::map<std::string, int64_t> restart_of;  // space key -> newest restart seen
    bool warm_source_loaded = false;
    std::vector<FrozenTrial> warm_source;
    StudyDirection warm_direction = StudyDirection::kMinimize;

    // Reads the warm start's source once: at the study's first ask, so that a warm_start_study that does not exist
    // fails that ask, before any objective runs.
    void LoadWarmSource(const CmaEsOptions& options, const Study& study) {
      if (warm_source_loaded) return;
      warm_direction = study.directions()[0];
      if (!options.source_trials.empty()) {
        warm_source = options.source_trials;
      } else if (!options.warm_start_study.empty()) {
        Storage& storage = study.storage();
        int64_t source_id = -1;
        try {
          source_id = storage.GetStudyId(options.warm_start_study);
        } catch (const StudyNotFoundError&) {
          throw InvalidArgumentError(fmt::format(
              "cmaes: warm_start_study '{}' does not exist in this storage; name a study in the same storage",
              options.warm_start_study));
        }
        const auto directions = storage.GetStudyDirections(source_id);
        if (directions.size() != 1) {
          throw InvalidArgumentError(fmt::format("cmaes: warm_start_study '{}' has {} objectives; it needs one",
                                                 options.warm_start_study, directions.size()));
        }
        warm_direction = directions[0];
        warm_source = GetAllTrials(storage, source_id, {TrialState::kComplete});
      }
      warm_source_loaded = true;
    }
  };
  std::map<std::pair<const void*, int64_t>, View> views;

  // The last parsed state per storage key, reused while the stored text is unchanged. Its implicit move and
  // destructor are noexcept (asserted below); bugprone-exception-escape reports the allocation inside
  // nlohmann::json's destructor, which the library declares noexcept.
  struct Parsed {  // NOLINT(bugprone-exception-escape)
    std::string text;
    Json json;
    std::shared_ptr<cmaes::Cma> cma;
    cmaes::RunPlan plan;
  };
  static_assert(std::is_nothrow_move_constructible_v<Parsed> && std::is_nothrow_destructible_v<Parsed>);
  std::map<std::tuple<const void*, int64_t, std::string>, Parsed> parsed;

  View& Refresh(const Study& study) {
    View& view = views[{&study.storage(), study.id()}];
    view.running.clear();
    for (const auto& trial : study.TrialsSnapshot()) {
      const auto number = static_cast<size_t>(trial->number);
      if (!IsFinished(trial->state)) {
        if (trial->state == TrialState::kRunning) view.running.push_back(trial);
        continue;
      }
      if (number >= view.seen.size()) view.seen.resize(number + 1, 0);
      if (view.seen[number] != 0) continue;
      view.seen[number] = 1;
      if (trial->state != TrialState::kFail) {
        view.intersection.Add(trial->distributions);
        ++view.n_finished;
      }
      if (const auto slot = SlotOf(*trial)) {
        view.finished_by_generation[{slot->space, slot->restart, slot->generation}].push_back(trial);
      }
    }
    return view;
  }
};

CmaEsSampler::CmaEsSampler(CmaEsOptions options, std::optional<uint64_t> seed)
    : options_(std::move(options)), seed_(seed ? *seed : RandomSeed()), state_(std::make_unique<State>()) {
  if (options_.n_startup_trials < 0) {
    throw InvalidArgumentError(fmt::format("cmaes: n_startup_trials must be >= 0, got {}", options_.n_startup_trials));
  }
  if (options_.popsize != 0 && options_.popsize < 2) {
    throw InvalidArgumentError(
        fmt::format("cmaes: popsize must be >= 2 (or 0 for 4 + floor(3 ln n)), got {}", options_.popsize));
  }
  if (options_.sigma0 && (!(*options_.sigma0 > 0.0) || !std::isfinite(*options_.sigma0))) {
    throw InvalidArgumentError(fmt::format(
        "cmaes: sigma0 must be a finite number > 0 (on the unit cube; 1/6 is the default), got {}", *options_.sigma0));
  }
  if (!(options_.inc_popsize > 1.0) || !std::isfinite(options_.inc_popsize)) {
    throw InvalidArgumentError(
        fmt::format("cmaes: inc_popsize must be > 1 (2 is the default), got {}", options_.inc_popsize));
  }
  if (options_.lr_adapt && options_.use_separable_cma) {
    throw InvalidArgumentError(
        "cmaes: lr_adapt and use_separable_cma cannot be combined (the learning-rate adaptation is derived for the "
        "full covariance); turn one of them off");
  }
  cmaes::ParseRestartStrategy(options_.restart_strategy);
  const uint64_t independent_seed = MixSeed(seed_, StableHash("cmaes/independent"));
  if (options_.independent_sampler == "tpe") {
    independent_ = std::make_unique<TpeSampler>(TpeOptions{}, independent_seed);
  } else if (options_.independent_sampler == "random") {
    independent_ = std::make_unique<RandomSampler>(independent_seed);
  } else {
    throw InvalidArgumentError(fmt::format("cmaes: independent_sampler must be \"tpe\" or \"random\", got \"{}\"",
                                           options_.independent_sampler));
  }
}

CmaEsSampler::~CmaEsSampler() = default;

void CmaEsSampler::Reseed(uint64_t seed) {
  std::lock_guard lock(state_->mutex);
  seed_ = seed;
  independent_->Reseed(MixSeed(seed_, StableHash("cmaes/independent")));
}

double CmaEsSampler::SampleIndependent(const Study& study, const FrozenTrial& trial, const std::string& name,
                                       const Distribution& distribution) {
  return independent_->SampleIndependent(study, trial, name, distribution);
}

SearchSpace CmaEsSampler::InferRelativeSearchSpace(const Study& study, const FrozenTrial& /*trial*/) {
  if (study.IsMultiObjective()) return {};
  std::lock_guard lock(state_->mutex);
  State::View& view = state_->Refresh(study);
  view.LoadWarmSource(options_, study);
  if (view.n_finished < std::max<int64_t>(1, options_.n_startup_trials)) return {};
  SearchSpace space;
  for (const auto& [name, distribution] : view.intersection.space()) {
    if (!std::holds_alternative<CategoricalDistribution>(distribution) && !IsSingle(distribution)) {
      space.emplace(name, distribution);
    }
  }
  return space;
}

namespace {

// Everything SampleRelative needs about one space, bundled so the helpers below stay small.
struct Context {
  const Study& study;
  const CmaEsOptions& options;
  uint64_t seed;
  Dims dims;
  std::string space;  // hex hash of the space, part of every key and slot
  cmaes::RestartStrategy strategy;

  std::string Key(int64_t restart) const { return fmt::format("cmaes:{}:{}", space, restart); }

  Rng CandidateRng(int64_t restart, int64_t generation, int64_t index, int64_t attempt) const {
    uint64_t s = MixSeed(seed, StableHash("cmaes/candidate/" + space));
    for (const int64_t part : {restart, generation, index, attempt}) s = MixSeed(s, static_cast<uint64_t>(part));
    return Rng(s);
  }

  cmaes::CmaConfig Config(int64_t popsize) const {
    cmaes::CmaConfig config;
    config.popsize = popsize;
    config.separable = options.use_separable_cma;
    config.lr_adapt = options.lr_adapt;
    if (options.with_margin) {
      for (const auto& [name, distribution] : dims) config.thresholds.push_back(Thresholds(distribution));
    } else {
      config.margin = 0.0;
    }
    return config;
  }

  double Sigma0() const { return options.sigma0.value_or(kDefaultSigma0); }
};

Json StateJson(const cmaes::Cma& cma, const cmaes::RunPlan& plan, int64_t base_popsize, bool ended,
               const std::string& stop_reason) {
  Json json{
      {"version", 1}, {"cma", cma.ToJson()}, {"plan", plan.ToJson()}, {"base_popsize", base_popsize}, {"ended", ended}};
  if (!stop_reason.empty()) json["stop_reason"] = stop_reason;
  return json;
}

// The source points of a warm start: trials with a value and every dimension, on the unit scale.
void WarmStartPoints(const std::vector<FrozenTrial>& source, StudyDirection direction, const Dims& dims,
                     std::vector<Eigen::VectorXd>& xs, std::vector<double>& values) {
  for (const auto& trial : source) {
    if (trial.state != TrialState::kComplete) continue;
    const auto value = Fitness(trial, direction);
    const auto x = UnitPoint(trial, dims);
    if (!value || !x) continue;
    xs.push_back(*x);
    values.push_back(*value);
  }
}

}  // namespace

std::map<std::string, double> CmaEsSampler::SampleRelative(const Study& study, const FrozenTrial& trial,
                                                           const SearchSpace& space) {
  std::map<std::string, double> out;
  if (space.empty() || study.IsMultiObjective()) return out;
  std::lock_guard lock(state_->mutex);
  State::View& view = state_->Refresh(study);
  Storage& storage = study.storage();
  const StudyDirection direction = study.directions()[0];

  Json space_json = Json::object();
  for (const auto& [name, distribution] : space) space_json[name] = DistributionToJson(distribution);
  Context ctx{study,
              options_,
              seed_,
              Dims(space.begin(), space.end()),
              fmt::format("{:016x}", StableHash(space_json.dump())),
              cmaes::ParseRestartStrategy(options_.restart_strategy)};

  // The first run of this space: x0 / sigma0, or a warm start fitted to a source study.
  auto initial_state = [&]() {
    Eigen::VectorXd mean = Eigen::VectorXd::Constant(static_cast<Eigen::Index>(ctx.dims.size()), 0.5);
    for (size_t d = 0; d < ctx.dims.size(); ++d) {
      const auto it = options_.x0.find(ctx.dims[d].first);
      if (it == options_.x0.end()) continue;
      try {
        mean[static_cast<Eigen::Index>(d)] =
            std::clamp(math::ToUnit(ctx.dims[d].second, ToInternal(ctx.dims[d].second, it->second)), 0.0, 1.0);
      } catch (const InvalidArgumentError& e) {
        throw InvalidArgumentError(fmt::format("cmaes: x0 for parameter '{}': {}", it->first, e.what()));
      }
    }
    double sigma = ctx.Sigma0();
    std::optional<Eigen::MatrixXd> cov;
    view.LoadWarmSource(options_, study);
    std::vector<Eigen::VectorXd> xs;
    std::vector<double> values;
    WarmStartPoints(view.warm_source, view.warm_direction, ctx.dims, xs, values);
    const bool warm_requested = !options_.source_trials.empty() || !options_.warm_start_study.empty();
    if (xs.empty() && warm_requested && !options_.warm_start_optional) {
      std::string names;
      for (const auto& [name, distribution] : ctx.dims) names += (names.empty() ? "" : ", ") + name;
      const std::string source = options_.warm_start_study.empty()
                                     ? fmt::format("the {} source_trials", view.warm_source.size())
                                     : fmt::format("the {} COMPLETE trials of warm_start_study '{}'",
                                                   view.warm_source.size(), options_.warm_start_study);
      throw InvalidArgumentError(fmt::format(
          "cmaes: no warm-start source trial fits this search space: none of {} is COMPLETE with a value and every "
          "parameter ({}) inside its range; warm-start from a study over the same parameters and ranges, or drop the "
          "warm start",
          source, names));
    }
    if (!xs.empty()) {
      const cmaes::WarmStart warm = cmaes::FitWarmStart(xs, values);
      mean = warm.mean;
      sigma = warm.sigma;
      cov = warm.cov;
    }
    const cmaes::Cma cma(mean, sigma, ctx.Config(options_.popsize), cov ? &*cov : nullptr);
    cmaes::RunPlan plan;
    plan.popsize = cma.popsize();
    return StateJson(cma, plan, cma.popsize(), false, "");
  };

  int64_t& restart = view.restart_of[ctx.space];
  for (int guard = 0; guard < 1000; ++guard) {
    // Load the state of the current restart (the first run's is computed, not stored, until it first changes).
    const std::string key = ctx.Key(restart);
    std::optional<std::string> text = storage.GetSamplerState(study.id(), key);
    if (!text) {
      if (restart != 0) {
        restart = 0;  // another space or a damaged table: start over from the first run
        continue;
      }
      text = initial_state().dump();
    }
    State::Parsed& parsed = state_->parsed[{&storage, study.id(), key}];
    if (!parsed.cma || parsed.text != *text) {
      parsed.text = *text;
      try {
        parsed.json = Json::parse(*text);
      } catch (const Json::exception& e) {
        throw StorageError(fmt::format("cmaes: sampler state '{}' is not valid JSON ({})", key, e.what()));
      }
      parsed.cma = std::make_shared<cmaes::Cma>(cmaes::Cma::FromJson(parsed.json.at("cma")));
      parsed.plan = cmaes::RunPlan::FromJson(parsed.json.at("plan"));
    }
    if (parsed.json.value("ended", false)) {
      ++restart;
      continue;
    }
    const cmaes::Cma& cma = *parsed.cma;
    const int64_t generation = cma.generation();
    const auto popsize = static_cast<size_t>(cma.popsize());

    // Per candidate index: the earliest-finished trial that counts, and how many trials took the index.
    std::vector<FrozenTrialPtr> representative(popsize);
    std::vector<int64_t> taken(popsize, 0);
    std::vector<char> running(popsize, 0);
    auto earlier = [](const FrozenTrialPtr& a, const FrozenTrialPtr& b) {
      const double ta = a->datetime_complete.value_or(std::numeric_limits<double>::infinity());
      const double tb = b->datetime_complete.value_or(std::numeric_limits<double>::infinity());
      return ta != tb ? ta < tb : a->number < b->number;
    };
    const auto found = view.finished_by_generation.find({ctx.space, restart, generation});
    if (found != view.finished_by_generation.end()) {
      for (const auto& t : found->second) {
        const auto slot = SlotOf(*t);
        if (slot->index < 0 || slot->index >= static_cast<int64_t>(popsize)) continue;
        const auto i = static_cast<size_t>(slot->index);
        ++taken[i];
        if (Fitness(*t, direction, options_.consider_pruned_trials) &&
            (!representative[i] || earlier(t, representative[i]))) {
          representative[i] = t;
        }
      }
    }
    for (const auto& t : view.running) {
      const auto slot = SlotOf(*t);
      if (!slot || slot->space != ctx.space || slot->restart != restart || slot->generation != generation) continue;
      if (slot->index < 0 || slot->index >= static_cast<int64_t>(popsize)) continue;
      ++taken[static_cast<size_t>(slot->index)];
      running[static_cast<size_t>(slot->index)] = 1;
    }

    const bool complete = std::all_of(representative.begin(), representative.end(), [](const auto& t) { return t; });
    if (complete) {
      // The next state: a pure function of this state and the representatives in index order.
      cmaes::Cma next = *parsed.cma;
      std::vector<Eigen::VectorXd> xs;
      std::vector<double> values;
      for (size_t i = 0; i < popsize; ++i) {
        const FrozenTrial& t = *representative[i];
        const Slot slot = *SlotOf(t);
        Rng rng = ctx.CandidateRng(restart, generation, static_cast<int64_t>(i), slot.attempt);
        Eigen::VectorXd x = cma.Ask(rng);
        for (size_t d = 0; d < ctx.dims.size(); ++d) {
          const auto& [name, distribution] = ctx.dims[d];
          const auto param = t.params.find(name);
          if (param == t.params.end() || !Contains(distribution, param->second)) continue;
          const auto e = static_cast<Eigen::Index>(d);
          // The candidate counts where it was evaluated: unchanged when it maps onto the stored value (for grids,
          // the unrounded value, as the margin needs), the stored value's unit position when it was replaced.
          if (math::FromUnit(distribution, x[e]) != param->second) {
            x[e] = std::clamp(math::ToUnit(distribution, param->second), 0.0, 1.0);
          }
        }
        xs.push_back(std::move(x));
        values.push_back(*Fitness(t, direction, options_.consider_pruned_trials));
      }
      next.Tell(xs, values);
      const int64_t base_popsize = parsed.json.at("base_popsize").get<int64_t>();
      const auto reason = ctx.strategy == cmaes::RestartStrategy::kNone ? std::nullopt : next.StopReason();
      if (reason) {
        Rng rng(MixSeed(MixSeed(seed_, StableHash("cmaes/restart/" + ctx.space)), static_cast<uint64_t>(restart)));
        const int64_t evaluations = next.generation() * next.popsize();
        const cmaes::RunPlan plan =
            cmaes::NextRun(parsed.plan, ctx.strategy, base_popsize, options_.inc_popsize, evaluations, rng);
        Eigen::VectorXd mean(static_cast<Eigen::Index>(ctx.dims.size()));
        for (Eigen::Index d = 0; d < mean.size(); ++d) mean[d] = rng.Uniform();
        const cmaes::Cma fresh(mean, ctx.Sigma0() * plan.sigma_scale, ctx.Config(plan.popsize));
        // The next run is written before this one is marked ended, so a reader never follows a dangling restart.
        storage.PutSamplerState(study.id(), ctx.Key(restart + 1),
                                StateJson(fresh, plan, base_popsize, false, "").dump());
        storage.PutSamplerState(study.id(), key, StateJson(next, parsed.plan, base_popsize, true, *reason).dump());
      } else {
        storage.PutSamplerState(study.id(), key, StateJson(next, parsed.plan, base_popsize, false, "").dump());
      }
      continue;  // re-read what was written, so this worker samples from exactly the stored state
    }

    // A free index (no trial, or only failed ones), else double up on the running index with the fewest trials.
    size_t index = popsize;
    for (size_t i = 0; i < popsize && index == popsize; ++i) {
      if (!representative[i] && running[i] == 0) index = i;
    }
    if (index == popsize) {
      for (size_t i = 0; i < popsize; ++i) {
        if (!representative[i] && (index == popsize || taken[i] < taken[index])) index = i;
      }
    }
    const int64_t attempt = taken[index];
    Rng rng = ctx.CandidateRng(restart, generation, static_cast<int64_t>(index), attempt);
    const Eigen::VectorXd x = cma.Ask(rng);
    storage.SetTrialSystemAttr(trial.id, kSlotAttr,
                               Json{{"space", ctx.space},
                                    {"restart", restart},
                                    {"generation", generation},
                                    {"index", static_cast<int64_t>(index)},
                                    {"attempt", attempt}});
    for (size_t d = 0; d < ctx.dims.size(); ++d) {
      out[ctx.dims[d].first] = math::FromUnit(ctx.dims[d].second, x[static_cast<Eigen::Index>(d)]);
    }
    break;
  }
  return out;
}

}  // namespace hyperscout
