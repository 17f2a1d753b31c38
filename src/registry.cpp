#include "hyperscout/registry.hpp"

#include <fmt/format.h>

#include "hyperscout/common/error.hpp"
#include "hyperscout/samplers/random.hpp"
#include "hyperscout/storage/memory_storage.hpp"
#include "hyperscout/storage/url.hpp"

namespace hyperscout {
namespace {

// Fills defaults and checks names and types against the declared options.
Json ResolveOptions(const std::string& what, const std::vector<OptionSpec>& specs, const Json& given) {
  if (!given.is_null() && !given.is_object())
    throw InvalidArgumentError(fmt::format("{}: options must be an object", what));
  Json out = Json::object();
  for (const auto& spec : specs) out[spec.name] = spec.default_value;
  if (given.is_null()) return out;
  for (const auto& [key, value] : given.items()) {
    const auto it = std::find_if(specs.begin(), specs.end(), [&](const OptionSpec& s) { return s.name == key; });
    if (it == specs.end()) {
      std::vector<std::string> names;
      for (const auto& s : specs) names.push_back(s.name);
      throw InvalidArgumentError(fmt::format("{} has no option '{}'; valid options: {}", what, key,
                                             names.empty() ? "(none)" : fmt::format("{}", fmt::join(names, ", "))));
    }
    const bool ok = (it->type == "int" && value.is_number_integer()) || (it->type == "float" && value.is_number()) ||
                    (it->type == "bool" && value.is_boolean()) || (it->type == "string" && value.is_string()) ||
                    value.is_null();
    if (!ok) {
      throw InvalidArgumentError(
          fmt::format("{} option '{}' must be of type {}, got {}", what, key, it->type, value.dump()));
    }
    out[key] = value;
  }
  return out;
}

std::vector<SamplerSpec> BuildSamplers() {
  std::vector<SamplerSpec> specs;
  specs.push_back({"random",
                   "independent uniform sampling on each parameter's scale",
                   {},
                   [](std::optional<uint64_t> seed, const Json&) { return std::make_shared<RandomSampler>(seed); }});
  return specs;
}

std::vector<PrunerSpec> BuildPruners() {
  std::vector<PrunerSpec> specs;
  specs.push_back({"none", "never prune", {}, [](const Json&) { return std::make_shared<NopPruner>(); }});
  return specs;
}

}  // namespace

const std::vector<SamplerSpec>& Samplers() {
  static const std::vector<SamplerSpec> specs = BuildSamplers();
  return specs;
}

const std::vector<PrunerSpec>& Pruners() {
  static const std::vector<PrunerSpec> specs = BuildPruners();
  return specs;
}

std::shared_ptr<Sampler> MakeSampler(const std::string& name, std::optional<uint64_t> seed, const Json& options) {
  for (const auto& spec : Samplers()) {
    if (spec.name == name) return spec.make(seed, ResolveOptions("sampler '" + name + "'", spec.options, options));
  }
  std::vector<std::string> names;
  for (const auto& spec : Samplers()) names.push_back(spec.name);
  throw InvalidArgumentError(fmt::format("unknown sampler '{}'; choose one of {}", name, fmt::join(names, ", ")));
}

std::shared_ptr<Pruner> MakePruner(const std::string& name, const Json& options) {
  for (const auto& spec : Pruners()) {
    if (spec.name == name) return spec.make(ResolveOptions("pruner '" + name + "'", spec.options, options));
  }
  std::vector<std::string> names;
  for (const auto& spec : Pruners()) names.push_back(spec.name);
  throw InvalidArgumentError(fmt::format("unknown pruner '{}'; choose one of {}", name, fmt::join(names, ", ")));
}

std::shared_ptr<Storage> OpenStorage(const std::string& url) {
  const StorageUrl parsed = ParseStorageUrl(url);
  if (parsed.scheme == "memory") return std::make_shared<MemoryStorage>();
  throw InvalidArgumentError(
      fmt::format("storage URL '{}': the {} backend is not built into this hyperscout", url, parsed.scheme));
}

std::unique_ptr<Study> CreateStudy(StudyOptions options) {
  if (!options.sampler) options.sampler = MakeSampler(kDefaultSampler);
  return Study::Create(std::move(options));
}

std::unique_ptr<Study> LoadStudy(const std::string& study_name, std::shared_ptr<Storage> storage,
                                 std::shared_ptr<Sampler> sampler, std::shared_ptr<Pruner> pruner) {
  if (!sampler) sampler = MakeSampler(kDefaultSampler);
  return Study::Load(study_name, std::move(storage), std::move(sampler), std::move(pruner));
}

}  // namespace hyperscout
