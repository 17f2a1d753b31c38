#pragma once

#include <nlohmann/json.hpp>

namespace hyperscout {

using Json = nlohmann::json;

}  // namespace hyperscout
