#include "samplers/cmaes/restart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "hyperscout/common/error.hpp"

namespace hyperscout::cmaes {

RestartStrategy ParseRestartStrategy(const std::string& text) {
  if (text == "none" || text.empty()) return RestartStrategy::kNone;
  if (text == "ipop") return RestartStrategy::kIpop;
  if (text == "bipop") return RestartStrategy::kBipop;
  throw InvalidArgumentError(
      fmt::format("cmaes: restart_strategy must be \"none\", \"ipop\" or \"bipop\", got \"{}\"", text));
}

std::string ToString(RestartStrategy strategy) {
  switch (strategy) {
    case RestartStrategy::kNone:
      return "none";
    case RestartStrategy::kIpop:
      return "ipop";
    case RestartStrategy::kBipop:
      return "bipop";
  }
  return "none";
}

Json RunPlan::ToJson() const {
  return Json{{"restart", restart}, {"popsize", popsize},         {"sigma_scale", sigma_scale}, {"small", small},
              {"n_large", n_large}, {"evals_large", evals_large}, {"evals_small", evals_small}};
}

RunPlan RunPlan::FromJson(const Json& json) {
  RunPlan plan;
  try {
    plan.restart = json.at("restart").get<int64_t>();
    plan.popsize = json.at("popsize").get<int64_t>();
    plan.sigma_scale = json.at("sigma_scale").get<double>();
    plan.small = json.at("small").get<bool>();
    plan.n_large = json.at("n_large").get<int64_t>();
    plan.evals_large = json.at("evals_large").get<int64_t>();
    plan.evals_small = json.at("evals_small").get<int64_t>();
  } catch (const Json::exception& e) {
    throw InvalidArgumentError(fmt::format("cmaes state: malformed run plan ({})", e.what()));
  }
  return plan;
}

RunPlan NextRun(const RunPlan& current, RestartStrategy strategy, int64_t base_popsize, double inc_popsize,
                int64_t evaluations, Rng& rng) {
  RunPlan next = current;
  next.restart = current.restart + 1;
  next.sigma_scale = 1.0;
  next.small = false;
  (current.small ? next.evals_small : next.evals_large) += evaluations;
  const auto large_popsize = [&](int64_t k) {
    return static_cast<int64_t>(std::llround(static_cast<double>(base_popsize) * std::pow(inc_popsize, k)));
  };
  // The first restart is always large, so the small regime's range [lambda_def, lambda_large / 2] is never empty.
  if (strategy == RestartStrategy::kBipop && current.restart > 0 && next.evals_small < next.evals_large) {
    // Small regime (Hansen 2009, section 2): popsize between lambda_def and half the last large popsize.
    const double u1 = rng.Uniform();
    const double u2 = rng.Uniform();
    const double ratio = 0.5 * static_cast<double>(large_popsize(current.n_large)) / static_cast<double>(base_popsize);
    next.popsize = std::max(
        base_popsize, static_cast<int64_t>(std::floor(static_cast<double>(base_popsize) * std::pow(ratio, u1 * u1))));
    next.sigma_scale = std::pow(10.0, -2.0 * u2);
    next.small = true;
    return next;
  }
  next.n_large = current.n_large + 1;
  next.popsize = large_popsize(next.n_large);
  return next;
}

}  // namespace hyperscout::cmaes
