#include "samplers/tpe/search_space.hpp"

namespace hyperscout::tpe {

void IntersectionSpace::Add(const std::map<std::string, Distribution>& distributions) {
  if (!started_) {
    space_ = SearchSpace(distributions.begin(), distributions.end());
    started_ = true;
    return;
  }
  for (auto it = space_.begin(); it != space_.end();) {
    const auto found = distributions.find(it->first);
    if (found == distributions.end() || !(found->second == it->second)) {
      it = space_.erase(it);
    } else {
      ++it;
    }
  }
}

void GroupDecomposedSpace::Add(const std::map<std::string, Distribution>& distributions) {
  std::map<std::string, Distribution> unseen = distributions;
  std::vector<SearchSpace> next;
  next.reserve(groups_.size() + 1);
  for (const auto& group : groups_) {
    SearchSpace inside;
    SearchSpace outside;
    for (const auto& [name, distribution] : group) {
      const auto found = unseen.find(name);
      if (found == unseen.end()) {
        outside.emplace(name, distribution);
      } else {
        inside.emplace(name, found->second);
        unseen.erase(found);
      }
    }
    if (!inside.empty()) next.push_back(std::move(inside));
    if (!outside.empty()) next.push_back(std::move(outside));
  }
  if (!unseen.empty()) next.emplace_back(unseen.begin(), unseen.end());
  groups_ = std::move(next);
}

}  // namespace hyperscout::tpe
