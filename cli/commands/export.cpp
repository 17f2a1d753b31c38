#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/output.hpp"
#include "cli/trial_view.hpp"

namespace hyperscout::cli {
namespace {

struct ExportOptions {
  StorageFlags storage;
  std::string format;
  std::string output;
  std::vector<std::string> states;
};

int RunExport(const ExportOptions& options) {
  const std::string url = ResolveStorageUrl(options.storage);
  auto storage = OpenStorageForCli(url);
  const int64_t study_id = FindStudyId(*storage, options.storage.study, url);
  const auto directions = storage->GetStudyDirections(study_id);
  const auto trials = GetAllTrials(*storage, study_id, ParseStates(options.states));
  std::string text;
  if (options.format == "csv") {
    const TrialRows table = BuildTrialRows(trials, directions.size(), true, false);
    text += CsvRow(table.header);
    for (const auto& row : table.rows) text += CsvRow(row);
  } else {
    Json out = Json::array();
    for (const auto& trial : trials) out.push_back(TrialToJson(trial, false));
    text = out.dump(2) + "\n";
  }
  if (options.output.empty() || options.output == "-") {
    std::cout << text;
    return static_cast<int>(ExitCode::kOk);
  }
  // Write beside the target and rename, so a reader never sees half a file.
  const std::string temporary = options.output + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) {
      throw InvalidArgumentError(
          fmt::format("--output '{}': cannot write ({}); check the directory exists and is "
                      "writable",
                      options.output, std::strerror(errno)));
    }
    out << text;
    if (!out.flush()) throw Error(fmt::format("--output '{}': write failed; check free disk space", options.output));
  }
  if (std::rename(temporary.c_str(), options.output.c_str()) != 0) {
    throw Error(
        fmt::format("--output '{}': cannot rename the finished file ({})", options.output, std::strerror(errno)));
  }
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace

CommandAction SetupExport(CLI::App& app) {
  auto options = std::make_shared<ExportOptions>();
  AddStorageFlags(app, options->storage);
  app.add_option("--format", options->format, "csv or json")->required()->check(CLI::IsMember({"csv", "json"}));
  app.add_option("--output,-o", options->output, "File to write (default: stdout)")->type_name("FILE");
  app.add_option("--state", options->states, "Only these states; repeatable or comma-separated")
      ->allow_extra_args(false);
  app.footer(
      "Example:\n  hyperscout export --study mnist --format csv --output mnist.csv\n"
      "CSV columns: number, state, value (value_0, value_1, ... for several objectives), params_<name>..., "
      "duration_s.");
  return [options] { return RunExport(*options); };
}

}  // namespace hyperscout::cli
