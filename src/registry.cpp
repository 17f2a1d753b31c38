#include "hyperscout/registry.hpp"

#include <fmt/format.h>

#include "hyperscout/common/error.hpp"
#include "hyperscout/pruners/median.hpp"
#include "hyperscout/pruners/patient.hpp"
#include "hyperscout/pruners/percentile.hpp"
#include "hyperscout/pruners/successive_halving.hpp"
#include "hyperscout/pruners/threshold.hpp"
#include "hyperscout/samplers/auto.hpp"
#include "hyperscout/samplers/cmaes.hpp"
#include "hyperscout/samplers/gp.hpp"
#include "hyperscout/samplers/grid.hpp"
#include "hyperscout/samplers/qmc.hpp"
#include "hyperscout/samplers/random.hpp"
#include "hyperscout/samplers/tpe.hpp"
#include "hyperscout/storage/memory_storage.hpp"
#include "hyperscout/storage/sqlite_storage.hpp"
#include "hyperscout/storage/url.hpp"
#include "pruners/pruner_utils.hpp"

namespace hyperscout {
namespace {

// Fills defaults and checks names and types against the declared options.
Json ResolveOptions(const std::string& what, const std::vector<OptionSpec>& specs, const Json& given) {
  if (!given.is_null() && !given.is_object())
    throw InvalidArgumentError(fmt::format("{}: options must be an object", what));
  Json out = Json::object();
  for (const auto& spec : specs) out[spec.name] = spec.default_value;
  if (given.is_null()) return out;
  for (const auto& item : given.items()) {
    const std::string& key = item.key();
    const Json& value = item.value();
    const auto it = std::find_if(specs.begin(), specs.end(), [&key](const OptionSpec& s) { return s.name == key; });
    if (it == specs.end()) {
      std::vector<std::string> names;
      names.reserve(specs.size());
      for (const auto& s : specs) names.push_back(s.name);
      throw InvalidArgumentError(fmt::format("{} has no option '{}'; valid options: {}", what, key,
                                             names.empty() ? "(none)" : fmt::format("{}", fmt::join(names, ", "))));
    }
    const bool ok = (it->type == "int" && value.is_number_integer()) || (it->type == "float" && value.is_number()) ||
                    (it->type == "bool" && value.is_boolean()) || (it->type == "string" && value.is_string()) ||
                    (it->type == "object" && value.is_object()) || value.is_null() ||
                    value == it->default_value;  // e.g. min_resource: an int or its default "auto"
    if (!ok) {
      throw InvalidArgumentError(fmt::format("{} option '{}' must be of type {}, got {} ({}: {})", what, key, it->type,
                                             value.dump(), key, it->help));
    }
    out[key] = value;
  }
  return out;
}

// A resolved option's value, or `fallback` when it is null.
template <typename T>
T OptionOr(const Json& options, const char* key, T fallback) {
  const Json& value = options.at(key);
  return value.is_null() ? fallback : value.get<T>();
}

std::vector<SamplerSpec> BuildSamplers() {
  std::vector<SamplerSpec> specs;
  specs.push_back({"random",
                   "independent uniform sampling on each parameter's scale",
                   {},
                   [](std::optional<uint64_t> seed, const Json&) { return std::make_shared<RandomSampler>(seed); }});
  specs.push_back(
      {"tpe",
       "Tree-structured Parzen Estimator: models good vs other trials, multivariate and conditional-aware",
       {{"n_startup_trials", "int", 10, "finished trials sampled at random before TPE takes over"},
        {"n_ei_candidates", "int", 24, "candidates drawn from the good-trial model per suggestion"},
        {"multivariate", "bool", true, "model the relative search space jointly instead of per parameter"},
        {"group", "bool", true, "split the relative space into groups of parameters that always co-occur"},
        {"constant_liar", "bool", true, "count RUNNING trials as bad observations so parallel workers spread out"},
        {"consider_prior", "bool", true, "add a wide prior kernel to each model"},
        {"prior_weight", "float", 1.0, "weight of the prior kernel"},
        {"consider_magic_clip", "bool", true, "keep kernels at least range / min(100, 1 + kernels) wide"},
        {"consider_endpoints", "bool", false, "let the outermost kernels stretch to the range ends"},
        {"gamma", "float", 0.1, "fraction of finished trials modelled as good: ceil(gamma * n)"},
        {"gamma_cap", "int", 25, "at most this many good trials for one objective (0: no cap)"},
        {"bandwidth", "string", "neighbor", "multivariate kernel widths: neighbor (gaps) or scott"}},
       [](std::optional<uint64_t> seed, const Json& options) -> std::shared_ptr<Sampler> {
         TpeOptions tpe;
         tpe.n_startup_trials = OptionOr(options, "n_startup_trials", tpe.n_startup_trials);
         tpe.n_ei_candidates = OptionOr(options, "n_ei_candidates", tpe.n_ei_candidates);
         tpe.multivariate = OptionOr(options, "multivariate", tpe.multivariate);
         tpe.group = OptionOr(options, "group", tpe.group);
         tpe.constant_liar = OptionOr(options, "constant_liar", tpe.constant_liar);
         tpe.consider_prior = OptionOr(options, "consider_prior", tpe.consider_prior);
         tpe.prior_weight = OptionOr(options, "prior_weight", tpe.prior_weight);
         tpe.consider_magic_clip = OptionOr(options, "consider_magic_clip", tpe.consider_magic_clip);
         tpe.consider_endpoints = OptionOr(options, "consider_endpoints", tpe.consider_endpoints);
         tpe.gamma = OptionOr(options, "gamma", tpe.gamma);
         tpe.gamma_cap = OptionOr(options, "gamma_cap", tpe.gamma_cap);
         tpe.bandwidth = OptionOr(options, "bandwidth", tpe.bandwidth);
         return std::make_shared<TpeSampler>(std::move(tpe), seed);
       }});
  specs.push_back(
      {"cmaes",
       "CMA-ES on the numeric parameters, with IPOP/BIPOP restarts, margin for integers, state shared through storage",
       {{"x0", "object", Json::object(),
         "initial mean: parameter name -> value (missing ones: the centre of the range)"},
        {"sigma0", "float", nullptr, "initial step size on the unit cube (default 1/6)"},
        {"n_startup_trials", "int", 1, "finished trials sampled independently before CMA-ES starts"},
        {"popsize", "int", nullptr, "candidates per generation (default 4 + floor(3 ln n))"},
        {"restart_strategy", "string", "ipop", "after a run converges: none, ipop or bipop"},
        {"inc_popsize", "float", 2.0, "population growth per restart"},
        {"use_separable_cma", "bool", false, "diagonal covariance (sep-CMA-ES), for many parameters"},
        {"with_margin", "bool", true, "keep integer and stepped dimensions from freezing on one value"},
        {"lr_adapt", "bool", false,
         "adapt the learning rates (LRA-CMA-ES): for multimodal or noisy objectives with the default popsize"},
        {"consider_pruned_trials", "bool", true,
         "count PRUNED trials with their last reported value (false: draw their candidates again)"},
        {"warm_start_study", "string", nullptr, "fit the first run to the best trials of this study (same storage)"},
        {"independent_sampler", "string", "tpe", "sampler for categorical and out-of-space parameters: tpe or random"}},
       [](std::optional<uint64_t> seed, const Json& options) -> std::shared_ptr<Sampler> {
         CmaEsOptions cmaes;
         if (const Json& x0 = options.at("x0"); !x0.is_null()) {
           for (const auto& item : x0.items()) {
             if (item.value().is_null() || item.value().is_object() || item.value().is_array()) {
               throw InvalidArgumentError(
                   fmt::format("sampler 'cmaes' option x0: parameter '{}' needs a number, string or bool, got {}",
                               item.key(), item.value().dump()));
             }
             cmaes.x0[item.key()] = ParamValueFromJson(item.value());
           }
         }
         if (!options.at("sigma0").is_null()) cmaes.sigma0 = options.at("sigma0").get<double>();
         cmaes.n_startup_trials = OptionOr(options, "n_startup_trials", cmaes.n_startup_trials);
         cmaes.popsize = OptionOr(options, "popsize", cmaes.popsize);
         cmaes.restart_strategy = OptionOr(options, "restart_strategy", cmaes.restart_strategy);
         cmaes.inc_popsize = OptionOr(options, "inc_popsize", cmaes.inc_popsize);
         cmaes.use_separable_cma = OptionOr(options, "use_separable_cma", cmaes.use_separable_cma);
         cmaes.with_margin = OptionOr(options, "with_margin", cmaes.with_margin);
         cmaes.lr_adapt = OptionOr(options, "lr_adapt", cmaes.lr_adapt);
         cmaes.consider_pruned_trials = OptionOr(options, "consider_pruned_trials", cmaes.consider_pruned_trials);
         cmaes.warm_start_study = OptionOr(options, "warm_start_study", cmaes.warm_start_study);
         cmaes.independent_sampler = OptionOr(options, "independent_sampler", cmaes.independent_sampler);
         return std::make_shared<CmaEsSampler>(std::move(cmaes), seed);
       }});
  specs.push_back({"grid",
                   "every combination of listed values once, in order or shuffled; stops the study when done",
                   {{"search_space", "object", nullptr,
                     "parameter name -> list of values to try, e.g. {\"lr\": [0.001, 0.01]} (required)"},
                    {"shuffle", "bool", false, "visit the points in a seeded random order"}},
                   [](std::optional<uint64_t> seed, const Json& options) -> std::shared_ptr<Sampler> {
                     if (options.at("search_space").is_null()) {
                       throw InvalidArgumentError(
                           "sampler 'grid' needs the option search_space: an object of parameter name -> list of "
                           "values, e.g. {\"lr\": [0.001, 0.01], \"optimizer\": [\"adam\", \"sgd\"]}");
                     }
                     return std::make_shared<GridSampler>(GridFromJson(options.at("search_space")),
                                                          options.at("shuffle") == true, seed);
                   }});
  specs.push_back(
      {"auto",
       "picks GP, TPE or CMA-ES per trial from the space and the finished trials (the default; docs/samplers.md)",
       {{"gp_max_trials", "int", 200, "finished trials after which a numeric space moves from GP to CMA-ES"},
        {"max_categorical_share", "float", 0.5, "a larger share of categorical parameters selects TPE"},
        {"gp_kernel", "string", "matern52",
         "the GP's kernel, matern52, matern32 or auto (the gp sampler's kernel option)"},
        {"gp_stall_share", "float", 0.0, "the GP's stall_share: Sobol points with this probability after a stall"}},
       [](std::optional<uint64_t> seed, const Json& options) -> std::shared_ptr<Sampler> {
         AutoOptions auto_options;
         auto_options.gp_max_trials = OptionOr(options, "gp_max_trials", auto_options.gp_max_trials);
         auto_options.max_categorical_share =
             OptionOr(options, "max_categorical_share", auto_options.max_categorical_share);
         auto_options.gp_kernel = OptionOr(options, "gp_kernel", auto_options.gp_kernel);
         auto_options.gp_stall_share = OptionOr(options, "gp_stall_share", auto_options.gp_stall_share);
         return std::make_shared<AutoSampler>(auto_options, seed);
       }});
  specs.push_back({"qmc",
                   "scrambled Sobol quasi-Monte Carlo points: even coverage for exploration",
                   {{"scramble", "bool", true, "randomize the sequence from the seed (linear matrix scramble + shift)"},
                    {"skip_first", "bool", false, "use point n + 1 for trial n (drops the all-zeros first point)"}},
                   [](std::optional<uint64_t> seed, const Json& options) -> std::shared_ptr<Sampler> {
                     QmcOptions qmc;
                     qmc.scramble = options.at("scramble") != false;  // null: the default
                     qmc.skip_first = options.at("skip_first") == true;
                     return std::make_shared<QmcSampler>(seed, qmc);
                   }});
  specs.push_back(
      {"gp",
       "Gaussian-process Bayesian optimization (Matern-5/2, log expected improvement): sample-efficient for small "
       "budgets; handles constraints",
       {{"n_startup_trials", "int", 10, "COMPLETE trials from Sobol points before the GP takes over"},
        {"deterministic_objective", "bool", false, "fix the noise variance near zero instead of fitting it"},
        {"n_restarts", "int", 1, "extra hyperparameter-fit starts drawn from the prior at each full fit"},
        {"n_candidates", "int", 512, "quasi-random points scoring the acquisition before local search"},
        {"n_local_search", "int", 5, "best candidates refined by L-BFGS-B and discrete neighbour search"},
        {"replicate_penalty", "bool", false,
         "multiply EI by 1 - noise_sd / predictive_sd so a noisy study stops re-measuring one point"},
        {"input_warping", "string", "auto",
         "auto, on or off: fit a Kumaraswamy CDF per numerical parameter so the model can stretch the end of a range "
         "where the objective changes fast (auto: only when the data support it)"},
        {"boundary_probe", "int", 10,
         "every this many trials after the start-up, redraw one parameter of the best trial that sits on a bound "
         "(0: off)"},
        {"kernel", "string", "matern52",
         "matern52, matern32 or auto: the Matern kernel's smoothness (matern32 models a rougher objective; auto "
         "keeps the one the data support better)"},
        {"stall_share", "float", 0.0,
         "once the best value has not improved for max(20, n/4) of n finished trials and no other trial runs, draw "
         "each trial from Sobol points with this probability (0: off)"}},
       [](std::optional<uint64_t> seed, const Json& options) -> std::shared_ptr<Sampler> {
         GpOptions gp;
         gp.n_startup_trials = OptionOr(options, "n_startup_trials", gp.n_startup_trials);
         gp.deterministic_objective = OptionOr(options, "deterministic_objective", gp.deterministic_objective);
         gp.n_restarts = OptionOr(options, "n_restarts", gp.n_restarts);
         gp.n_candidates = OptionOr(options, "n_candidates", gp.n_candidates);
         gp.n_local_search = OptionOr(options, "n_local_search", gp.n_local_search);
         gp.replicate_penalty = OptionOr(options, "replicate_penalty", gp.replicate_penalty);
         gp.input_warping = OptionOr(options, "input_warping", gp.input_warping);
         gp.boundary_probe = OptionOr(options, "boundary_probe", gp.boundary_probe);
         gp.kernel = OptionOr(options, "kernel", gp.kernel);
         gp.stall_share = OptionOr(options, "stall_share", gp.stall_share);
         return std::make_shared<GpSampler>(std::move(gp), seed);
       }});
  return specs;
}

std::vector<PrunerSpec> BuildPruners() {
  std::vector<PrunerSpec> specs;
  specs.push_back({"none", "never prune", {}, [](const Json&) { return std::make_shared<NopPruner>(); }});
  {
    using pruner_detail::FloatOption;
    using pruner_detail::IntOption;
    // Options shared by the percentile family (median, percentile).
    const std::vector<OptionSpec> percentile_family = {
        {"n_startup_trials", "int", 5, "no pruning until this many trials are COMPLETE"},
        {"n_warmup_steps", "int", 0, "no pruning before this step"},
        {"interval_steps", "int", 1, "check at the first report of every this many steps after warm-up"},
        {"n_min_trials", "int", 1, "judge a step only when at least this many other trials reported there"},
    };
    specs.push_back({"median", "prune a trial worse than the median of other trials at the same step",
                     percentile_family, [](const Json& o) {
                       const std::string n = "median";
                       return std::make_shared<MedianPruner>(
                           IntOption(n, o, "n_startup_trials"), IntOption(n, o, "n_warmup_steps"),
                           IntOption(n, o, "interval_steps"), IntOption(n, o, "n_min_trials"));
                     }});
    std::vector<OptionSpec> percentile_options = {
        {"percentile", "float", 50.0, "keep trials within this percentile at each step (0-100; 25 = best quarter)"}};
    percentile_options.insert(percentile_options.end(), percentile_family.begin(), percentile_family.end());
    specs.push_back({"percentile", "prune a trial outside the best given percentile of trials at the same step",
                     percentile_options, [](const Json& o) {
                       const std::string n = "percentile";
                       return std::make_shared<PercentilePruner>(
                           FloatOption(n, o, "percentile"), IntOption(n, o, "n_startup_trials"),
                           IntOption(n, o, "n_warmup_steps"), IntOption(n, o, "interval_steps"),
                           IntOption(n, o, "n_min_trials"));
                     }});
    specs.push_back({"threshold",
                     "prune a trial whose latest value leaves [lower, upper] or is NaN",
                     {{"lower", "float", nullptr, "prune below this value (at least one bound is required)"},
                      {"upper", "float", nullptr, "prune above this value"},
                      {"n_warmup_steps", "int", 0, "no pruning before this step"},
                      {"interval_steps", "int", 1, "check at the first report of every this many steps"}},
                     [](const Json& o) {
                       const std::string n = "threshold";
                       return std::make_shared<ThresholdPruner>(pruner_detail::OptionalFloatOption(o, "lower"),
                                                                pruner_detail::OptionalFloatOption(o, "upper"),
                                                                IntOption(n, o, "n_warmup_steps"),
                                                                IntOption(n, o, "interval_steps"));
                     }});
    specs.push_back({"patient",
                     "prune a trial that stopped improving (optionally only when a wrapped pruner agrees)",
                     {{"wrapped", "string", "none", "name of a pruner (made with its defaults) that must also agree"},
                      {"patience", "int", 3, "reports without improvement tolerated before pruning"},
                      {"min_delta", "float", 0.0, "an improvement must beat the earlier best by more than this"}},
                     [](const Json& o) {
                       const std::string n = "patient";
                       const std::string wrapped_name = pruner_detail::StringOption(n, o, "wrapped");
                       std::shared_ptr<Pruner> wrapped;
                       if (wrapped_name != "none") {
                         try {
                           wrapped = MakePruner(wrapped_name);
                         } catch (const InvalidArgumentError& e) {
                           throw InvalidArgumentError(fmt::format("pruner 'patient' option 'wrapped': {}", e.what()));
                         }
                       }
                       return std::make_shared<PatientPruner>(std::move(wrapped), IntOption(n, o, "patience"),
                                                              FloatOption(n, o, "min_delta"));
                     }});
    const std::vector<OptionSpec> asha_options = {
        {"min_resource", "int", "auto", "steps in the first rung, or \"auto\" (1% of the longest COMPLETE trial)"},
        {"reduction_factor", "int", 4, "eta: the best 1/eta of each rung is promoted"},
        {"min_early_stopping_rate", "int", 0, "s: the first rung ends at min_resource * eta^s"},
        {"bootstrap_count", "int", 0, "trials that must finish a rung before any is promoted (needs min_resource)"},
    };
    auto make_asha = [](const Json& o) {
      const std::string n = "asha";
      std::optional<int64_t> min_resource;
      if (!o.at("min_resource").is_null() && o.at("min_resource") != "auto")
        min_resource = IntOption(n, o, "min_resource");
      return std::make_shared<SuccessiveHalvingPruner>(min_resource, IntOption(n, o, "reduction_factor"),
                                                       IntOption(n, o, "min_early_stopping_rate"),
                                                       IntOption(n, o, "bootstrap_count"));
    };
    specs.push_back({"asha", "asynchronous successive halving: keep the best 1/eta of trials at each rung",
                     asha_options, make_asha});
    specs.push_back({"successive_halving", "alias of asha", asha_options, make_asha});
  }
  return specs;
}

}  // namespace

const std::vector<SamplerSpec>& Samplers() {
  static const std::vector<SamplerSpec> kSpecs = BuildSamplers();
  return kSpecs;
}

const std::vector<PrunerSpec>& Pruners() {
  static const std::vector<PrunerSpec> kSpecs = BuildPruners();
  return kSpecs;
}

std::shared_ptr<Sampler> MakeSampler(const std::string& name, std::optional<uint64_t> seed, const Json& options) {
  for (const auto& spec : Samplers()) {
    if (spec.name == name) return spec.make(seed, ResolveOptions("sampler '" + name + "'", spec.options, options));
  }
  std::vector<std::string> names;
  for (const auto& spec : Samplers()) names.push_back(spec.name);
  throw InvalidArgumentError(fmt::format("unknown sampler '{}'; choose one of {}", name, fmt::join(names, ", ")));
}

std::shared_ptr<Pruner> MakePruner(const std::string& name, const Json& options) {
  for (const auto& spec : Pruners()) {
    if (spec.name == name) return spec.make(ResolveOptions("pruner '" + name + "'", spec.options, options));
  }
  std::vector<std::string> names;
  for (const auto& spec : Pruners()) names.push_back(spec.name);
  throw InvalidArgumentError(fmt::format("unknown pruner '{}'; choose one of {}", name, fmt::join(names, ", ")));
}

std::shared_ptr<Storage> OpenStorage(const std::string& url) {
  const StorageUrl parsed = ParseStorageUrl(url);
  if (parsed.scheme == "memory") return std::make_shared<MemoryStorage>();
  if (parsed.scheme == "sqlite") return std::make_shared<SqliteStorage>(parsed.rest);
  throw InvalidArgumentError(
      fmt::format("storage URL '{}': the {} backend is not built into this hyperscout", url, parsed.scheme));
}

std::unique_ptr<Study> CreateStudy(StudyOptions options) {
  if (!options.sampler) options.sampler = MakeSampler(kDefaultSampler);
  return Study::Create(std::move(options));
}

std::unique_ptr<Study> LoadStudy(const std::string& study_name, std::shared_ptr<Storage> storage,
                                 std::shared_ptr<Sampler> sampler, std::shared_ptr<Pruner> pruner) {
  if (!sampler) sampler = MakeSampler(kDefaultSampler);
  return Study::Load(study_name, std::move(storage), std::move(sampler), std::move(pruner));
}

}  // namespace hyperscout
