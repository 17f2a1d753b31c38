#include "cli/interrupt.hpp"

#include <signal.h>

#include <atomic>

namespace hyperscout::cli {
namespace {

std::atomic<int> g_level{0};
std::atomic<int> g_signal{0};
struct sigaction g_previous[3];
constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};

// Async-signal-safe: lock-free atomics only.
void OnSignal(int signal) {
  int expected = 0;
  g_signal.compare_exchange_strong(expected, signal);
  g_level.fetch_add(1);
}

}  // namespace

InterruptGuard::InterruptGuard() {
  g_level = 0;
  g_signal = 0;
  struct sigaction action {};
  action.sa_handler = &OnSignal;
  sigemptyset(&action.sa_mask);
  // SA_RESTART keeps storage I/O from seeing EINTR; poll() is never restarted, so the runner still wakes.
  action.sa_flags = SA_RESTART;
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &action, &g_previous[i]);
}

InterruptGuard::~InterruptGuard() {
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &g_previous[i], nullptr);
}

int InterruptLevel() {
  return g_level.load();
}

int InterruptSignal() {
  return g_signal.load();
}

}  // namespace hyperscout::cli
