// The relative search spaces TPE reasons about jointly, built incrementally from finished trials.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "hyperscout/core/distribution.hpp"

namespace hyperscout::tpe {

// Parameters present in every finished trial with one distribution: the space plain multivariate TPE models.
class IntersectionSpace {
 public:
  void Add(const std::map<std::string, Distribution>& distributions);
  const SearchSpace& space() const { return space_; }

 private:
  bool started_ = false;
  SearchSpace space_;
};

// Splits parameters into groups whose members always appear together: after every trial each group lies wholly
// inside or wholly outside that trial's parameters. Each group of a conditional (tree) space is one branch, and
// TPE models each group jointly (Watanabe 2023, arXiv:2304.11127, section 3.5, "group" option; the same
// decomposition as Optuna's group=True). A group keeps the newest distribution seen for each parameter.
class GroupDecomposedSpace {
 public:
  void Add(const std::map<std::string, Distribution>& distributions);
  const std::vector<SearchSpace>& groups() const { return groups_; }

 private:
  std::vector<SearchSpace> groups_;
};

}  // namespace hyperscout::tpe
