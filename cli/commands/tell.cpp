#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "hyperscout/registry.hpp"

namespace hyperscout::cli {
namespace {

struct TellOptions {
  StorageFlags storage;
  int64_t trial = -1;
  std::optional<std::string> value;
  std::optional<std::string> values;
  std::optional<std::string> state;
  std::optional<std::string> constraints;
};

double ParseNumber(const std::string& text, const char* flag) {
  errno = 0;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE) {
    throw InvalidArgumentError(fmt::format("{} '{}' is not a number; pass e.g. {} 0.25", flag, text, flag));
  }
  return value;
}

std::vector<double> ParseNumbers(const std::string& text, const char* flag) {
  std::vector<double> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(ParseNumber(item, flag));
  return out;
}

int RunTell(const TellOptions& options) {
  const int given = (options.value ? 1 : 0) + (options.values ? 1 : 0) + (options.state ? 1 : 0);
  if (given != 1) {
    throw InvalidArgumentError("tell needs exactly one of --value V, --values V1,V2 or --state fail|pruned");
  }
  std::vector<double> values;
  TrialState state = TrialState::kComplete;
  if (options.value) values.push_back(ParseNumber(*options.value, "--value"));
  if (options.values) values = ParseNumbers(*options.values, "--values");
  if (options.state) {
    state = ParseTrialState(*options.state);
    if (state != TrialState::kFail && state != TrialState::kPruned) {
      throw InvalidArgumentError(fmt::format(
          "--state {} cannot be told; use fail or pruned, or --value for a complete trial", *options.state));
    }
  }
  std::optional<std::vector<double>> constraints;
  if (options.constraints) {
    if (state == TrialState::kFail) {
      throw InvalidArgumentError("--constraints with --state fail: a failed trial is never ranked; drop --constraints");
    }
    constraints = ParseNumbers(*options.constraints, "--constraints");
    try {
      CheckConstraintValues(*constraints);  // before the storage is opened
    } catch (const InvalidArgumentError& e) {
      throw InvalidArgumentError(fmt::format("--constraints: {}", e.what()));
    }
  }
  const std::string url = ResolveStorageUrl(options.storage);
  auto storage = OpenStorageForCli(url);
  const int64_t study_id = FindStudyId(*storage, options.storage.study, url);
  auto sampler = MakeSamplerForCli("", Json::object(), std::nullopt, std::nullopt, storage.get(), study_id);
  auto study = LoadStudy(options.storage.study, storage, std::move(sampler));
  FrozenTrial finished;
  try {
    finished = study->Tell(options.trial, values, state, constraints);
  } catch (const InvalidArgumentError& e) {
    throw InvalidArgumentError(fmt::format("trial {} of study '{}': {}; list trials with 'hyperscout trials'",
                                           options.trial, options.storage.study, e.what()));
  }
  Json out = {{"number", finished.number}, {"state", ToString(finished.state)}};
  if (const auto it = finished.system_attrs.find("fail_reason"); it != finished.system_attrs.end()) {
    out["fail_reason"] = it->second;
  }
  std::cout << out.dump() << "\n";
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace

CommandAction SetupTell(CLI::App& app) {
  auto options = std::make_shared<TellOptions>();
  AddStorageFlags(app, options->storage);
  app.add_option("--trial", options->trial, "Trial number printed by ask")->required();
  auto* value = app.add_option("--value", options->value, "The objective value (COMPLETE)");
  auto* values = app.add_option("--values", options->values, "Values for several objectives, comma-separated");
  auto* state = app.add_option("--state", options->state, "fail or pruned");
  app.add_option("--constraints", options->constraints,
                 "Constraint values, comma-separated; the trial is feasible when every one is <= 0");
  value->excludes(values)->excludes(state);
  values->excludes(state);
  app.footer(
      "Examples:\n  hyperscout tell --study demo --storage sqlite:///demo.db --trial 3 --value 0.25\n"
      "  hyperscout tell --study demo --storage sqlite:///demo.db --trial 4 --value 0.19 --constraints 0.3,-1");
  return [options] { return RunTell(*options); };
}

}  // namespace hyperscout::cli
