#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/output.hpp"
#include "cli/trial_view.hpp"

namespace hyperscout::cli {
namespace {

struct StudiesOptions {
  StorageFlags storage;
  std::string format = "table";
};

int RunStudies(const StudiesOptions& options) {
  const std::string url = ResolveStorageUrl(options.storage);
  auto storage = OpenStorageForCli(url);
  Json out = Json::array();
  std::vector<std::vector<std::string>> rows;
  for (const auto& summary : storage->GetAllStudies()) {
    const auto trials = GetAllTrials(*storage, summary.id);
    int64_t complete = 0;
    for (const auto& trial : trials) complete += trial.state == TrialState::kComplete ? 1 : 0;
    const auto best = BestOf(trials, summary.directions);
    std::string best_text;
    Json best_json = nullptr;
    if (summary.directions.size() == 1 && !best.empty()) {
      best_text = ShortNumber(best[0].values[0]);
      best_json = best[0].values[0];
    } else if (!best.empty()) {
      best_text = fmt::format("{} on the Pareto front", best.size());
      best_json = static_cast<int64_t>(best.size());
    }
    rows.push_back({summary.name, JoinDirections(summary.directions), std::to_string(trials.size()),
                    std::to_string(complete), best_text});
    out.push_back({{"name", summary.name},
                   {"directions", JoinDirections(summary.directions)},
                   {"trials", trials.size()},
                   {"complete", complete},
                   {summary.directions.size() == 1 ? "best_value" : "pareto_size", best_json}});
  }
  if (options.format == "json") {
    std::cout << out.dump() << "\n";
  } else {
    std::cout << FormatTable({"name", "directions", "trials", "complete", "best"}, rows);
  }
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace

CommandAction SetupStudies(CLI::App& app) {
  auto options = std::make_shared<StudiesOptions>();
  AddStorageFlags(app, options->storage, false);
  app.add_option("--format", options->format, "table (default) or json")->check(CLI::IsMember({"table", "json"}));
  app.footer("Example:\n  hyperscout studies --storage sqlite:///runs.db");
  return [options] { return RunStudies(*options); };
}

}  // namespace hyperscout::cli
