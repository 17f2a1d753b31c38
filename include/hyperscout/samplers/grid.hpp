// grid: runs every combination of listed parameter values once, in grid order or a seeded shuffle.
//
// Each trial takes one grid point in BeforeTrial and records its index in the trial's system attribute
// "grid_id" (with "grid_fingerprint", a hash of the grid, so trials from a different grid never count).
// A point is taken when any trial of the study holds it: RUNNING, WAITING or finished (a FAIL or PRUNED
// trial still counts as visited). An enqueued trial whose fixed values pin a grid point takes that point;
// one that pins part of a point takes an untaken point that agrees with it.
//
// Several workers or processes on one storage: after writing its choice a worker re-reads the study, and
// if another trial holds the same point it gives the point up and takes the next one. Because every worker
// writes before it checks, two trials never both keep a point as long as storage reads see every write
// acknowledged before them (true for the memory and SQLite backends). What remains possible is the benign
// case where both back off, which leaves the point for a later trial.
//
// When the last untaken point is taken, AfterTrial calls study.Stop(), so Optimize without n_trials ends
// after one pass over the grid. A trial started on an exhausted grid (n_trials larger than the grid, or a
// new Optimize call) does not fail: like Optuna's GridSampler it re-runs an already visited point, chosen by
// the trial number.
//
// Suggesting a parameter the grid does not list, or a distribution that does not contain every grid value
// of that parameter, throws InvalidArgumentError naming the parameter. Parameters listed in the grid but
// never suggested (conditional branches) simply go unused, so such points run the same configuration.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hyperscout/common/json.hpp"
#include "hyperscout/core/distribution.hpp"
#include "hyperscout/samplers/sampler.hpp"

namespace hyperscout {

// Parameter name -> the values to try, in external form.
using GridSpace = std::map<std::string, std::vector<ParamValue>>;

// Largest number of values GridFromSearchSpace enumerates for one int or stepped float parameter.
inline constexpr int64_t kMaxGridValuesPerParam = 10000;
// Largest number of points (the product of the value counts) a GridSampler accepts.
inline constexpr int64_t kMaxGridPoints = 10000000;

// A grid covering a search space: categoricals give their choices, ints every value, stepped floats every
// step, continuous floats `points_per_float` points evenly spaced on their (log) scale, end points included.
// Throws InvalidArgumentError for an int or stepped float with more than kMaxGridValuesPerParam values or
// points_per_float < 2.
GridSpace GridFromSearchSpace(const SearchSpace& space, int points_per_float);

// Parses {"lr": [0.001, 0.01], "opt": ["adam", "sgd"]}. Throws InvalidArgumentError naming the bad entry.
GridSpace GridFromJson(const Json& json);
Json GridToJson(const GridSpace& grid);

class GridSampler final : public Sampler {
 public:
  // Throws InvalidArgumentError for an empty grid, a parameter without values, or more than
  // kMaxGridPoints points. Without a seed a shuffled order differs between runs.
  explicit GridSampler(GridSpace grid, bool shuffle = false, std::optional<uint64_t> seed = std::nullopt);

  void BeforeTrial(Study& study, const FrozenTrial& trial) override;
  double SampleIndependent(const Study& study, const FrozenTrial& trial, const std::string& name,
                           const Distribution& distribution) override;
  void AfterTrial(Study& study, const FrozenTrial& trial, TrialState state, const std::vector<double>& values) override;
  void Reseed(uint64_t seed) override;
  std::string Name() const override { return "grid"; }

  const GridSpace& grid() const { return grid_; }
  int64_t Size() const { return size_; }
  // The values of point `grid_id`, 0 <= grid_id < Size(); ids enumerate the grid with the last parameter
  // name (in sorted order) changing fastest.
  std::map<std::string, ParamValue> Point(int64_t grid_id) const;
  // The grid id taken at `position` (0 <= position < Size()) of the visiting order: the position itself, or
  // with shuffle a seeded pseudo-random permutation of it (computed, never stored, so big grids cost nothing).
  int64_t OrderAt(int64_t position) const;

 private:
  // Which points are taken by trials other than `self_number`, from the study's current trials.
  std::vector<bool> TakenPoints(const Study& study, int64_t self_number, int64_t* taken_count) const;
  // The grid id a trial holds (system attrs with this grid's fingerprint), or -1.
  int64_t HeldPoint(const FrozenTrial& trial) const;
  // The point an enqueued trial's fixed values pin completely, or -1.
  int64_t PinnedPoint(const FrozenTrial& trial) const;
  bool AgreesWithFixed(int64_t grid_id, const Json& fixed) const;
  // Whether each fixed value of a grid parameter is among its grid values (else no point can agree).
  bool AnyPointAgrees(const Json& fixed) const;
  int64_t ValueIndex(int64_t grid_id, size_t param) const;
  void Record(Study& study, const FrozenTrial& trial, int64_t grid_id);

  GridSpace grid_;
  bool shuffle_;
  uint64_t seed_;
  int64_t size_ = 1;
  std::string fingerprint_;
  std::vector<std::string> names_;  // sorted, as in grid_
  std::vector<int64_t> radix_;      // points per step of each parameter's index (mixed radix)
  int feistel_half_bits_ = 1;       // the shuffle permutes [0, 4^half_bits) and walks back into [0, size)
  uint64_t feistel_keys_[4] = {};
  std::map<std::pair<const void*, int64_t>, int64_t> assigned_;  // (storage, trial id) -> grid id, or -1
};

}  // namespace hyperscout
