#include "hyperscout/samplers/grid.hpp"

#include <fmt/format.h>

#include <cmath>

#include "hyperscout/common/error.hpp"
#include "hyperscout/common/rng.hpp"
#include "hyperscout/core/study.hpp"

namespace hyperscout {
namespace {

constexpr const char* kGridIdAttr = "grid_id";
constexpr const char* kFingerprintAttr = "grid_fingerprint";
// Rounds of re-picking after a concurrent worker took the same point; each round takes a fresh point.
constexpr int kMaxConflictRounds = 32;

// Equality of external values that tolerates JSON's int/float ambiguity (1 vs 1.0) but keeps
// strings and booleans apart from numbers.
bool SameValue(const ParamValue& a, const ParamValue& b) {
  if (a == b) return true;
  const bool a_number = std::holds_alternative<int64_t>(a) || std::holds_alternative<double>(a);
  const bool b_number = std::holds_alternative<int64_t>(b) || std::holds_alternative<double>(b);
  return a_number && b_number && ParamValueAsDouble(a) == ParamValueAsDouble(b);
}

std::optional<ParamValue> FixedValue(const Json& fixed, const std::string& name) {
  if (!fixed.is_object() || !fixed.contains(name)) return std::nullopt;
  try {
    return ParamValueFromJson(fixed.at(name));
  } catch (const InvalidArgumentError&) {
    return std::nullopt;  // Trial::Suggest reports a malformed enqueued value; here it just matches nothing.
  }
}

const Json* FixedParams(const FrozenTrial& trial) {
  const auto it = trial.system_attrs.find("fixed_params");
  return it == trial.system_attrs.end() ? nullptr : &it->second;
}

std::vector<ParamValue> EvenlySpaced(const FloatDistribution& d, int n) {
  std::vector<ParamValue> values;
  values.reserve(static_cast<size_t>(n));
  const double lo = d.log ? std::log(d.low) : d.low;
  const double hi = d.log ? std::log(d.high) : d.high;
  for (int k = 0; k < n; ++k) {
    const double t = static_cast<double>(k) / static_cast<double>(n - 1);
    double x = lo + t * (hi - lo);
    if (d.log) x = std::exp(x);
    // Exact end points: exp(log(x)) need not round-trip, and Contains() is strict at the bounds.
    if (k == 0) x = d.low;
    if (k == n - 1) x = d.high;
    values.emplace_back(std::clamp(x, d.low, d.high));
  }
  return values;
}

}  // namespace

GridSpace GridFromSearchSpace(const SearchSpace& space, int points_per_float) {
  if (points_per_float < 2) {
    throw InvalidArgumentError(fmt::format(
        "grid: points_per_float ({}) must be >= 2 so a float range keeps both of its end points", points_per_float));
  }
  GridSpace grid;
  for (const auto& [name, raw] : space) {
    Distribution distribution;
    try {
      distribution = Validated(raw);
    } catch (const InvalidArgumentError& e) {
      throw InvalidArgumentError(fmt::format("grid: parameter '{}': {}", name, e.what()));
    }
    std::vector<ParamValue>& values = grid[name];
    if (const auto* c = std::get_if<CategoricalDistribution>(&distribution)) {
      values = c->choices;
      continue;
    }
    const auto* f = std::get_if<FloatDistribution>(&distribution);
    if (f && !f->step) {
      values = f->low == f->high ? std::vector<ParamValue>{f->low} : EvenlySpaced(*f, points_per_float);
      continue;
    }
    const int64_t n = *Cardinality(distribution);
    if (n > kMaxGridValuesPerParam) {
      throw InvalidArgumentError(fmt::format(
          "grid: parameter '{}' has {} values; a grid enumerates at most {} per parameter — narrow the range, "
          "give it a larger step, or list the values to try as a categorical",
          name, n, kMaxGridValuesPerParam));
    }
    values.reserve(static_cast<size_t>(n));
    if (f) {
      for (int64_t k = 0; k < n; ++k)
        values.emplace_back(std::min(f->high, f->low + static_cast<double>(k) * *f->step));
    } else {
      const auto& i = std::get<IntDistribution>(distribution);
      for (int64_t k = 0; k < n; ++k) values.emplace_back(i.low + k * i.step);
    }
  }
  return grid;
}

GridSpace GridFromJson(const Json& json) {
  if (!json.is_object()) {
    throw InvalidArgumentError(
        fmt::format("grid search_space must be an object of parameter name -> list of values, got {}", json.dump()));
  }
  GridSpace grid;
  for (const auto& [name, list] : json.items()) {
    if (!list.is_array() || list.empty()) {
      throw InvalidArgumentError(
          fmt::format("grid search_space: '{}' must be a non-empty list of values, got {}", name, list.dump()));
    }
    std::vector<ParamValue>& values = grid[name];
    for (const auto& item : list) {
      try {
        values.push_back(ParamValueFromJson(item));
      } catch (const InvalidArgumentError& e) {
        throw InvalidArgumentError(fmt::format("grid search_space: '{}': {}", name, e.what()));
      }
    }
  }
  return grid;
}

Json GridToJson(const GridSpace& grid) {
  Json out = Json::object();
  for (const auto& [name, values] : grid) {
    Json list = Json::array();
    for (const auto& value : values) list.push_back(ParamValueToJson(value));
    out[name] = list;
  }
  return out;
}

GridSampler::GridSampler(GridSpace grid, bool shuffle, std::optional<uint64_t> seed)
    : grid_(std::move(grid)), shuffle_(shuffle), seed_(seed ? *seed : RandomSeed()) {
  if (grid_.empty()) {
    throw InvalidArgumentError("grid sampler: the grid is empty; give at least one parameter with its values");
  }
  for (const auto& [name, values] : grid_) {
    if (values.empty()) {
      throw InvalidArgumentError(fmt::format("grid sampler: parameter '{}' has no values; list at least one", name));
    }
    if (size_ > kMaxGridPoints / static_cast<int64_t>(values.size())) {
      throw InvalidArgumentError(
          fmt::format("grid sampler: the grid has more than {} points; list fewer values or use the qmc or tpe sampler",
                      kMaxGridPoints));
    }
    size_ *= static_cast<int64_t>(values.size());
    names_.push_back(name);
  }
  radix_.assign(names_.size(), 1);
  for (size_t i = names_.size() - 1; i > 0; --i) {
    radix_[i - 1] = radix_[i] * static_cast<int64_t>(grid_.at(names_[i]).size());
  }
  fingerprint_ = fmt::format("{:016x}", StableHash(GridToJson(grid_).dump()));
  Reseed(seed_);
}

void GridSampler::Reseed(uint64_t seed) {
  seed_ = seed;
  feistel_half_bits_ = 1;
  while ((int64_t{1} << (2 * feistel_half_bits_)) < size_) ++feistel_half_bits_;
  uint64_t state = MixSeed(seed_, StableHash("grid-shuffle"));
  for (auto& key : feistel_keys_) key = SplitMix64(state);
}

int64_t GridSampler::OrderAt(int64_t position) const {
  if (!shuffle_) return position;
  // A 4-round Feistel network is a bijection on [0, 4^h) for any round function (Luby and Rackoff 1988);
  // cycle walking (Black and Rogaway, "Ciphers with arbitrary finite domains", 2002) restricts it to
  // [0, size) and needs fewer than four steps on average because 4^h < 4 * size.
  const int h = feistel_half_bits_;
  const uint64_t mask = (uint64_t{1} << h) - 1;
  auto x = static_cast<uint64_t>(position);
  do {
    uint64_t left = x >> h;
    uint64_t right = x & mask;
    for (const uint64_t key : feistel_keys_) {
      const uint64_t next = left ^ (MixSeed(key, right) & mask);
      left = right;
      right = next;
    }
    x = (left << h) | right;
  } while (x >= static_cast<uint64_t>(size_));
  return static_cast<int64_t>(x);
}

int64_t GridSampler::ValueIndex(int64_t grid_id, size_t param) const {
  return (grid_id / radix_[param]) % static_cast<int64_t>(grid_.at(names_[param]).size());
}

std::map<std::string, ParamValue> GridSampler::Point(int64_t grid_id) const {
  if (grid_id < 0 || grid_id >= size_) {
    throw InvalidArgumentError(fmt::format("grid point {} does not exist; the grid has {} points", grid_id, size_));
  }
  std::map<std::string, ParamValue> point;
  for (size_t i = 0; i < names_.size(); ++i) {
    point[names_[i]] = grid_.at(names_[i])[static_cast<size_t>(ValueIndex(grid_id, i))];
  }
  return point;
}

int64_t GridSampler::HeldPoint(const FrozenTrial& trial) const {
  const auto id = trial.system_attrs.find(kGridIdAttr);
  const auto fingerprint = trial.system_attrs.find(kFingerprintAttr);
  if (id == trial.system_attrs.end() || fingerprint == trial.system_attrs.end()) return -1;
  if (!id->second.is_number_integer() || fingerprint->second != fingerprint_) return -1;
  const auto grid_id = id->second.get<int64_t>();
  return grid_id >= 0 && grid_id < size_ ? grid_id : -1;
}

int64_t GridSampler::PinnedPoint(const FrozenTrial& trial) const {
  const Json* fixed = FixedParams(trial);
  if (fixed == nullptr) return -1;
  int64_t grid_id = 0;
  for (size_t i = 0; i < names_.size(); ++i) {
    const auto value = FixedValue(*fixed, names_[i]);
    if (!value) return -1;
    const auto& values = grid_.at(names_[i]);
    const auto it =
        std::find_if(values.begin(), values.end(), [&](const ParamValue& v) { return SameValue(v, *value); });
    if (it == values.end()) return -1;
    grid_id += static_cast<int64_t>(it - values.begin()) * radix_[i];
  }
  return grid_id;
}

bool GridSampler::AnyPointAgrees(const Json& fixed) const {
  for (const auto& [name, values] : grid_) {
    const auto value = FixedValue(fixed, name);
    if (value &&
        std::none_of(values.begin(), values.end(), [&](const ParamValue& v) { return SameValue(v, *value); })) {
      return false;
    }
  }
  return true;
}

bool GridSampler::AgreesWithFixed(int64_t grid_id, const Json& fixed) const {
  for (size_t i = 0; i < names_.size(); ++i) {
    const auto value = FixedValue(fixed, names_[i]);
    if (value && !SameValue(grid_.at(names_[i])[static_cast<size_t>(ValueIndex(grid_id, i))], *value)) return false;
  }
  return true;
}

std::vector<bool> GridSampler::TakenPoints(const Study& study, int64_t self_number, int64_t* taken_count) const {
  std::vector<bool> taken(static_cast<size_t>(size_), false);
  int64_t count = 0;
  for (const auto& trial : study.TrialsSnapshot()) {
    if (trial->number == self_number) continue;
    int64_t grid_id = HeldPoint(*trial);
    // An enqueued trial that pins a whole point will run it once claimed.
    if (grid_id < 0 && trial->state == TrialState::kWaiting) grid_id = PinnedPoint(*trial);
    if (grid_id < 0 || taken[static_cast<size_t>(grid_id)]) continue;
    taken[static_cast<size_t>(grid_id)] = true;
    ++count;
  }
  if (taken_count != nullptr) *taken_count = count;
  return taken;
}

void GridSampler::Record(Study& study, const FrozenTrial& trial, int64_t grid_id) {
  assigned_[{&study.storage(), trial.id}] = grid_id;
  if (grid_id < 0) return;
  study.storage().SetTrialSystemAttr(trial.id, kFingerprintAttr, fingerprint_);
  study.storage().SetTrialSystemAttr(trial.id, kGridIdAttr, grid_id);
}

void GridSampler::BeforeTrial(Study& study, const FrozenTrial& trial) {
  if (const int64_t held = HeldPoint(trial); held >= 0) {
    assigned_[{&study.storage(), trial.id}] = held;
    return;
  }
  std::vector<bool> taken = TakenPoints(study, trial.number, nullptr);
  auto first_untaken = [&](const Json* fixed) -> int64_t {
    for (int64_t position = 0; position < size_; ++position) {
      const int64_t grid_id = OrderAt(position);
      if (!taken[static_cast<size_t>(grid_id)] && (fixed == nullptr || AgreesWithFixed(grid_id, *fixed))) {
        return grid_id;
      }
    }
    return -1;
  };

  if (const Json* fixed = FixedParams(trial)) {
    // Enqueued values always win (Trial::Suggest takes them first); the grid only fills in the rest, from a
    // point that agrees with them, untaken when possible. No agreeing point: nothing is recorded and
    // SampleIndependent draws the remaining parameters from their grid values.
    int64_t grid_id = PinnedPoint(trial);
    if (grid_id < 0 && AnyPointAgrees(*fixed)) grid_id = first_untaken(fixed);
    if (grid_id < 0 && AnyPointAgrees(*fixed)) {
      for (int64_t position = 0; position < size_ && grid_id < 0; ++position) {
        if (AgreesWithFixed(OrderAt(position), *fixed)) grid_id = OrderAt(position);
      }
    }
    Record(study, trial, grid_id);
    return;
  }

  for (int round = 0; round < kMaxConflictRounds; ++round) {
    const int64_t grid_id = first_untaken(nullptr);
    if (grid_id < 0) break;
    Record(study, trial, grid_id);
    // Another worker may have chosen the same point between our read and our write. Both write before they
    // check, so at least one sees the other; whoever sees a conflict backs off (see grid.hpp).
    taken = TakenPoints(study, trial.number, nullptr);
    if (!taken[static_cast<size_t>(grid_id)]) return;
  }
  // Every point is taken: re-run a visited one rather than fail the trial.
  Record(study, trial, OrderAt(trial.number % size_));
}

double GridSampler::SampleIndependent(const Study& study, const FrozenTrial& trial, const std::string& name,
                                      const Distribution& distribution) {
  const auto param = grid_.find(name);
  if (param == grid_.end()) {
    throw InvalidArgumentError(fmt::format(
        "grid sampler: parameter '{}' is not in the grid (grid parameters: {}); add it to the grid's search space",
        name, fmt::join(names_, ", ")));
  }
  // Every grid value must fit, so a wrong grid fails on the first trial rather than on the point that has it.
  std::vector<double> internal;
  internal.reserve(param->second.size());
  for (const auto& value : param->second) {
    try {
      internal.push_back(ToInternal(distribution, value));
    } catch (const InvalidArgumentError& e) {
      throw InvalidArgumentError(
          fmt::format("grid sampler: parameter '{}': grid value {} does not fit the suggested {} "
                      "distribution ({}); make the grid and the suggestion agree",
                      name, ParamValueToString(value), KindName(distribution), e.what()));
    }
  }

  int64_t grid_id = -1;
  if (const auto it = assigned_.find({&study.storage(), trial.id}); it != assigned_.end()) {
    grid_id = it->second;
  } else {
    grid_id = HeldPoint(trial);
    if (grid_id < 0) grid_id = HeldPoint(study.storage().GetTrial(trial.id));
  }
  if (grid_id >= 0) {
    const auto index = static_cast<size_t>(std::distance(grid_.begin(), param));
    return internal[static_cast<size_t>(ValueIndex(grid_id, index))];
  }
  // No grid point agrees with this (enqueued) trial's fixed values: a seeded draw among the grid values.
  Rng rng(MixSeed(MixSeed(seed_, static_cast<uint64_t>(trial.number)), StableHash(name)));
  return internal[static_cast<size_t>(rng.UniformInt(0, static_cast<int64_t>(internal.size()) - 1))];
}

void GridSampler::AfterTrial(Study& study, const FrozenTrial& trial, TrialState /*state*/,
                             const std::vector<double>& /*values*/) {
  assigned_.erase({&study.storage(), trial.id});
  int64_t taken_count = 0;
  TakenPoints(study, -1, &taken_count);
  if (taken_count >= size_) study.Stop();
}

}  // namespace hyperscout
