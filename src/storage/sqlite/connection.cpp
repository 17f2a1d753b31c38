#include "storage/sqlite/connection.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <thread>

namespace hyperscout::sqlite {
namespace {

double SteadySeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

bool IsBusy(int rc) {
  const int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

// What the user can do about a failure, by primary result code.
const char* Hint(int rc) {
  switch (rc & 0xff) {
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return "check that the file and its directory are writable by this user";
    case SQLITE_FULL:
      return "free disk space and retry";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return "the file is damaged or not a hyperscout database; restore it from a backup or use a new file";
    case SQLITE_IOERR:
      return "the disk or file system reported an I/O error; check the disk and that the file is on a local "
             "file system (SQLite locking is unreliable on network file systems)";
    case SQLITE_CANTOPEN:
      return "check that the path names a file (not a directory) in an existing, writable directory";
    default:
      return "see the SQLite message above";
  }
}

}  // namespace

// ---- Query ----

Query::~Query() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

Query& Query::Bind(int index, int64_t value) {
  connection_.Check(sqlite3_bind_int64(statement_, index, value), "bind");
  return *this;
}

Query& Query::Bind(int index, double value) {
  connection_.Check(sqlite3_bind_double(statement_, index, value), "bind");
  return *this;
}

Query& Query::Bind(int index, std::string_view text) {
  connection_.Check(sqlite3_bind_text64(statement_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
                    "bind");
  return *this;
}

Query& Query::Bind(int index, std::optional<double> value) {
  if (value) return Bind(index, *value);
  connection_.Check(sqlite3_bind_null(statement_, index), "bind");
  return *this;
}

Query& Query::BindBlob(int index, std::string_view bytes) {
  connection_.Check(sqlite3_bind_blob64(statement_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT), "bind");
  return *this;
}

bool Query::Step() {
  const int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  connection_.Fail(rc, sqlite3_sql(statement_));
}

void Query::Run() {
  while (Step()) {
  }
}

int64_t Query::Int(int column) const {
  return sqlite3_column_int64(statement_, column);
}

double Query::Real(int column) const {
  if (sqlite3_column_type(statement_, column) == SQLITE_NULL) return std::numeric_limits<double>::quiet_NaN();
  return sqlite3_column_double(statement_, column);
}

std::optional<double> Query::OptionalReal(int column) const {
  if (sqlite3_column_type(statement_, column) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_double(statement_, column);
}

std::string Query::Text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
  if (text == nullptr) return {};
  return std::string(text, static_cast<size_t>(sqlite3_column_bytes(statement_, column)));
}

std::string Query::Blob(int column) const {
  const auto* bytes = static_cast<const char*>(sqlite3_column_blob(statement_, column));
  if (bytes == nullptr) return {};
  return std::string(bytes, static_cast<size_t>(sqlite3_column_bytes(statement_, column)));
}

// ---- Connection ----

Connection::Connection(const std::string& path, std::string display_name, double busy_timeout_seconds,
                       double lock_timeout_seconds)
    : display_name_(std::move(display_name)), lock_timeout_seconds_(lock_timeout_seconds) {
  // NOMUTEX: SqliteStorage serializes access to the connection itself.
  const int rc =
      sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw StorageError(fmt::format("cannot open '{}': {}; {}", display_name_, message, Hint(rc)));
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, static_cast<int>(std::lround(busy_timeout_seconds * 1000.0)));
}

Connection::~Connection() {
  for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
  sqlite3_close_v2(db_);
}

Query Connection::Prepare(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* statement = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                      &statement, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(statement);
      Fail(rc, sql);
    }
    it = statements_.emplace(sql, statement).first;
  }
  return Query(*this, it->second);
}

void Connection::Exec(const std::string& sql) {
  Check(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr), sql);
}

int64_t Connection::Changes() const {
  return sqlite3_changes64(db_);
}

void Connection::Check(int rc, std::string_view context) const {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return;
  Fail(rc, context);
}

void Connection::Fail(int rc, std::string_view context) const {
  // sqlite3_errmsg describes the most recent failure on this connection, which is this one.
  const std::string message = sqlite3_errmsg(db_);
  if (IsBusy(rc)) throw BusyError(message);
  std::string statement(context.substr(0, 80));
  std::replace(statement.begin(), statement.end(), '\n', ' ');
  throw StorageError(
      fmt::format("SQLite error on '{}': {} (while running: {}); {}", display_name_, message, statement, Hint(rc)));
}

void Connection::ThrowLockTimeout(const std::string& last_error) const {
  throw StorageError(fmt::format(
      "database '{}' stayed locked for {:g} s despite retries (last error: {}); another process holds a long "
      "write transaction on it: stop that process or raise the lock timeout (SqliteStorageOptions::"
      "lock_timeout_seconds)",
      display_name_, lock_timeout_seconds_, last_error));
}

void Connection::RollbackQuietly() {
  // A failed COMMIT, or an error inside the transaction, leaves it open; end it so the connection is
  // usable again. Errors here are ignored: the original exception is the one worth reporting.
  if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

Connection::Backoff::Backoff(double timeout_seconds) : timeout_seconds_(timeout_seconds), started_(SteadySeconds()) {}

bool Connection::Backoff::Wait() {
  const double remaining = timeout_seconds_ - (SteadySeconds() - started_);
  if (remaining <= 0.0) return false;
  // Full jitter (sleep uniformly in [d/2, d]) keeps workers that collided once from colliding again in
  // lockstep; the delay doubles up to 100 ms so a long wait costs few wake-ups.
  thread_local std::minstd_rand rng{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  const double sleep = std::min(remaining, delay_seconds_ * jitter(rng));
  std::this_thread::sleep_for(std::chrono::duration<double>(sleep));
  delay_seconds_ = std::min(0.1, delay_seconds_ * 2.0);
  return true;
}

}  // namespace hyperscout::sqlite
