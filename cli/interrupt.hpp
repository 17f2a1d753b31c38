// Ctrl-C handling for optimize: SIGINT, SIGTERM and SIGHUP only raise a counter that the runner polls,
// so running trials are stopped cleanly (their process groups terminated, the trials recorded FAIL with
// reason "interrupted"). A second signal skips the grace period.
#pragma once

namespace hyperscout::cli {

// Installs the handlers until the guard is destroyed.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
};

// Signals received since the guard was installed.
int InterruptLevel();
// The first signal's number (for the message), 0 when none.
int InterruptSignal();

}  // namespace hyperscout::cli
