// Parameter distributions. A parameter value has an external form (what the objective sees:
// a double, an int64, or a categorical choice) and an internal double form (what samplers and
// storage work with): floats and ints are their own value, categoricals are the choice index.
// Distributions round-trip through JSON; that is how storage keeps them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "hyperscout/common/json.hpp"

namespace hyperscout {

// An external parameter value. Categorical choices may be strings, integers, floats or booleans.
using ParamValue = std::variant<bool, int64_t, double, std::string>;

struct FloatDistribution {
  double low = 0.0;
  double high = 1.0;
  bool log = false;
  std::optional<double> step;  // when set, values are low + k * step; `high` is snapped down onto the grid

  bool operator==(const FloatDistribution&) const = default;
};

struct IntDistribution {
  int64_t low = 0;
  int64_t high = 1;
  bool log = false;
  int64_t step = 1;  // `high` is snapped down onto low + k * step

  bool operator==(const IntDistribution&) const = default;
};

struct CategoricalDistribution {
  std::vector<ParamValue> choices;

  bool operator==(const CategoricalDistribution&) const = default;
};

using Distribution = std::variant<FloatDistribution, IntDistribution, CategoricalDistribution>;

// Name -> distribution; the shape of a (sub)space that samplers reason about.
using SearchSpace = std::map<std::string, Distribution>;

// Checks a distribution and returns it normalized (high snapped onto the step grid).
// Throws InvalidArgumentError naming the problem, e.g. "low (0.1) must be <= high (0.01)".
Distribution Validated(const Distribution& distribution);

// Internal <-> external conversions. ToInternal throws InvalidArgumentError when the value is not
// a member of the distribution (a categorical value not among the choices, a float out of range).
double ToInternal(const Distribution& distribution, const ParamValue& value);
ParamValue ToExternal(const Distribution& distribution, double internal);

// Whether an internal value lies in the distribution (within range, on the step grid, a valid index).
bool Contains(const Distribution& distribution, double internal);
// A distribution that admits exactly one value.
bool IsSingle(const Distribution& distribution);
// Number of distinct values, or nullopt for continuous floats.
std::optional<int64_t> Cardinality(const Distribution& distribution);
// Same kind (float/int/categorical); a parameter name must keep its kind within a study.
bool SameKind(const Distribution& a, const Distribution& b);
std::string KindName(const Distribution& distribution);

Json DistributionToJson(const Distribution& distribution);
// Throws InvalidArgumentError on malformed JSON.
Distribution DistributionFromJson(const Json& json);

Json ParamValueToJson(const ParamValue& value);
// Integers in JSON become int64, other numbers double, strings and booleans themselves.
ParamValue ParamValueFromJson(const Json& json);
// Plain text form used by the CLI's {name} substitution and tables: 0.001, 32, adam, true.
std::string ParamValueToString(const ParamValue& value);
// Numeric view of an external value (bool -> 0/1); throws for strings.
double ParamValueAsDouble(const ParamValue& value);

}  // namespace hyperscout
