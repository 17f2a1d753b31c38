#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/output.hpp"
#include "cli/trial_view.hpp"

namespace hyperscout::cli {
namespace {

struct BestOptions {
  StorageFlags storage;
  std::string format = "table";
};

int RunBest(const BestOptions& options) {
  const std::string url = ResolveStorageUrl(options.storage);
  auto storage = OpenStorageForCli(url);
  const int64_t study_id = FindStudyId(*storage, options.storage.study, url);
  const auto directions = storage->GetStudyDirections(study_id);
  const auto complete = GetAllTrials(*storage, study_id, {TrialState::kComplete});
  const auto best = BestOf(complete, directions);
  if (complete.empty()) {
    throw CliError(ExitCode::kRuntime, fmt::format("study '{}' has no COMPLETE trial yet; run 'hyperscout optimize' "
                                                   "or tell a trial first",
                                                   options.storage.study));
  }
  if (best.empty()) {
    throw CliError(ExitCode::kRuntime,
                   fmt::format("study '{}' has no feasible COMPLETE trial yet: all {} broke a constraint (a value > 0 "
                               "in their constraints); see them with 'hyperscout trials --study {}'",
                               options.storage.study, complete.size(), options.storage.study));
  }
  if (options.format == "json") {
    if (directions.size() == 1) {
      std::cout << TrialToJson(best[0], false).dump() << "\n";
    } else {
      Json out = Json::array();
      for (const auto& trial : best) out.push_back(TrialToJson(trial, false));
      std::cout << out.dump() << "\n";
    }
    return static_cast<int>(ExitCode::kOk);
  }
  const TrialRows table = BuildTrialRows(best, directions.size(), false, false);
  std::cout << FormatTable(table.header, table.rows);
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace

CommandAction SetupBest(CLI::App& app) {
  auto options = std::make_shared<BestOptions>();
  AddStorageFlags(app, options->storage);
  app.add_option("--format", options->format,
                 "table (default) or json (an object; an array of the Pareto set for several objectives)")
      ->check(CLI::IsMember({"table", "json"}));
  app.footer("Example:\n  hyperscout best --study mnist --format json");
  return [options] { return RunBest(*options); };
}

}  // namespace hyperscout::cli
