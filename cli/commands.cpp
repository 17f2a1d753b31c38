#include "cli/commands.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/common.hpp"

namespace hyperscout::cli {

const std::vector<CommandSpec>& Commands() {
  static const std::vector<CommandSpec> commands = {
      {"optimize", "Run a command once per trial and tune its parameters", &SetupOptimize},
      {"ask", "Start a trial and print its parameters as JSON", &SetupAsk},
      {"tell", "Finish a trial started with ask", &SetupTell},
      {"create-study", "Create a study", &SetupCreateStudy},
      {"delete-study", "Delete a study and all its trials", &SetupDeleteStudy},
      {"studies", "List the studies in a storage", &SetupStudies},
      {"trials", "List the trials of a study", &SetupTrials},
      {"best", "Show the best trial (the Pareto set for several objectives)", &SetupBest},
      {"export", "Write a study's trials as CSV or JSON", &SetupExport},
  };
  return commands;
}

int RunCli(int argc, char** argv) {
  CLI::App app{"hyperscout: hyperparameter optimization for any command", "hyperscout"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "hyperscout 0.1.0");
  app.footer(
      "Example:\n  hyperscout optimize --param lr=float:1e-5:1e-1:log --n-trials 20 -- python3 train.py --lr {lr}\n"
      "Run 'hyperscout COMMAND --help' for a command's options. Exit codes: 0 ok, 1 runtime failure, 2 usage or "
      "input error, 130 interrupted.");
  std::vector<std::pair<CLI::App*, CommandAction>> actions;
  for (const auto& command : Commands()) {
    CLI::App* sub = app.add_subcommand(command.name, command.summary);
    actions.emplace_back(sub, command.setup(*sub));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    // Help goes to stdout so `hyperscout optimize --help | less` works.
    const CLI::App* target = &app;
    for (const auto* sub : app.get_subcommands()) target = sub;
    std::cout << target->help();
    return static_cast<int>(ExitCode::kOk);
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return static_cast<int>(ExitCode::kOk);
  } catch (const CLI::CallForVersion& e) {
    std::cout << e.what() << "\n";
    return static_cast<int>(ExitCode::kOk);
  } catch (const CLI::ParseError& e) {
    std::string where = "hyperscout --help";
    for (const auto* sub : app.get_subcommands()) where = fmt::format("hyperscout {} --help", sub->get_name());
    // Extra arguments usually mean a command's own flags were given without the `--` separator.
    const bool extras = dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr;
    PrintError(fmt::format("{}; {}see '{}'", e.what(), extras ? "put the command to run after -- ; " : "", where));
    return static_cast<int>(ExitCode::kUsage);
  }
  try {
    for (const auto& [sub, action] : actions) {
      if (sub->parsed()) return action();
    }
    PrintError("no command given; see 'hyperscout --help'");
    return static_cast<int>(ExitCode::kUsage);
  } catch (const std::exception& e) {
    PrintError(e.what());
    return static_cast<int>(ExitCodeFor(e));
  }
}

}  // namespace hyperscout::cli
