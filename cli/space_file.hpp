// The CLI's search space: parameters declared in a TOML space file (docs/space-file.md) or with
// `--param NAME=SPEC`, with optional conditions. A Space keeps its parameters in suggestion order,
// parents before children, so a child's condition can be checked against values already chosen.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "hyperscout/common/json.hpp"
#include "hyperscout/core/distribution.hpp"
#include "hyperscout/core/trial.hpp"

namespace hyperscout::cli {

// "active only when `parent` takes one of `values`".
struct ParamCondition {
  std::string parent;
  std::vector<ParamValue> values;  // external values, as written by the user
};

struct SpaceParam {
  std::string name;
  Distribution distribution;
  std::vector<ParamCondition> conditions;  // all must hold

  bool operator==(const SpaceParam&) const = default;
};

inline bool operator==(const ParamCondition& a, const ParamCondition& b) {
  return a.parent == b.parent && a.values == b.values;
}

class Space {
 public:
  Space() = default;
  // Checks conditions (parents exist, values are possible, no cycle) and orders parameters so parents
  // come first; `source` prefixes every error ("space.toml"). Throws InvalidArgumentError.
  static Space Build(std::vector<SpaceParam> params, const std::string& source);

  const std::vector<SpaceParam>& params() const { return params_; }
  bool empty() const { return params_.empty(); }
  const SpaceParam* Find(const std::string& name) const;

  // Whether `param` is active given the values chosen so far for earlier parameters.
  static bool IsActive(const SpaceParam& param, const std::map<std::string, ParamValue>& chosen,
                       const std::map<std::string, Distribution>& distributions);

  // Suggests every active parameter in order and returns their external values.
  std::map<std::string, ParamValue> SuggestAll(Trial& trial) const;

  // The unconditional view samplers such as grid take (every parameter, conditions ignored).
  SearchSpace ToSearchSpace() const;

  Json ToJson() const;
  static Space FromJson(const Json& json);

  bool operator==(const Space& other) const { return params_ == other.params_; }

 private:
  std::vector<SpaceParam> params_;
};

// Reads and checks a TOML space file. Every error starts with `path` and names the parameter and the fix.
Space LoadSpaceFile(const std::string& path);
// Same, from text; `source` is the name used in messages.
Space ParseSpaceToml(std::string_view text, const std::string& source);
// One `--param` value: NAME=float:LOW:HIGH[:log][:step=S] | NAME=int:LOW:HIGH[:log][:step=S] |
// NAME=cat:A,B,C. Throws InvalidArgumentError naming the flag and the fix.
SpaceParam ParseParamSpec(const std::string& text);

}  // namespace hyperscout::cli
