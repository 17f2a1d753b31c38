#include "cli/common.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "hyperscout/registry.hpp"
#include "hyperscout/samplers/grid.hpp"
#include "hyperscout/storage/url.hpp"

namespace hyperscout::cli {
namespace {

std::string OneLine(const std::string& message) {
  std::string out;
  out.reserve(message.size());
  for (char c : message) {
    if (c == '\n' || c == '\r') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

ExitCode ExitCodeFor(const std::exception& error) {
  if (const auto* cli = dynamic_cast<const CliError*>(&error)) return cli->code();
  if (dynamic_cast<const InvalidArgumentError*>(&error) != nullptr ||
      dynamic_cast<const StudyNotFoundError*>(&error) != nullptr ||
      dynamic_cast<const DuplicatedStudyError*>(&error) != nullptr ||
      dynamic_cast<const UpdateFinishedTrialError*>(&error) != nullptr) {
    return ExitCode::kUsage;
  }
  return ExitCode::kRuntime;
}

void PrintError(const std::string& message) {
  std::fprintf(stderr, "hyperscout: error: %s\n", OneLine(message).c_str());
  std::fflush(stderr);
}

void PrintWarning(const std::string& message) {
  std::fprintf(stderr, "hyperscout: warning: %s\n", OneLine(message).c_str());
  std::fflush(stderr);
}

void AddStorageFlags(CLI::App& app, StorageFlags& flags, bool with_study, bool study_required) {
  app.add_option("--storage", flags.storage,
                 fmt::format("Storage URL: sqlite:///relative.db, sqlite:////abs/path.db, memory://, "
                             "postgresql://... (default: $HYPERSCOUT_STORAGE, else {})",
                             kDefaultStorageUrl))
      ->type_name("URL");
  if (with_study) {
    auto* option = app.add_option("--study", flags.study, "Study name (default: \"default\")")->type_name("NAME");
    if (study_required) option->required();
  }
}

std::string ResolveStorageUrl(const StorageFlags& flags) {
  if (!flags.storage.empty()) return flags.storage;
  if (const char* env = std::getenv("HYPERSCOUT_STORAGE"); env != nullptr && *env != '\0') return env;
  return kDefaultStorageUrl;
}

std::shared_ptr<Storage> OpenStorageForCli(const std::string& url) {
  const StorageUrl parsed = ParseStorageUrl(url);
  if (parsed.scheme == "sqlite") {
    const std::filesystem::path file(parsed.rest);
    const auto dir = file.parent_path();
    std::error_code ec;
    if (!dir.empty() && !std::filesystem::is_directory(dir, ec)) {
      throw InvalidArgumentError(fmt::format(
          "storage '{}': directory '{}' does not exist; create it first or choose another path", url, dir.string()));
    }
    if (std::filesystem::is_directory(file, ec)) {
      throw InvalidArgumentError(
          fmt::format("storage '{}': '{}' is a directory; name a database file inside it", url, file.string()));
    }
  }
  return OpenStorage(url);
}

int64_t FindStudyId(Storage& storage, const std::string& study, const std::string& url) {
  try {
    return storage.GetStudyId(study);
  } catch (const StudyNotFoundError&) {
    throw StudyNotFoundError(fmt::format(
        "study '{}' does not exist in {}; check the name with 'hyperscout studies --storage {}' or create it", study,
        url, url));
  }
}

std::vector<StudyDirection> ParseDirections(const std::string& direction, const std::string& directions) {
  if (!direction.empty() && !directions.empty()) {
    throw InvalidArgumentError("--direction and --directions were both given; use --directions for several objectives");
  }
  std::vector<StudyDirection> out;
  if (!direction.empty()) out.push_back(ParseStudyDirection(direction));
  if (!directions.empty()) {
    std::stringstream in(directions);
    std::string item;
    while (std::getline(in, item, ',')) out.push_back(ParseStudyDirection(item));
  }
  return out;
}

std::string JoinDirections(const std::vector<StudyDirection>& directions) {
  std::vector<std::string> names;
  names.reserve(directions.size());
  for (auto d : directions) names.push_back(ToString(d));
  return fmt::format("{}", fmt::join(names, ","));
}

Json ParseOptionPairs(const std::vector<std::string>& pairs, const std::string& flag) {
  Json out = Json::object();
  for (const auto& pair : pairs) {
    const size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw InvalidArgumentError(
          fmt::format("{} '{}': expected KEY=VALUE, e.g. {} n_startup_trials=10", flag, pair, flag));
    }
    const std::string value = pair.substr(eq + 1);
    Json parsed = Json::parse(value, nullptr, /*allow_exceptions=*/false);
    out[pair.substr(0, eq)] = parsed.is_discarded() ? Json(value) : parsed;
  }
  return out;
}

std::string DefaultSamplerName() {
  for (const auto& spec : Samplers()) {
    if (spec.name == kDefaultSampler) return kDefaultSampler;
  }
  return "random";
}

std::optional<Space> LoadSpaceFromFlags(const std::string& space_file, bool space_file_given,
                                        const std::vector<std::string>& param_specs) {
  std::vector<SpaceParam> params;
  bool have_any = false;
  if (space_file_given || (param_specs.empty() && std::filesystem::exists(space_file))) {
    const Space file_space = LoadSpaceFile(space_file);
    params = file_space.params();
    have_any = true;
  }
  for (const auto& spec : param_specs) {
    params.push_back(ParseParamSpec(spec));
    have_any = true;
  }
  if (!have_any) return std::nullopt;
  return Space::Build(std::move(params), param_specs.empty() ? space_file : "--param");
}

std::optional<Space> StoredSpace(Storage& storage, int64_t study_id) {
  const auto attrs = storage.GetStudySystemAttrs(study_id);
  const auto it = attrs.find(kSpaceAttr);
  if (it == attrs.end()) return std::nullopt;
  return Space::FromJson(it->second);
}

void StoreSpace(Storage& storage, int64_t study_id, const std::string& study, const Space& space) {
  const auto previous = StoredSpace(storage, study_id);
  if (previous && *previous == space) return;
  if (previous) {
    PrintWarning(fmt::format(
        "the search space differs from the one study '{}' was run with; earlier trials keep their parameters, "
        "and samplers may treat changed parameters as new",
        study));
  }
  storage.SetStudySystemAttr(study_id, kSpaceAttr, space.ToJson());
}

std::shared_ptr<Sampler> MakeSamplerForCli(const std::string& name, const Json& options, std::optional<uint64_t> seed,
                                           const std::optional<Space>& space, Storage* storage,
                                           std::optional<int64_t> study_id, int grid_points_per_float) {
  std::string chosen = name;
  Json chosen_options = options;
  if (chosen.empty() && storage != nullptr && study_id) {
    const auto attrs = storage->GetStudySystemAttrs(*study_id);
    if (const auto it = attrs.find(kSamplerAttr); it != attrs.end() && it->second.is_object()) {
      chosen = it->second.value("name", "");
      if (chosen_options.empty()) chosen_options = it->second.value("options", Json::object());
    }
  }
  if (chosen.empty()) chosen = DefaultSamplerName();
  if (chosen == "grid" && space && chosen_options.is_object() && !chosen_options.contains("search_space")) {
    // The grid comes from the space file unless the user listed the values.
    chosen_options["search_space"] = GridToJson(GridFromSearchSpace(space->ToSearchSpace(), grid_points_per_float));
  }
  return MakeSampler(chosen, seed, chosen_options);
}

std::unique_ptr<Study> CreateOrLoadStudy(const std::shared_ptr<Storage>& storage, const std::string& name,
                                         const std::vector<StudyDirection>& directions,
                                         std::shared_ptr<Sampler> sampler, std::shared_ptr<Pruner> pruner,
                                         double heartbeat, double heartbeat_grace) {
  StudyOptions options;
  options.heartbeat_interval = heartbeat;
  options.heartbeat_grace = heartbeat_grace;
  options.study_name = name;
  options.storage = storage;
  options.sampler = std::move(sampler);
  options.pruner = std::move(pruner);
  options.load_if_exists = true;
  options.directions = directions;
  if (options.directions.empty()) {
    try {
      options.directions = storage->GetStudyDirections(storage->GetStudyId(name));
    } catch (const StudyNotFoundError&) {
      options.directions = {StudyDirection::kMinimize};
    }
  }
  return CreateStudy(std::move(options));
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return fmt::format("{}", value);
}

Json TrialToJson(const FrozenTrial& trial, bool verbose) {
  Json params = Json::object();
  for (const auto& [name, value] : trial.ExternalParams()) params[name] = ParamValueToJson(value);
  Json intermediate = Json::object();
  for (const auto& [step, value] : trial.intermediate_values) {
    intermediate[std::to_string(step)] = std::isfinite(value) ? Json(value) : Json(FormatValue(value));
  }
  Json values = Json::array();
  for (double v : trial.values) values.push_back(std::isfinite(v) ? Json(v) : Json(FormatValue(v)));
  Json user_attrs = Json::object();
  for (const auto& [key, value] : trial.user_attrs) user_attrs[key] = value;
  Json out = {{"number", trial.number},
              {"state", ToString(trial.state)},
              {"values", values},
              {"params", params},
              {"intermediate_values", intermediate},
              {"user_attrs", user_attrs},
              {"datetime_start", trial.datetime_start ? Json(*trial.datetime_start) : Json(nullptr)},
              {"datetime_complete", trial.datetime_complete ? Json(*trial.datetime_complete) : Json(nullptr)}};
  if (const auto constraints = trial.Constraints(); !constraints.empty()) {
    Json by_name = Json::object();
    for (const auto& [name, value] : constraints) by_name[name] = value;
    out["constraints"] = by_name;
  }
  if (verbose) {
    Json system_attrs = Json::object();
    for (const auto& [key, value] : trial.system_attrs) system_attrs[key] = value;
    out["system_attrs"] = system_attrs;
  }
  return out;
}

std::vector<TrialState> ParseStates(const std::vector<std::string>& texts) {
  std::vector<TrialState> out;
  for (const auto& text : texts) {
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
      if (!item.empty()) out.push_back(ParseTrialState(item));
    }
  }
  return out;
}

bool StderrIsTerminal() {
  return ::isatty(STDERR_FILENO) == 1;
}

bool StdinIsTerminal() {
  return ::isatty(STDIN_FILENO) == 1;
}

}  // namespace hyperscout::cli
