// Restart strategies for CMA-ES: when a run meets a stopping criterion (Cma::StopReason), the next run starts from a
// random mean with a new population size.
// - ipop (Auger & Hansen 2005, "A Restart CMA Evolution Strategy With Increasing Population Size", CEC): each restart
//   multiplies the population size by inc_popsize.
// - bipop (Hansen 2009, "Benchmarking a BI-Population CMA-ES on the BBOB-2009 Function Testbed", GECCO workshop):
//   alternates between a large-population regime (popsize times inc_popsize^k, default sigma) and a small one
//   (popsize lambda_def * (lambda_large / (2 lambda_def))^(U^2), sigma0 * 10^(-2U), U uniform), choosing whichever has
//   used fewer evaluations so far. The first run counts as large, and the first restart is always large.
#pragma once

#include <cstdint>
#include <string>

#include "hyperscout/common/json.hpp"
#include "hyperscout/common/rng.hpp"

namespace hyperscout::cmaes {

enum class RestartStrategy { kNone, kIpop, kBipop };

// Throws InvalidArgumentError naming the valid choices.
RestartStrategy ParseRestartStrategy(const std::string& text);
std::string ToString(RestartStrategy strategy);

// What a run looks like and the budget bookkeeping BIPOP needs; kept in the sampler state.
struct RunPlan {
  int64_t restart = 0;       // 0 for the first run
  int64_t popsize = 0;       // lambda of this run
  double sigma_scale = 1.0;  // sigma0 multiplier of this run
  bool small = false;        // BIPOP regime of this run
  int64_t n_large = 0;       // large-regime restarts so far
  int64_t evals_large = 0;   // evaluations used by large-regime runs (the first run counts as large)
  int64_t evals_small = 0;

  Json ToJson() const;
  static RunPlan FromJson(const Json& json);
};

// The run after `current`, which used `evaluations` evaluations. `base_popsize` is lambda_def (the default or the
// user's popsize); `rng` decides BIPOP's small-regime draws.
RunPlan NextRun(const RunPlan& current, RestartStrategy strategy, int64_t base_popsize, double inc_popsize,
                int64_t evaluations, Rng& rng);

}  // namespace hyperscout::cmaes
