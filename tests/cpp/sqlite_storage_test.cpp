// SQLite-specific behaviour beyond the storage conformance suite: refusing files that are not ours
// without touching them, schema versions, pragmas, racing opens and lock handling.
#include "hyperscout/storage/sqlite_storage.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <thread>

#include "hyperscout/common/error.hpp"
#include "hyperscout/registry.hpp"
#include "hyperscout/samplers/random.hpp"

namespace hyperscout {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class SqliteStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ =
        fs::temp_directory_path() / ("hyperscout-sqlite-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A raw SQLite connection, for setting up and inspecting files behind the storage's back.
class Raw {
 public:
  explicit Raw(const std::string& path) { EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK); }
  ~Raw() { sqlite3_close(db_); }
  void Exec(const std::string& sql) {
    ASSERT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql;
  }
  std::string One(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr), SQLITE_OK) << sql;
    std::string out;
    if (sqlite3_step(statement) == SQLITE_ROW && sqlite3_column_text(statement, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    }
    sqlite3_finalize(statement);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

std::string ErrorOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const StorageError& e) {
    return e.what();
  }
  return "(no StorageError)";
}

TEST_F(SqliteStorageTest, MissingDirectoryNamesTheFix) {
  const std::string relative = "missing_dir_" + std::to_string(getpid()) + "/x.db";
  EXPECT_EQ(ErrorOf([&] { OpenStorage("sqlite:///" + relative); }),
            "cannot create '" + relative + "': directory 'missing_dir_" + std::to_string(getpid()) +
                "' does not exist; create it or choose another --storage path");
  EXPECT_FALSE(fs::exists("missing_dir_" + std::to_string(getpid())));
}

TEST_F(SqliteStorageTest, DirectoryIsRefused) {
  EXPECT_NE(ErrorOf([&] { SqliteStorage storage(dir_.string()); }).find("is a directory"), std::string::npos);
}

TEST_F(SqliteStorageTest, TextFileIsRefusedAndLeftUntouched) {
  const std::string path = Path("x.db");
  std::ofstream(path) << "name,value\nlr,0.1\n";
  const std::string before = ReadFile(path);
  const std::string message = ErrorOf([&] { SqliteStorage storage(path); });
  EXPECT_EQ(message, "'" + path +
                         "' is not a SQLite database (its first bytes are not the SQLite file header); point "
                         "--storage at a hyperscout database or a new file");
  EXPECT_EQ(ReadFile(path), before);
  EXPECT_FALSE(fs::exists(path + "-wal"));
  EXPECT_FALSE(fs::exists(path + "-shm"));
}

TEST_F(SqliteStorageTest, ForeignSqliteDatabaseIsRefusedAndLeftUntouched) {
  const std::string path = Path("other.db");
  {
    Raw raw(path);
    raw.Exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, 'ann')");
  }
  const std::string before = ReadFile(path);
  const std::string message = ErrorOf([&] { SqliteStorage storage(path); });
  EXPECT_NE(message.find("not a hyperscout one"), std::string::npos) << message;
  EXPECT_NE(message.find("users"), std::string::npos) << message;
  EXPECT_EQ(ReadFile(path), before);
  EXPECT_EQ(Raw(path).One("PRAGMA journal_mode"), "delete");
}

TEST_F(SqliteStorageTest, NewerSchemaVersionIsRefused) {
  const std::string path = Path("new.db");
  { SqliteStorage storage(path); }
  Raw(path).Exec("INSERT INTO schema_version (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)");
  const std::string message = ErrorOf([&] { SqliteStorage storage(path); });
  EXPECT_NE(message.find("written by a newer hyperscout"), std::string::npos) << message;
  EXPECT_NE(message.find("upgrade"), std::string::npos) << message;
}

