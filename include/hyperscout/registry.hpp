// The one place that names concrete samplers, pruners and storages. The CLI, the Python package and
// configuration files resolve everything through it, by name or URL.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hyperscout/common/json.hpp"
#include "hyperscout/core/study.hpp"
#include "hyperscout/pruners/pruner.hpp"
#include "hyperscout/samplers/sampler.hpp"
#include "hyperscout/storage/storage.hpp"

namespace hyperscout {

// One option of a sampler or pruner, declared once; CLI help, Python keyword checks and the docs'
// tables are generated from these declarations.
struct OptionSpec {
  std::string name;
  std::string type;    // "int", "float", "bool", "string", "object" (a JSON object, e.g. a grid)
  Json default_value;  // null when there is no default
  std::string help;
};

struct SamplerSpec {
  std::string name;
  std::string summary;
  std::vector<OptionSpec> options;
  std::function<std::shared_ptr<Sampler>(std::optional<uint64_t> seed, const Json& options)> make;
};

struct PrunerSpec {
  std::string name;
  std::string summary;
  std::vector<OptionSpec> options;
  std::function<std::shared_ptr<Pruner>(const Json& options)> make;
};

const std::vector<SamplerSpec>& Samplers();
const std::vector<PrunerSpec>& Pruners();

// `options` is a JSON object of option name -> value; unknown names or wrong types throw
// InvalidArgumentError listing the valid options. Missing options take their defaults.
std::shared_ptr<Sampler> MakeSampler(const std::string& name, std::optional<uint64_t> seed = std::nullopt,
                                     const Json& options = Json::object());
std::shared_ptr<Pruner> MakePruner(const std::string& name, const Json& options = Json::object());
// Opens (creating when needed) the storage a URL names. See storage/url.hpp for the forms.
std::shared_ptr<Storage> OpenStorage(const std::string& url);

// The sampler used when none is given.
inline constexpr const char* kDefaultSampler = "auto";

// Study::Create / Study::Load with the registry's defaults filled in (sampler kDefaultSampler,
// no pruning).
std::unique_ptr<Study> CreateStudy(StudyOptions options);
std::unique_ptr<Study> LoadStudy(const std::string& study_name, std::shared_ptr<Storage> storage,
                                 std::shared_ptr<Sampler> sampler = nullptr, std::shared_ptr<Pruner> pruner = nullptr);

}  // namespace hyperscout
