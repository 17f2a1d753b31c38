#include "hyperscout/core/distribution.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "common/overloaded.hpp"
#include "hyperscout/common/error.hpp"

namespace hyperscout {
namespace {

std::string Num(double x) {
  return fmt::format("{}", x);
}

// Relative tolerance for "is on the step grid"; steps like 0.1 are not exact in binary.
constexpr double kGridTolerance = 1e-8;

// Samplers place integers on the unit interval through doubles, which hold every integer up to 2^53 exactly.
constexpr int64_t kMaxExactInt = int64_t{1} << 53;

}  // namespace

Distribution Validated(const Distribution& distribution) {
  return std::visit(
      Overloaded{
          [](FloatDistribution d) -> Distribution {
            if (!std::isfinite(d.low) || !std::isfinite(d.high)) {
              throw InvalidArgumentError(fmt::format("low ({}) and high ({}) must be finite", Num(d.low), Num(d.high)));
            }
            if (d.low > d.high) {
              throw InvalidArgumentError(fmt::format("low ({}) must be <= high ({})", Num(d.low), Num(d.high)));
            }
            if (!std::isfinite(d.high - d.low)) {
              throw InvalidArgumentError(fmt::format(
                  "the range from low ({}) to high ({}) is wider than the largest double (high - low overflows); "
                  "narrow it",
                  Num(d.low), Num(d.high)));
            }
            if (d.log && d.low <= 0.0) {
              throw InvalidArgumentError(fmt::format("log scale needs low > 0, got low = {}", Num(d.low)));
            }
            if (d.step) {
              if (d.log) throw InvalidArgumentError("step and log cannot be used together");
              if (!(*d.step > 0.0) || !std::isfinite(*d.step)) {
                throw InvalidArgumentError(fmt::format("step must be > 0, got {}", Num(*d.step)));
              }
              const double k = std::floor((d.high - d.low) / *d.step + kGridTolerance);
              d.high = d.low + k * *d.step;
            }
            return d;
          },
          [](IntDistribution d) -> Distribution {
            if (d.low > d.high) {
              throw InvalidArgumentError(fmt::format("low ({}) must be <= high ({})", d.low, d.high));
            }
            if (d.low < -kMaxExactInt || d.high > kMaxExactInt) {
              throw InvalidArgumentError(fmt::format(
                  "int bounds must lie within -2^53 to 2^53 ({}), the integers a double holds exactly; got low = {}, "
                  "high = {}",
                  kMaxExactInt, d.low, d.high));
            }
            if (d.log && d.low < 1) {
              throw InvalidArgumentError(fmt::format("log scale needs low >= 1, got low = {}", d.low));
            }
            if (d.step < 1) throw InvalidArgumentError(fmt::format("step must be >= 1, got {}", d.step));
            if (d.log && d.step != 1) throw InvalidArgumentError("step and log cannot be used together");
            d.high = d.low + (d.high - d.low) / d.step * d.step;
            return d;
          },
          [](const CategoricalDistribution& d) -> Distribution {
            if (d.choices.empty()) throw InvalidArgumentError("choices must not be empty");
            for (size_t i = 0; i < d.choices.size(); ++i) {
              if (const auto* f = std::get_if<double>(&d.choices[i]); f && std::isnan(*f)) {
                throw InvalidArgumentError("choices must not contain NaN");
              }
              for (size_t j = 0; j < i; ++j) {
                if (d.choices[i] == d.choices[j]) {
                  throw InvalidArgumentError(
                      fmt::format("choices must be distinct; {} appears twice", ParamValueToString(d.choices[i])));
                }
              }
            }
            return d;
          },
      },
      distribution);
}

double ToInternal(const Distribution& distribution, const ParamValue& value) {
  return std::visit(
      Overloaded{
          [&](const FloatDistribution& d) -> double {
            const double x = ParamValueAsDouble(value);
            if (!Contains(d, x)) {
              throw InvalidArgumentError(
                  fmt::format("{} is not in the float range [{}, {}]", Num(x), Num(d.low), Num(d.high)));
            }
            return x;
          },
          [&](const IntDistribution& d) -> double {
            const double x = ParamValueAsDouble(value);
            if (!Contains(d, x)) {
              throw InvalidArgumentError(
                  fmt::format("{} is not in the int range [{}, {}] with step {}", Num(x), d.low, d.high, d.step));
            }
            return x;
          },
          [&](const CategoricalDistribution& d) -> double {
            for (size_t i = 0; i < d.choices.size(); ++i) {
              if (d.choices[i] == value) return static_cast<double>(i);
            }
            // Numeric values from JSON may arrive as int where the choice is a double (or vice versa).
            if (!std::holds_alternative<std::string>(value)) {
              for (size_t i = 0; i < d.choices.size(); ++i) {
                if (std::holds_alternative<std::string>(d.choices[i]) || d.choices[i].index() == 0 ||
                    value.index() == 0) {
                  continue;
                }
                if (ParamValueAsDouble(d.choices[i]) == ParamValueAsDouble(value)) return static_cast<double>(i);
              }
            }
            throw InvalidArgumentError(fmt::format("{} is not one of the choices", ParamValueToString(value)));
          },
      },
      distribution);
}

ParamValue ToExternal(const Distribution& distribution, double internal) {
  return std::visit(
      Overloaded{
          [&](const FloatDistribution&) -> ParamValue { return internal; },
          [&](const IntDistribution&) -> ParamValue { return static_cast<int64_t>(std::llround(internal)); },
          [&](const CategoricalDistribution& d) -> ParamValue {
            const auto index = static_cast<int64_t>(std::llround(internal));
            if (index < 0 || index >= static_cast<int64_t>(d.choices.size())) {
              throw InvalidArgumentError(fmt::format("choice index {} out of range", index));
            }
            return d.choices[static_cast<size_t>(index)];
          },
      },
      distribution);
}

bool Contains(const Distribution& distribution, double internal) {
  if (std::isnan(internal)) return false;
  return std::visit(Overloaded{
                        [&](const FloatDistribution& d) {
                          if (internal < d.low || internal > d.high) return false;
                          if (!d.step) return true;
                          const double k = (internal - d.low) / *d.step;
                          return std::fabs(k - std::round(k)) <= kGridTolerance * std::max(1.0, std::fabs(k));
                        },
                        [&](const IntDistribution& d) {
                          if (internal != std::round(internal)) return false;
                          const auto x = static_cast<int64_t>(internal);
                          return x >= d.low && x <= d.high && (x - d.low) % d.step == 0;
                        },
                        [&](const CategoricalDistribution& d) {
                          return internal == std::round(internal) && internal >= 0 &&
                                 internal < static_cast<double>(d.choices.size());
                        },
                    },
                    distribution);
}

bool IsSingle(const Distribution& distribution) {
  const auto n = Cardinality(distribution);
  if (n) return *n == 1;
  const auto& d = std::get<FloatDistribution>(distribution);
  return d.low == d.high;
}

std::optional<int64_t> Cardinality(const Distribution& distribution) {
  return std::visit(
      Overloaded{
          [](const FloatDistribution& d) -> std::optional<int64_t> {
            if (d.low == d.high) return 1;
            if (!d.step) return std::nullopt;
            return static_cast<int64_t>(std::llround((d.high - d.low) / *d.step)) + 1;
          },
          [](const IntDistribution& d) -> std::optional<int64_t> { return (d.high - d.low) / d.step + 1; },
          [](const CategoricalDistribution& d) -> std::optional<int64_t> {
            return static_cast<int64_t>(d.choices.size());
          },
      },
      distribution);
}

bool SameKind(const Distribution& a, const Distribution& b) {
  return a.index() == b.index();
}

std::string KindName(const Distribution& distribution) {
  static const char* const kNames[] = {"float", "int", "categorical"};
  return kNames[distribution.index()];
}

Json DistributionToJson(const Distribution& distribution) {
  return std::visit(
      Overloaded{
          [](const FloatDistribution& d) {
            Json j = {{"type", "float"}, {"low", d.low}, {"high", d.high}, {"log", d.log}};
            j["step"] = d.step ? Json(*d.step) : Json(nullptr);
            return j;
          },
          [](const IntDistribution& d) {
            return Json{{"type", "int"}, {"low", d.low}, {"high", d.high}, {"log", d.log}, {"step", d.step}};
          },
          [](const CategoricalDistribution& d) {
            Json choices = Json::array();
            for (const auto& c : d.choices) choices.push_back(ParamValueToJson(c));
            return Json{{"type", "categorical"}, {"choices", choices}};
          },
      },
      distribution);
}

Distribution DistributionFromJson(const Json& json) {
  try {
    const std::string type = json.at("type").get<std::string>();
    if (type == "float") {
      FloatDistribution d;
      d.low = json.at("low").get<double>();
      d.high = json.at("high").get<double>();
      d.log = json.value("log", false);
      if (json.contains("step") && !json.at("step").is_null()) d.step = json.at("step").get<double>();
      return d;
    }
    if (type == "int") {
      IntDistribution d;
      d.low = json.at("low").get<int64_t>();
      d.high = json.at("high").get<int64_t>();
      d.log = json.value("log", false);
      d.step = json.value("step", int64_t{1});
      return d;
    }
    if (type == "categorical") {
      CategoricalDistribution d;
      for (const auto& c : json.at("choices")) d.choices.push_back(ParamValueFromJson(c));
      return d;
    }
    throw InvalidArgumentError(fmt::format("unknown distribution type '{}'", type));
  } catch (const Json::exception& e) {
    throw InvalidArgumentError(fmt::format("malformed distribution JSON {}: {}", json.dump(), e.what()));
  }
}

Json ParamValueToJson(const ParamValue& value) {
  return std::visit([](const auto& v) { return Json(v); }, value);
}

ParamValue ParamValueFromJson(const Json& json) {
  if (json.is_boolean()) return json.get<bool>();
  if (json.is_number_integer()) return json.get<int64_t>();
  if (json.is_number()) return json.get<double>();
  if (json.is_string()) return json.get<std::string>();
  throw InvalidArgumentError(fmt::format("a parameter value must be a string, number or boolean, got {}", json.dump()));
}

std::string ParamValueToString(const ParamValue& value) {
  return std::visit(Overloaded{
                        [](bool b) -> std::string { return b ? "true" : "false"; },
                        [](int64_t i) { return fmt::format("{}", i); },
                        [](double d) { return fmt::format("{}", d); },
                        [](const std::string& s) { return s; },
                    },
                    value);
}

double ParamValueAsDouble(const ParamValue& value) {
  return std::visit(Overloaded{
                        [](bool b) { return b ? 1.0 : 0.0; },
                        [](int64_t i) { return static_cast<double>(i); },
                        [](double d) { return d; },
                        [](const std::string& s) -> double {
                          throw InvalidArgumentError(fmt::format("expected a number, got '{}'", s));
                        },
                    },
                    value);
}

}  // namespace hyperscout
