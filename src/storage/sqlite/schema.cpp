#include "storage/sqlite/schema.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>
#include <vector>

namespace hyperscout::sqlite {
namespace {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Generated at build time by cmake/embed_sql_migrations.cmake, ordered by version.
constexpr Migration kMigrations[] = {
#include "hyperscout/sqlite_migrations.inc"
};

constexpr char kSqliteHeader[] = "SQLite format 3";  // plus the terminating NUL: 16 bytes

// What is in the file before we write anything.
struct Inspection {
  std::vector<std::string> tables;  // user tables, not sqlite_*
  bool ours = false;                // has schema_version
  int version = 0;                  // max(schema_version.version), 0 when none
};

// Runs inside the caller's transaction.
Inspection InspectLocked(Connection& connection) {
  Inspection out;
  {
    auto tables = connection.Prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
    while (tables.Step()) out.tables.push_back(tables.Text(0));
  }
  out.ours = std::find(out.tables.begin(), out.tables.end(), "schema_version") != out.tables.end();
  if (out.ours) {
    auto version = connection.Prepare("SELECT coalesce(max(version), 0) FROM schema_version");
    if (version.Step()) out.version = static_cast<int>(version.Int(0));
  }
  return out;
}

Inspection Inspect(Connection& connection) {
  return connection.Transaction(TransactionKind::kRead, [&] { return InspectLocked(connection); });
}

// Throws for a file we must not touch: someone else's SQLite database, or ours from a newer build.
void RefuseForeign(const Inspection& inspection, const std::string& display_name) {
  if (!inspection.ours && !inspection.tables.empty()) {
    throw StorageError(fmt::format(
        "'{}' is a SQLite database but not a hyperscout one (it has table(s) {}); point --storage at a hyperscout "
        "database or a new file",
        display_name, fmt::join(inspection.tables, ", ")));
  }
  if (inspection.version > LatestSchemaVersion()) {
    throw StorageError(fmt::format(
        "'{}' was written by a newer hyperscout (schema version {}, this build knows up to {}); upgrade hyperscout "
        "to open it",
        display_name, inspection.version, LatestSchemaVersion()));
  }
}

}  // namespace

int LatestSchemaVersion() {
  return std::size(kMigrations) == 0 ? 0 : kMigrations[std::size(kMigrations) - 1].version;
}

void CheckDatabasePath(const std::string& path, const std::string& display_name) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path file(path);
  const fs::path directory = file.parent_path();
  if (!directory.empty() && !fs::is_directory(directory, ec)) {
    const bool exists = fs::exists(directory, ec);
    throw StorageError(fmt::format("cannot create '{}': {} '{}' {}; create it or choose another --storage path",
                                   display_name, exists ? "path" : "directory", directory.string(),
                                   exists ? "is not a directory" : "does not exist"));
  }
  const auto status = fs::status(file, ec);
  if (!fs::exists(status)) return;  // SQLite creates it
  if (fs::is_directory(status)) {
    throw StorageError(
        fmt::format("'{}' is a directory; point --storage at a database file, e.g. sqlite:///{}/hyperscout.db",
                    display_name, display_name));
  }
  const auto size = fs::file_size(file, ec);
  if (ec || size == 0) return;  // empty: a new database (possibly being created by another process right now)
  char header[sizeof(kSqliteHeader)] = {};
  std::ifstream in(file, std::ios::binary);
  in.read(header, sizeof(header));
  if (!in || std::memcmp(header, kSqliteHeader, sizeof(kSqliteHeader)) != 0) {
    throw StorageError(
        fmt::format("'{}' is not a SQLite database (its first bytes are not the SQLite file header); point --storage "
                    "at a hyperscout database or a new file",
                    display_name));
  }
}

void PrepareDatabase(Connection& connection) {
  const std::string& name = connection.display_name();
  RefuseForeign(Inspect(connection), name);

  // Small pages: every commit appends each page it dirtied to the WAL, and a trial write dirties a handful
  // of pages for a few dozen bytes of data, so 1 KiB pages write a quarter of the bytes that 4 KiB pages do
  // (measured: half the system time per trial). Only takes effect when the file is new.
  connection.Exec("PRAGMA page_size = 1024");
  // Switching to WAL needs an exclusive lock for a moment, and SQLite does not call the busy handler
  // for it, so a busy result is retried here like any other.
  const std::string mode = connection.RetryOnBusy([&] {
    auto query = connection.Prepare("PRAGMA journal_mode = WAL");
    return query.Step() ? query.Text(0) : std::string();
  });
  if (mode != "wal") {
    throw StorageError(fmt::format(
        "'{}' could not be switched to write-ahead logging (journal mode stays '{}'); put the database on a local "
        "file system that supports shared memory",
        name, mode));
  }
  // NORMAL in WAL mode: a commit survives a process crash; an OS crash or power loss may roll back the
  // last commits but never corrupts the file (https://www.sqlite.org/pragma.html#pragma_synchronous).
  connection.Exec("PRAGMA synchronous = NORMAL");
  // Checkpoint at 4 MiB of WAL (4000 pages of 1 KiB), SQLite's default size in bytes: checkpoints, which
  // copy pages back and fsync, stay as rare as with the default page size.
  connection.Exec("PRAGMA wal_autocheckpoint = 4000");
  connection.Exec("PRAGMA foreign_keys = ON");

  if (Inspect(connection).version == LatestSchemaVersion()) return;  // the common case: no write lock needed
  connection.Transaction(TransactionKind::kWrite, [&] {
    // Look again under the write lock: another process may have migrated (or something else may have
    // written) since the read above.
    const Inspection now = InspectLocked(connection);
    RefuseForeign(now, name);
    connection.Exec(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at REAL NOT NULL)");
    for (const Migration& migration : kMigrations) {
      if (migration.version <= now.version) continue;
      try {
        connection.Exec(migration.sql);
      } catch (const BusyError&) {
        throw;
      } catch (const StorageError& e) {
        throw StorageError(fmt::format("migration {} failed: {}", migration.name, e.what()));
      }
      connection
          .Prepare(fmt::format("INSERT INTO schema_version (version, name, applied_at) VALUES (?1, ?2, {})", kNowSql))
          .Bind(1, static_cast<int64_t>(migration.version))
          .Bind(2, std::string_view(migration.name))
          .Run();
    }
  });
}

}  // namespace hyperscout::sqlite
