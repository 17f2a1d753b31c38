#include "cli/progress.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "cli/common.hpp"
#include "cli/output.hpp"
#include "hyperscout/core/study.hpp"

namespace hyperscout::cli {

std::string ParamsText(const FrozenTrial& trial) {
  Json params = Json::object();
  for (const auto& [name, value] : trial.ExternalParams()) params[name] = ParamValueToJson(value);
  return params.dump();
}

Progress::Progress(bool terminal, std::optional<int64_t> total, std::vector<StudyDirection> directions,
                   std::optional<double> best)
    : terminal_(terminal), total_(total), directions_(std::move(directions)), best_(best) {}

Progress::~Progress() {
  Stop();
}

void Progress::Start() {
  started_ = std::chrono::steady_clock::now();
  if (!terminal_) return;
  std::lock_guard lock(mutex_);
  DrawLocked();
  ticker_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stop_) {
      wake_.wait_for(lock, std::chrono::seconds(1));
      if (!stop_) DrawLocked();
    }
  });
}

std::string Progress::ElapsedText() const {
  const auto seconds =
      static_cast<int64_t>(std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
  return fmt::format("{}:{:02d}:{:02d}", seconds / 3600, (seconds / 60) % 60, seconds % 60);
}

void Progress::DrawLocked() {
  if (!terminal_ || stop_) return;
  std::string bar;
  if (total_ && *total_ > 0) {
    constexpr int64_t kWidth = 24;
    const int64_t filled = std::min(kWidth, finished_ * kWidth / *total_);
    bar = fmt::format("[{}{}] {}/{}", std::string(static_cast<size_t>(filled), '#'),
                      std::string(static_cast<size_t>(kWidth - filled), '.'), finished_, *total_);
  } else {
    bar = fmt::format("{} trials", finished_);
  }
  std::string best = best_ ? fmt::format("  best {}", ShortNumber(*best_)) : "";
  std::fprintf(stderr, "\r\033[K%s  (%lld complete, %lld pruned, %lld fail)%s  %s", bar.c_str(),
               static_cast<long long>(complete_), static_cast<long long>(pruned_), static_cast<long long>(failed_),
               best.c_str(), ElapsedText().c_str());
  std::fflush(stderr);
  bar_visible_ = true;
}

void Progress::Line(const std::string& text) {
  std::lock_guard lock(mutex_);
  if (bar_visible_) std::fputs("\r\033[K", stderr);
  std::fprintf(stderr, "%s\n", text.c_str());
  bar_visible_ = false;
  DrawLocked();
}

void Progress::TrialFinished(const FrozenTrial& trial) {
  std::string line;
  {
    std::lock_guard lock(mutex_);
    ++finished_;
    switch (trial.state) {
      case TrialState::kComplete:
        ++complete_;
        if (directions_.size() == 1 && trial.values.size() == 1 && IsFeasible(trial)) {
          const bool minimize = directions_[0] == StudyDirection::kMinimize;
          if (!best_ || (minimize ? trial.values[0] < *best_ : trial.values[0] > *best_)) best_ = trial.values[0];
        }
        break;
      case TrialState::kPruned:
        ++pruned_;
        break;
      default:
        ++failed_;
        break;
    }
  }
  if (trial.state == TrialState::kFail) {
    const auto reason = trial.system_attrs.find("fail_reason");
    const std::string why = reason == trial.system_attrs.end() ? "unknown"
                            : reason->second.is_string()       ? reason->second.get<std::string>()
                                                               : reason->second.dump();
    Line(fmt::format("trial {} FAIL reason={} params={}", trial.number, why, ParamsText(trial)));
    return;
  }
  if (terminal_) {
    std::lock_guard lock(mutex_);
    DrawLocked();
    return;
  }
  if (trial.state == TrialState::kComplete) {
    std::vector<std::string> values;
    for (double v : trial.values) values.push_back(FormatValue(v));
    line = fmt::format("trial {} COMPLETE {}={} params={}", trial.number, values.size() == 1 ? "value" : "values",
                       fmt::join(values, ","), ParamsText(trial));
  } else {
    const auto step = trial.LastStep();
    line = fmt::format("trial {} PRUNED{} params={}", trial.number, step ? fmt::format(" at step {}", *step) : "",
                       ParamsText(trial));
  }
  Line(line);
}

void Progress::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stop_) return;
    stop_ = true;
    if (bar_visible_) {
      // Leave the final state of the bar on screen.
      std::fputs("\n", stderr);
      bar_visible_ = false;
    }
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

}  // namespace hyperscout::cli
