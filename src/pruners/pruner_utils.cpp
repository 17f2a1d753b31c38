#include "pruners/pruner_utils.hpp"

#include <fmt/format.h>

#include "hyperscout/common/error.hpp"

namespace hyperscout::pruner_detail {

bool IsPruningCheck(const FrozenTrial& trial, int64_t step, int64_t n_warmup_steps, int64_t interval_steps) {
  if (step < n_warmup_steps) return false;
  // The latest pruning point at or before `step`; both operands are non-negative, so / floors.
  const int64_t point = (step - n_warmup_steps) / interval_steps * interval_steps + n_warmup_steps;
  // The report just before `step`: if it already reached `point`, that report was the check for it.
  const auto it = trial.intermediate_values.lower_bound(step);
  if (it == trial.intermediate_values.begin()) return true;
  return std::prev(it)->first < point;
}

void CheckWarmupAndInterval(const std::string& pruner, int64_t n_warmup_steps, int64_t interval_steps) {
  if (n_warmup_steps < 0) {
    throw InvalidArgumentError(
        fmt::format("pruner '{}': n_warmup_steps ({}) must be >= 0; use 0 to allow pruning from the first report",
                    pruner, n_warmup_steps));
  }
  if (interval_steps < 1) {
    throw InvalidArgumentError(fmt::format(
        "pruner '{}': interval_steps ({}) must be >= 1; use 1 to check at every report", pruner, interval_steps));
  }
}

namespace {
const Json& Required(const std::string& pruner, const Json& options, const std::string& key) {
  const auto it = options.find(key);
  if (it == options.end() || it->is_null()) {
    throw InvalidArgumentError(fmt::format("pruner '{}': option '{}' needs a value", pruner, key));
  }
  return *it;
}
}  // namespace

int64_t IntOption(const std::string& pruner, const Json& options, const std::string& key) {
  const Json& value = Required(pruner, options, key);
  if (!value.is_number_integer()) {
    throw InvalidArgumentError(
        fmt::format("pruner '{}': option '{}' must be an integer, got {}", pruner, key, value.dump()));
  }
  return value.get<int64_t>();
}

double FloatOption(const std::string& pruner, const Json& options, const std::string& key) {
  const Json& value = Required(pruner, options, key);
  if (!value.is_number()) {
    throw InvalidArgumentError(
        fmt::format("pruner '{}': option '{}' must be a number, got {}", pruner, key, value.dump()));
  }
  return value.get<double>();
}

std::optional<double> OptionalFloatOption(const Json& options, const std::string& key) {
  const auto it = options.find(key);
  if (it == options.end() || it->is_null() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::string StringOption(const std::string& pruner, const Json& options, const std::string& key) {
  const Json& value = Required(pruner, options, key);
  if (!value.is_string()) {
    throw InvalidArgumentError(
        fmt::format("pruner '{}': option '{}' must be a string, got {}", pruner, key, value.dump()));
  }
  return value.get<std::string>();
}

}  // namespace hyperscout::pruner_detail
