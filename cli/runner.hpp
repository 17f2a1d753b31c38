// Runs one trial's command as a child process: fork + execve with an argv list (no shell), its own
// process group, stdin from /dev/null, stdout read line by line as it arrives. Stopping a child (prune,
// timeout, interrupt) sends SIGTERM to its whole group, then SIGKILL after the grace period, so
// grandchildren (a shell's pipeline, a data loader's workers) go too.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cli/protocol.hpp"

namespace hyperscout::cli {

// Bytes of the child's stderr kept on a failed trial.
inline constexpr size_t kStderrTailBytes = 2048;

struct ChildSpec {
  std::string executable;              // resolved path (ResolveExecutable)
  std::vector<std::string> argv;       // argv[0] is the command as the user wrote it
  std::vector<std::string> extra_env;  // "KEY=VALUE"; replaces inherited variables of the same name
  std::optional<double> timeout;       // seconds
  double grace = 5.0;                  // seconds between SIGTERM and SIGKILL
};

enum class ChildEnd { kExited, kSignaled, kPruned, kTimedOut, kInterrupted, kStartFailed };

struct ChildResult {
  ChildEnd end = ChildEnd::kExited;
  int exit_code = 0;        // kExited
  int signal = 0;           // kSignaled
  std::string last_line;    // last non-empty stdout line that is not an intermediate report
  std::string stderr_tail;  // the last kStderrTailBytes bytes of stderr
  std::string start_error;  // kStartFailed: why execve failed
};

// Called for each intermediate report; returns true to stop the child (the trial is pruned).
using ReportHandler = std::function<bool(const Report&)>;
// Polled while the child runs: 0 keeps going, 1 stops it (interrupt), 2 or more stops it without grace.
using StopCheck = std::function<int()>;

ChildResult RunChild(const ChildSpec& spec, const ReportHandler& on_report, const StopCheck& stop);

// "SIGKILL" for 9, etc.
std::string SignalName(int signal);

}  // namespace hyperscout::cli
