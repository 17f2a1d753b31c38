#include "math/transform.hpp"

#include <algorithm>
#include <cmath>

#include "common/overloaded.hpp"

namespace hyperscout::math {
namespace {

// Index of the cell u falls in when [0, 1] is cut into n equal cells.
int64_t Cell(double u, int64_t n) {
  const auto k = static_cast<int64_t>(std::floor(u * static_cast<double>(n)));
  return std::clamp<int64_t>(k, 0, n - 1);
}

}  // namespace

double FromUnit(const Distribution& distribution, double u) {
  u = std::clamp(u, 0.0, 1.0);
  return std::visit(Overloaded{
                        [&](const FloatDistribution& d) {
                          if (d.step) {
                            const auto n = static_cast<int64_t>(std::llround((d.high - d.low) / *d.step)) + 1;
                            return std::min(d.high, d.low + static_cast<double>(Cell(u, n)) * *d.step);
                          }
                          if (d.log) {
                            const double lo = std::log(d.low);
                            const double hi = std::log(d.high);
                            return std::clamp(std::exp(lo + u * (hi - lo)), d.low, d.high);
                          }
                          return std::clamp(d.low + u * (d.high - d.low), d.low, d.high);
                        },
                        [&](const IntDistribution& d) {
                          if (d.log) {
                            // Log-uniform over [low - 0.5, high + 0.5] so the end points get their fair share.
                            const double lo = std::log(static_cast<double>(d.low) - 0.5);
                            const double hi = std::log(static_cast<double>(d.high) + 0.5);
                            const double x = std::round(std::exp(lo + u * (hi - lo)));
                            return std::clamp(x, static_cast<double>(d.low), static_cast<double>(d.high));
                          }
                          const int64_t n = (d.high - d.low) / d.step + 1;
                          return static_cast<double>(d.low + Cell(u, n) * d.step);
                        },
                        [&](const CategoricalDistribution& d) {
                          return static_cast<double>(Cell(u, static_cast<int64_t>(d.choices.size())));
                        },
                    },
                    distribution);
}

double ToUnit(const Distribution& distribution, double internal) {
  return std::visit(
      Overloaded{
          [&](const FloatDistribution& d) {
            if (d.high == d.low) return 0.5;
            if (d.step) {
              const double n = std::round((d.high - d.low) / *d.step) + 1;
              return (std::round((internal - d.low) / *d.step) + 0.5) / n;
            }
            if (d.log) return (std::log(internal) - std::log(d.low)) / (std::log(d.high) - std::log(d.low));
            return (internal - d.low) / (d.high - d.low);
          },
          [&](const IntDistribution& d) {
            if (d.log) {
              const double lo = std::log(static_cast<double>(d.low) - 0.5);
              const double hi = std::log(static_cast<double>(d.high) + 0.5);
              return (std::log(internal) - lo) / (hi - lo);
            }
            const auto n = static_cast<double>(((d.high - d.low) / d.step) + 1);  // integer count of grid values
            return ((internal - static_cast<double>(d.low)) / static_cast<double>(d.step) + 0.5) / n;
          },
          [&](const CategoricalDistribution& d) { return (internal + 0.5) / static_cast<double>(d.choices.size()); },
      },
      distribution);
}

}  // namespace hyperscout::math
