// A thin layer over the SQLite C API: one connection with a per-connection cache of prepared
// statements, a RAII Query for binding/stepping a cached statement, and transactions that retry
// SQLITE_BUSY / SQLITE_LOCKED with jittered exponential backoff until a total timeout. Not thread
// safe: SqliteStorage guards its one Connection with a mutex.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>

#include "hyperscout/common/error.hpp"

namespace hyperscout::sqlite {

// SQLITE_BUSY or SQLITE_LOCKED: another connection holds a lock. Retried by Connection::Transaction
// and RetryOnBusy; it reaches the caller only as a StorageError once the lock timeout is exhausted.
class BusyError : public StorageError {
 public:
  using StorageError::StorageError;
};

class Connection;

// One use of a cached prepared statement: bind, step, read columns. Resets the statement when it goes
// out of scope so the next use starts clean and no read lock is held by a half-stepped statement.
class Query {
 public:
  Query(Connection& connection, sqlite3_stmt* statement) : connection_(connection), statement_(statement) {}
  ~Query();
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  // Parameters are 1-based, as in SQLite.
  Query& Bind(int index, int64_t value);
  Query& Bind(int index, double value);  // NaN is stored as NULL by SQLite
  Query& Bind(int index, std::string_view text);
  Query& Bind(int index, std::optional<double> value);
  Query& BindBlob(int index, std::string_view bytes);

  // Advances to the next row; false when the statement is done.
  bool Step();
  // Runs a statement that returns no rows.
  void Run();

  int64_t Int(int column) const;
  double Real(int column) const;  // NULL reads as NaN
  std::optional<double> OptionalReal(int column) const;
  std::string Text(int column) const;
  std::string Blob(int column) const;

 private:
  Connection& connection_;
  sqlite3_stmt* statement_;
};

enum class TransactionKind { kRead, kWrite };

class Connection {
 public:
  // Opens (creating when missing) the file. `display_name` is how messages name the database.
  // busy_timeout_seconds is SQLite's own wait inside one call; lock_timeout_seconds bounds the
  // retries around it.
  Connection(const std::string& path, std::string display_name, double busy_timeout_seconds,
             double lock_timeout_seconds);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A statement prepared once per connection and reused.
  Query Prepare(const std::string& sql);
  // Runs SQL without results (pragmas, BEGIN/COMMIT, migration scripts with several statements).
  void Exec(const std::string& sql);
  int64_t Changes() const;

  // Runs fn inside BEGIN IMMEDIATE (kWrite) or BEGIN (kRead) ... COMMIT. On SQLITE_BUSY/LOCKED anywhere
  // (BEGIN, a statement, COMMIT) the transaction is rolled back and fn runs again from the start, so fn
  // must build its result from scratch each time. Any other exception rolls back and propagates.
  template <typename Fn>
  auto Transaction(TransactionKind kind, Fn&& fn) -> std::invoke_result_t<Fn&> {
    return RetryOnBusy([&]() -> std::invoke_result_t<Fn&> {
      Prepare(kind == TransactionKind::kWrite ? "BEGIN IMMEDIATE" : "BEGIN").Run();
      try {
        if constexpr (std::is_void_v<std::invoke_result_t<Fn&>>) {
          fn();
          Prepare("COMMIT").Run();
        } else {
          auto result = fn();
          Prepare("COMMIT").Run();
          return result;
        }
      } catch (...) {
        RollbackQuietly();
        throw;
      }
    });
  }

  // Runs fn, retrying on BusyError with jittered exponential backoff until the lock timeout; then
  // throws StorageError saying the database stayed locked and what to do about it.
  template <typename Fn>
  auto RetryOnBusy(Fn&& fn) -> std::invoke_result_t<Fn&> {
    Backoff backoff(lock_timeout_seconds_);
    for (;;) {
      try {
        return fn();
      } catch (const BusyError& e) {
        if (!backoff.Wait()) ThrowLockTimeout(e.what());
      }
    }
  }

  // Throws BusyError for BUSY/LOCKED and StorageError for anything else other than SQLITE_OK/ROW/DONE.
  void Check(int rc, std::string_view context) const;
  [[noreturn]] void Fail(int rc, std::string_view context) const;

  const std::string& display_name() const { return display_name_; }

 private:
  class Backoff {
   public:
    explicit Backoff(double timeout_seconds);
    // Sleeps before the next attempt; false when the timeout is exhausted.
    bool Wait();

   private:
    double timeout_seconds_;
    double started_;
    double delay_seconds_ = 0.001;
  };

  [[noreturn]] void ThrowLockTimeout(const std::string& last_error) const;
  void RollbackQuietly();

  sqlite3* db_ = nullptr;
  std::string display_name_;
  double lock_timeout_seconds_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace hyperscout::sqlite
