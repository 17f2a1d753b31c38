// The one table of subcommands. Each command lives in cli/commands/<name>.cpp and exposes a setup
// function that adds its flags to a CLI11 subcommand and returns the action to run after parsing.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace hyperscout::cli {

// Runs the command once its flags are parsed; returns the process exit code.
using CommandAction = std::function<int()>;
using CommandSetup = CommandAction (*)(CLI::App& app);

struct CommandSpec {
  const char* name;
  const char* summary;
  CommandSetup setup;
};

const std::vector<CommandSpec>& Commands();

// The whole tool: parses argv, runs the chosen command, maps errors to exit codes (docs/cli.md).
int RunCli(int argc, char** argv);

CommandAction SetupOptimize(CLI::App& app);
CommandAction SetupAsk(CLI::App& app);
CommandAction SetupTell(CLI::App& app);
CommandAction SetupCreateStudy(CLI::App& app);
CommandAction SetupDeleteStudy(CLI::App& app);
CommandAction SetupStudies(CLI::App& app);
CommandAction SetupTrials(CLI::App& app);
CommandAction SetupBest(CLI::App& app);
CommandAction SetupExport(CLI::App& app);

}  // namespace hyperscout::cli
