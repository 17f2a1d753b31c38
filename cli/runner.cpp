#include "cli/runner.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <set>
#include <thread>

#include "hyperscout/common/error.hpp"

extern char** environ;

namespace hyperscout::cli {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Longest stdout line kept; a child that never prints a newline cannot grow our memory without bound.
constexpr size_t kMaxLineBytes = 1 << 20;
// How long a child's leftovers (grandchildren holding its pipes) may keep the trial open after it exited.
constexpr double kLingerSeconds = 1.0;
constexpr int kPollMillis = 50;

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  void Reset(int fd) {
    Close();
    fd_ = fd;
  }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int get() const { return fd_; }

 private:
  int fd_ = -1;
};

void MakePipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw Error(fmt::format("cannot create a pipe for the trial ({}); raise the open-file limit (ulimit -n)",
                            std::strerror(errno)));
  }
  read_end.Reset(fds[0]);
  write_end.Reset(fds[1]);
}

std::vector<std::string> MergedEnvironment(const std::vector<std::string>& extra) {
  std::set<std::string> overridden;
  for (const auto& entry : extra) overridden.insert(entry.substr(0, entry.find('=')));
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry(*e);
    if (overridden.count(entry.substr(0, entry.find('='))) == 0) out.push_back(entry);
  }
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

// Splits what arrives on stdout into lines and hands each complete one to `on_line`.
class LineReader {
 public:
  template <class F>
  void Feed(const char* data, size_t size, F&& on_line) {
    buffer_.append(data, size);
    size_t start = 0;
    while (true) {
      const size_t newline = buffer_.find('\n', start);
      if (newline == std::string::npos) break;
      on_line(buffer_.substr(start, newline - start));
      start = newline + 1;
    }
    buffer_.erase(0, start);
    if (buffer_.size() > kMaxLineBytes) {
      on_line(buffer_);
      buffer_.clear();
    }
  }
  template <class F>
  void Finish(F&& on_line) {
    if (!buffer_.empty()) on_line(buffer_);
    buffer_.clear();
  }

 private:
  std::string buffer_;
};

}  // namespace

std::string SignalName(int signal) {
  switch (signal) {
    case SIGHUP:
      return "SIGHUP";
    case SIGINT:
      return "SIGINT";
    case SIGQUIT:
      return "SIGQUIT";
    case SIGILL:
      return "SIGILL";
    case SIGABRT:
      return "SIGABRT";
    case SIGBUS:
      return "SIGBUS";
    case SIGFPE:
      return "SIGFPE";
    case SIGKILL:
      return "SIGKILL";
    case SIGSEGV:
      return "SIGSEGV";
    case SIGPIPE:
      return "SIGPIPE";
    case SIGTERM:
      return "SIGTERM";
    default:
      return fmt::format("signal {}", signal);
  }
}

