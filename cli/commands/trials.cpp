#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/output.hpp"
#include "cli/trial_view.hpp"

namespace hyperscout::cli {
namespace {

struct TrialsOptions {
  StorageFlags storage;
  std::string format = "table";
  std::vector<std::string> states;
  bool verbose = false;
};

std::string AttrText(const FrozenTrial& trial, const char* key) {
  const auto it = trial.system_attrs.find(key);
  if (it == trial.system_attrs.end()) return "";
  return it->second.is_string() ? it->second.get<std::string>() : it->second.dump();
}

int RunTrials(const TrialsOptions& options) {
  const std::string url = ResolveStorageUrl(options.storage);
  auto storage = OpenStorageForCli(url);
  const int64_t study_id = FindStudyId(*storage, options.storage.study, url);
  const auto directions = storage->GetStudyDirections(study_id);
  const auto trials = GetAllTrials(*storage, study_id, ParseStates(options.states));
  if (options.format == "json") {
    Json out = Json::array();
    for (const auto& trial : trials) out.push_back(TrialToJson(trial, options.verbose));
    std::cout << out.dump() << "\n";
    return static_cast<int>(ExitCode::kOk);
  }
  const TrialRows table = BuildTrialRows(trials, directions.size(), false, options.verbose);
  std::cout << FormatTable(table.header, table.rows);
  if (options.verbose) {
    for (const auto& trial : trials) {
      const std::string stderr_tail = AttrText(trial, "stderr");
      if (stderr_tail.empty()) continue;
      std::cout << fmt::format("\n--- trial {} stderr (last {} bytes) ---\n{}", trial.number, stderr_tail.size(),
                               stderr_tail);
      if (stderr_tail.back() != '\n') std::cout << "\n";
    }
  }
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace

CommandAction SetupTrials(CLI::App& app) {
  auto options = std::make_shared<TrialsOptions>();
  AddStorageFlags(app, options->storage);
  app.add_option("--format", options->format, "table (default) or json")->check(CLI::IsMember({"table", "json"}));
  app.add_option("--state", options->states,
                 "Only these states (complete, pruned, fail, running, waiting); repeatable "
                 "or comma-separated")
      ->allow_extra_args(false);
  app.add_flag("--verbose,-v", options->verbose, "Add fail reasons and the stderr tail kept on failed trials");
  app.footer("Example:\n  hyperscout trials --study mnist --state fail --verbose");
  return [options] { return RunTrials(*options); };
}

}  // namespace hyperscout::cli
