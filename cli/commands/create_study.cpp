#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "hyperscout/registry.hpp"

namespace hyperscout::cli {
namespace {

struct CreateStudyOptions {
  StorageFlags storage;
  std::string direction;
  std::string directions;
  std::string space_file = "space.toml";
  std::vector<std::string> params;
  bool skip_if_exists = false;
};

int RunCreateStudy(const CreateStudyOptions& options, bool space_given) {
  const std::string url = ResolveStorageUrl(options.storage);
  auto directions = ParseDirections(options.direction, options.directions);
  if (directions.empty()) directions = {StudyDirection::kMinimize};
  const auto space = LoadSpaceFromFlags(options.space_file, space_given, options.params);
  auto storage = OpenStorageForCli(url);
  int64_t study_id = -1;
  try {
    study_id = storage->CreateStudy(options.storage.study, directions);
  } catch (const DuplicatedStudyError&) {
    if (!options.skip_if_exists) {
      throw DuplicatedStudyError(
          fmt::format("study '{}' already exists in {}; pick another name, pass "
                      "--skip-if-exists, or delete it with 'hyperscout delete-study'",
                      options.storage.study, url));
    }
    study_id = storage->GetStudyId(options.storage.study);
    const auto stored = storage->GetStudyDirections(study_id);
    if (stored != directions) {
      throw InvalidArgumentError(fmt::format("study '{}' exists with direction(s) {}; pass the same directions",
                                             options.storage.study, JoinDirections(stored)));
    }
  }
  if (space) StoreSpace(*storage, study_id, options.storage.study, *space);
  std::cout << options.storage.study << "\n";
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace

CommandAction SetupCreateStudy(CLI::App& app) {
  auto options = std::make_shared<CreateStudyOptions>();
  AddStorageFlags(app, options->storage);
  app.add_option("--direction", options->direction, "minimize (default) or maximize");
  app.add_option("--directions", options->directions, "Several objectives, e.g. minimize,maximize");
  auto* space =
      app.add_option("--space", options->space_file, "Space file (TOML) to store on the study")->type_name("FILE");
  app.add_option("--param", options->params, "A parameter NAME=SPEC (see docs/space-file.md); repeatable")
      ->allow_extra_args(false)
      ->type_name("NAME=SPEC");
  app.add_flag("--skip-if-exists", options->skip_if_exists, "Succeed when the study already exists");
  app.footer("Example:\n  hyperscout create-study --study mnist --storage sqlite:///runs.db --direction maximize");
  return [options, space] { return RunCreateStudy(*options, space->count() > 0); };
}

}  // namespace hyperscout::cli