ChildResult RunChild(const ChildSpec& spec, const ReportHandler& on_report, const StopCheck& stop) {
  // Everything the child needs is built before fork: allocating after fork in a threaded process can deadlock.
  std::vector<std::string> env = MergedEnvironment(spec.extra_env);
  std::vector<char*> argv_ptrs;
  for (const auto& arg : spec.argv) argv_ptrs.push_back(const_cast<char*>(arg.c_str()));
  argv_ptrs.push_back(nullptr);
  std::vector<char*> env_ptrs;
  for (const auto& entry : env) env_ptrs.push_back(const_cast<char*>(entry.c_str()));
  env_ptrs.push_back(nullptr);

  // O_CLOEXEC on every pipe: with --jobs, a sibling trial's child must not inherit our write ends, or
  // our stdout would never reach EOF.
  Fd out_read, out_write, err_read, err_write, exec_read, exec_write;
  MakePipe(out_read, out_write);
  MakePipe(err_read, err_write);
  MakePipe(exec_read, exec_write);
  Fd dev_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (dev_null.get() < 0) throw Error(fmt::format("cannot open /dev/null ({})", std::strerror(errno)));

  const pid_t pid = ::fork();
  if (pid < 0) throw Error(fmt::format("cannot start the trial's command: fork failed ({})", std::strerror(errno)));
  if (pid == 0) {
    // Child: only async-signal-safe calls from here to execve.
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP}) ::sigaction(s, &default_action, nullptr);
    ::dup2(dev_null.get(), STDIN_FILENO);
    ::dup2(out_write.get(), STDOUT_FILENO);
    ::dup2(err_write.get(), STDERR_FILENO);
    ::execve(spec.executable.c_str(), argv_ptrs.data(), env_ptrs.data());
    const int error = errno;
    [[maybe_unused]] const auto written = ::write(exec_write.get(), &error, sizeof(error));
    ::_exit(127);
  }
  // Also set the group from the parent, so a kill(-pid) right after fork cannot miss the child.
  ::setpgid(pid, pid);
  out_write.Close();
  err_write.Close();
  exec_write.Close();
  dev_null.Close();

  ChildResult result;
  int exec_errno = 0;
  ssize_t got = 0;
  do {
    got = ::read(exec_read.get(), &exec_errno, sizeof(exec_errno));
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof(exec_errno))) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.end = ChildEnd::kStartFailed;
    result.start_error = std::strerror(exec_errno);
    return result;
  }

  const auto started = Clock::now();
  bool exited = false;
  int status = 0;
  Clock::time_point exited_at;
  bool stopping = false;
  std::exception_ptr callback_error;  // rethrown once the child is stopped, so no process outlives an error
  LineReader lines;
  const auto handle_line = [&](const std::string& line) {
    if (stopping) return;
    if (const auto report = ParseReportLine(line)) {
      try {
        if (on_report && on_report(*report)) {
          stopping = true;
          result.end = ChildEnd::kPruned;
        }
      } catch (...) {
        callback_error = std::current_exception();
        stopping = true;
      }
      return;
    }
    if (line.find_first_not_of(" \t\r") != std::string::npos) result.last_line = line;
  };
  const auto stop_group = [&](double grace) {
    ::kill(-pid, SIGTERM);
    const auto deadline = Clock::now() + std::chrono::duration<double>(grace);
    while (!exited && Clock::now() < deadline) {
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        exited = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // SIGKILL the group even when the leader left: its descendants may have ignored SIGTERM.
    ::kill(-pid, SIGKILL);
    if (!exited) ::waitpid(pid, &status, 0);
    exited = true;
  };

  char chunk[65536];
  while (true) {
    if (stopping) {
      stop_group(callback_error ? 0.0 : spec.grace);
      if (callback_error) std::rethrow_exception(callback_error);
      return result;
    }
    if (!exited && ::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      exited_at = Clock::now();
    }
    const bool open = out_read.get() >= 0 || err_read.get() >= 0;
    if (exited && !open) break;
    if (exited && SecondsSince(exited_at) > kLingerSeconds) {
      ::kill(-pid, SIGKILL);
      break;
    }
    if (const int level = stop ? stop() : 0; level > 0) {
      result.end = ChildEnd::kInterrupted;
      stop_group(level >= 2 ? 0.0 : spec.grace);
      return result;
    }
    if (spec.timeout && SecondsSince(started) >= *spec.timeout) {
      result.end = ChildEnd::kTimedOut;
      stop_group(spec.grace);
      return result;
    }
    if (!open) {
      std::this_thread::sleep_for(std::chrono::milliseconds(kPollMillis));
      continue;
    }
    pollfd fds[2];
    nfds_t count = 0;
    if (out_read.get() >= 0) fds[count++] = {out_read.get(), POLLIN, 0};
    if (err_read.get() >= 0) fds[count++] = {err_read.get(), POLLIN, 0};
    const int ready = ::poll(fds, count, kPollMillis);
    if (ready <= 0) continue;  // timeout or EINTR: re-check stop and timeout
    for (nfds_t i = 0; i < count; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const bool is_out = fds[i].fd == out_read.get();
      const ssize_t n = ::read(fds[i].fd, chunk, sizeof(chunk));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (is_out) {
          lines.Finish(handle_line);
          out_read.Close();
        } else {
          err_read.Close();
        }
        continue;
      }
      if (is_out) {
        lines.Feed(chunk, static_cast<size_t>(n), handle_line);
      } else {
        result.stderr_tail.append(chunk, static_cast<size_t>(n));
        if (result.stderr_tail.size() > kStderrTailBytes) {
          result.stderr_tail.erase(0, result.stderr_tail.size() - kStderrTailBytes);
        }
      }
    }
  }
  if (callback_error) std::rethrow_exception(callback_error);
  if (stopping) return result;  // pruned by the last lines it printed before exiting
  if (WIFEXITED(status)) {
    result.end = ChildEnd::kExited;
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.end = ChildEnd::kSignaled;
    result.signal = WTERMSIG(status);
  }
  return result;
}

}  // namespace hyperscout::cli
