// Reports an optimize run on stderr: a one-line bar redrawn in place when stderr is a terminal, plain
// log lines otherwise ("trial 3 COMPLETE value=0.12 params={...}"). A failed trial always gets its own
// line with the reason, in both modes.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "hyperscout/core/frozen_trial.hpp"

namespace hyperscout::cli {

class Progress {
 public:
  // `total`: trials this run will start (nullopt when only --timeout bounds it); `best`: the study's best
  // value before this run (single objective).
  Progress(bool terminal, std::optional<int64_t> total, std::vector<StudyDirection> directions,
           std::optional<double> best);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Start();
  void TrialFinished(const FrozenTrial& trial);
  // A line of its own (warnings, the summary), printed above the bar.
  void Line(const std::string& text);
  // Removes the bar; later output starts on a clean line.
  void Stop();

  int64_t finished() const { return finished_; }
  std::optional<double> best() const { return best_; }

 private:
  void DrawLocked();
  std::string ElapsedText() const;

  const bool terminal_;
  const std::optional<int64_t> total_;
  const std::vector<StudyDirection> directions_;
  std::optional<double> best_;
  int64_t finished_ = 0;
  int64_t complete_ = 0;
  int64_t pruned_ = 0;
  int64_t failed_ = 0;
  std::chrono::steady_clock::time_point started_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool bar_visible_ = false;
  std::thread ticker_;  // redraws the elapsed time once a second on a terminal
};

// {"lr": 0.01, "optimizer": "adam"} for logs.
std::string ParamsText(const FrozenTrial& trial);

}  // namespace hyperscout::cli
