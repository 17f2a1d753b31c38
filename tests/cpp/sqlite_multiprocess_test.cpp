// Eight processes share one new SQLite file: every trial lands exactly once, numbers stay gapless,
// and no worker ever sees "database is locked".
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "hyperscout/storage/sqlite_storage.hpp"

#ifndef HYPERSCOUT_STORAGE_WORKER
#error "HYPERSCOUT_STORAGE_WORKER must name the hyperscout_storage_worker executable"
#endif

namespace hyperscout {
namespace {

namespace fs = std::filesystem;

// Starts the worker with stderr redirected to `stderr_path`; returns its pid.
pid_t StartWorker(const std::vector<std::string>& args, const std::string& stderr_path) {
  std::vector<char*> argv;
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (err < 0) return -1;
  const pid_t pid = fork();
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    dup2(err, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(err);
  return pid;
}

std::string Lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

TEST(SqliteMultiProcess, EightWorkersOnOneNewFile) {
  const fs::path dir = fs::temp_directory_path() / ("hyperscout-multiprocess-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string db = (dir / "shared.db").string();
  constexpr int kWorkers = 8;
  constexpr int kTrialsEach = 50;

  std::vector<pid_t> pids;
  for (int w = 0; w < kWorkers; ++w) {
    const pid_t pid = StartWorker(
        {HYPERSCOUT_STORAGE_WORKER, "sqlite:///" + db, "shared", std::to_string(kTrialsEach), std::to_string(100 + w)},
        (dir / ("worker-" + std::to_string(w) + ".err")).string());
    ASSERT_GT(pid, 0) << "could not start worker " << w;
    pids.push_back(pid);
  }
  for (int w = 0; w < kWorkers; ++w) {
    int status = 0;
    ASSERT_EQ(waitpid(pids[w], &status, 0), pids[w]);
    const std::ifstream in(dir / ("worker-" + std::to_string(w) + ".err"));
    const std::string err((std::istreambuf_iterator<char>(in.rdbuf())), std::istreambuf_iterator<char>());
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "worker " << w << " status " << status << ": " << err;
    EXPECT_EQ(Lowercase(err).find("locked"), std::string::npos) << "worker " << w << ": " << err;
  }

  SqliteStorage storage(db);
  const auto studies = storage.GetAllStudies();
  ASSERT_EQ(studies.size(), 1u);
  const auto trials = GetAllTrials(storage, studies[0].id);
  ASSERT_EQ(trials.size(), static_cast<size_t>(kWorkers * kTrialsEach));
  std::set<int64_t> numbers;
  for (const auto& trial : trials) {
    numbers.insert(trial.number);
    EXPECT_EQ(trial.state, TrialState::kComplete) << trial.number;
    EXPECT_EQ(trial.params.size(), 3u) << trial.number;
  }
  EXPECT_EQ(numbers.size(), static_cast<size_t>(kWorkers * kTrialsEach));
  EXPECT_EQ(*numbers.begin(), 0);
  EXPECT_EQ(*numbers.rbegin(), kWorkers * kTrialsEach - 1);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hyperscout
