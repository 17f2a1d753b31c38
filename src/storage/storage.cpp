#include "hyperscout/storage/storage.hpp"

#include <algorithm>

namespace hyperscout {

std::vector<FrozenTrial> GetAllTrials(Storage& storage, int64_t study_id, const std::vector<TrialState>& states) {
  auto trials = storage.GetTrialsChangedSince(study_id, 0).trials;
  if (states.empty()) return trials;
  std::erase_if(trials,
                [&](const FrozenTrial& t) { return std::find(states.begin(), states.end(), t.state) == states.end(); });
  return trials;
}

}  // namespace hyperscout
