#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/common.hpp"

namespace hyperscout::cli {
namespace {

struct DeleteStudyOptions {
  StorageFlags storage;
  bool yes = false;
};

int RunDeleteStudy(const DeleteStudyOptions& options) {
  const std::string url = ResolveStorageUrl(options.storage);
  auto storage = OpenStorageForCli(url);
  const int64_t study_id = FindStudyId(*storage, options.storage.study, url);
  if (!options.yes) {
    if (!StdinIsTerminal()) {
      throw InvalidArgumentError(
          fmt::format("refusing to delete study '{}' without confirmation; pass --yes to delete it non-interactively",
                      options.storage.study));
    }
    std::cerr << fmt::format("Delete study '{}' and its {} trial(s) from {}? [y/N] ", options.storage.study,
                             storage->CountTrials(study_id), url);
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") {
      std::cerr << "not deleted\n";
      return static_cast<int>(ExitCode::kOk);
    }
  }
  storage->DeleteStudy(study_id);
  std::cerr << fmt::format("deleted study '{}'\n", options.storage.study);
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace

CommandAction SetupDeleteStudy(CLI::App& app) {
  auto options = std::make_shared<DeleteStudyOptions>();
  AddStorageFlags(app, options->storage, true, true);
  app.add_flag("--yes,-y", options->yes, "Do not ask for confirmation");
  app.footer("Example:\n  hyperscout delete-study --study mnist --storage sqlite:///runs.db --yes");
  return [options] { return RunDeleteStudy(*options); };
}

}  // namespace hyperscout::cli