TEST_F(SqliteStorageTest, NewFileGetsWalSchemaVersionAndIndexes) {
  const std::string path = Path("fresh.db");
  SqliteStorage storage(path);
  Raw raw(path);
  EXPECT_EQ(raw.One("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.One("PRAGMA page_size"), "1024");
  EXPECT_EQ(raw.One("SELECT count(*) FROM schema_version"), "1");
  EXPECT_EQ(raw.One("SELECT max(version) FROM schema_version"), "1");
  for (const char* index : {"trials_study_seq", "trials_study_state"}) {
    EXPECT_EQ(
        raw.One(std::string("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = '") + index + "'"), "1")
        << index;
  }
  // (study_id, number) is covered by the UNIQUE constraint's automatic index.
  EXPECT_EQ(raw.One("SELECT count(*) FROM pragma_index_list('trials') WHERE \"unique\" = 1"), "1");
}

TEST_F(SqliteStorageTest, ProcessesRacingToCreateAFileMigrateOnce) {
  const std::string path = Path("race.db");
  constexpr int kOpeners = 8;
  std::atomic<int> ready{0};
  std::vector<std::string> errors(kOpeners);
  std::vector<std::thread> threads;
  for (int t = 0; t < kOpeners; ++t) {
    threads.emplace_back([&, t] {
      ++ready;
      while (ready.load() < kOpeners) std::this_thread::yield();
      try {
        SqliteStorage storage(path);
        storage.CreateStudy("study-" + std::to_string(t), {StudyDirection::kMinimize});
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& error : errors) EXPECT_EQ(error, "");
  EXPECT_EQ(Raw(path).One("SELECT count(*) FROM schema_version"), "1");
  EXPECT_EQ(SqliteStorage(path).GetAllStudies().size(), static_cast<size_t>(kOpeners));
}

TEST_F(SqliteStorageTest, WriterWaitsOutAnotherProcesssLock) {
  const std::string path = Path("lock.db");
  SqliteStorage storage(path);
  Raw other(path);
  other.Exec("BEGIN IMMEDIATE");
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    other.Exec("COMMIT");
  });
  EXPECT_NO_THROW(storage.CreateStudy("s", {StudyDirection::kMinimize}));
  release.join();
  EXPECT_EQ(storage.GetAllStudies().size(), 1u);
}

TEST_F(SqliteStorageTest, LockHeldPastTheTimeoutIsAStorageError) {
  const std::string path = Path("held.db");
  SqliteStorage storage(path, {.lock_timeout_seconds = 0.3});
  Raw other(path);
  other.Exec("BEGIN IMMEDIATE");
  const std::string message = ErrorOf([&] { storage.CreateStudy("s", {StudyDirection::kMinimize}); });
  other.Exec("ROLLBACK");
  EXPECT_NE(message.find("stayed locked"), std::string::npos) << message;
  EXPECT_NE(message.find("lock timeout"), std::string::npos) << message;
  // Nothing half-done: the storage works once the lock is gone.
  EXPECT_NO_THROW(storage.CreateStudy("s", {StudyDirection::kMinimize}));
}

TEST_F(SqliteStorageTest, ReadersAndWritersDoNotBlockEachOther) {
  const std::string path = Path("wal.db");
  SqliteStorage storage(path, {.lock_timeout_seconds = 0.3});
  const int64_t study = storage.CreateStudy("s", {StudyDirection::kMinimize});
  Raw reader(path);
  reader.Exec("BEGIN");
  EXPECT_EQ(reader.One("SELECT count(*) FROM trials"), "0");  // holds a read snapshot
  EXPECT_NO_THROW(storage.CreateTrial(study));
  EXPECT_EQ(reader.One("SELECT count(*) FROM trials"), "0");  // the snapshot does not move
  reader.Exec("COMMIT");

  Raw writer(path);
  writer.Exec("BEGIN IMMEDIATE");
  EXPECT_EQ(storage.CountTrials(study, std::nullopt), 1);
  EXPECT_EQ(storage.GetTrialsChangedSince(study, 0).trials.size(), 1u);
  writer.Exec("ROLLBACK");
}

TEST_F(SqliteStorageTest, StudyRunsOnThreadsThroughTheRegistryUrl) {
  auto storage = OpenStorage("sqlite:///" + Path("study.db"));
  StudyOptions options;
  options.study_name = "s";
  options.storage = storage;
  options.sampler = std::make_shared<RandomSampler>(7);
  auto study = Study::Create(options);
  study->Optimize([](Trial& trial) { return trial.SuggestFloat("x", -1.0, 1.0); }, {.n_trials = 40, .n_jobs = 4});
  const auto trials = study->Trials();
  ASSERT_EQ(trials.size(), 40u);
  for (size_t i = 0; i < trials.size(); ++i) {
    EXPECT_EQ(trials[i].number, static_cast<int64_t>(i));
    EXPECT_EQ(trials[i].state, TrialState::kComplete);
  }
  // A second handle on the same file sees the same trials.
  EXPECT_EQ(GetAllTrials(*OpenStorage("sqlite:///" + Path("study.db")), study->id()), trials);
}

}  // namespace
}  // namespace hyperscout
