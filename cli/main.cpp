// The hyperscout command-line tool. Everything lives in the hyperscout_cli_lib library so tests can
// link it; see cli/commands.cpp for the table of subcommands and docs/cli.md for the manual.
#include "cli/commands.hpp"

int main(int argc, char** argv) {
  return hyperscout::cli::RunCli(argc, argv);
}
