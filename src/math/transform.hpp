// Maps between a distribution's internal values and the unit interval, uniformly on the
// distribution's own scale (log for log distributions, the step grid for stepped ones).
// Random, QMC and model-based samplers share it so they all agree on what "uniform" means.
#pragma once

#include "hyperscout/core/distribution.hpp"

namespace hyperscout::math {

// u in [0, 1] -> an internal value contained in the distribution.
double FromUnit(const Distribution& distribution, double u);
// Internal value -> its position in [0, 1] (the centre of its cell for discrete distributions).
double ToUnit(const Distribution& distribution, double internal);

}  // namespace hyperscout::math
