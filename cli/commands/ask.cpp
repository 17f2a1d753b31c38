#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "hyperscout/registry.hpp"

namespace hyperscout::cli {
namespace {

struct AskOptions {
  StorageFlags storage;
  std::string direction;
  std::string directions;
  std::string space_file;
  std::vector<std::string> params;
  std::string sampler;
  std::vector<std::string> sampler_options;
  std::optional<uint64_t> seed;
};

int RunAsk(const AskOptions& options) {
  const std::string url = ResolveStorageUrl(options.storage);
  const auto directions = ParseDirections(options.direction, options.directions);
  std::optional<Space> space = LoadSpaceFromFlags(options.space_file, !options.space_file.empty(), options.params);
  const Json sampler_options = ParseOptionPairs(options.sampler_options, "--sampler-option");
  auto storage = OpenStorageForCli(url);
  std::optional<int64_t> existing;
  try {
    existing = storage->GetStudyId(options.storage.study);
  } catch (const StudyNotFoundError&) {
  }
  const bool space_from_flags = space.has_value();
  if (!space && existing) space = StoredSpace(*storage, *existing);
  if (!space) {
    throw InvalidArgumentError(fmt::format(
        "study '{}' has no stored search space; pass --space FILE or --param NAME=SPEC", options.storage.study));
  }
  auto sampler = MakeSamplerForCli(options.sampler, sampler_options, options.seed, space, storage.get(), existing);
  auto study = CreateOrLoadStudy(storage, options.storage.study, directions, std::move(sampler), nullptr);
  if (space_from_flags) StoreSpace(*storage, study->id(), study->name(), *space);
  Trial trial = study->Ask();
  const auto chosen = space->SuggestAll(trial);
  Json params = Json::object();
  for (const auto& [name, value] : chosen) params[name] = ParamValueToJson(value);
  std::cout << Json{{"number", trial.number()}, {"params", params}}.dump() << "\n";
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace

CommandAction SetupAsk(CLI::App& app) {
  auto options = std::make_shared<AskOptions>();
  AddStorageFlags(app, options->storage);
  app.add_option("--direction", options->direction, "minimize (default) or maximize, when the study is created here");
  app.add_option("--directions", options->directions, "Several objectives, e.g. minimize,maximize");
  app.add_option("--space", options->space_file, "Space file (TOML); default: the space stored on the study")
      ->type_name("FILE");
  app.add_option("--param", options->params, "A parameter NAME=SPEC (see docs/space-file.md); repeatable")
      ->allow_extra_args(false)
      ->type_name("NAME=SPEC");
  app.add_option("--sampler", options->sampler, "Sampler name from the registry (default: the study's, else auto)");
  app.add_option("--sampler-option", options->sampler_options, "KEY=VALUE (VALUE parsed as JSON); repeatable")
      ->allow_extra_args(false);
  app.add_option("--seed", options->seed, "Seed; with it a trial's parameters depend only on (seed, trial number)");
  app.footer(
      "Prints {\"number\": N, \"params\": {...}} on one line.\n"
      "Example:\n  trial=$(hyperscout ask --study demo --storage sqlite:///demo.db --param x=float:-5:5)");
  return [options] { return RunAsk(*options); };
}

}  // namespace hyperscout::cli
