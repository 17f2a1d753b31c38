// Opening a SQLite file as a hyperscout database: refuse paths and files that are not ours without
// touching them, set the connection's pragmas, and bring the schema up to date with the numbered
// migrations embedded from src/storage/sql/migrations.
#pragma once

#include <string>

#include "storage/sqlite/connection.hpp"

namespace hyperscout::sqlite {

// The database clock as seconds since the Unix epoch (with millisecond resolution). Every time the
// backend stores comes from this one expression, so all workers agree on "now".
inline constexpr const char* kNowSql = "((julianday('now') - 2440587.5) * 86400.0)";

// The highest schema version this build knows (the last embedded migration).
int LatestSchemaVersion();

// Throws StorageError when `path` cannot be or does not hold a SQLite database: a missing directory,
// a directory, or a file whose first bytes are not the SQLite header. Reads at most 16 bytes.
void CheckDatabasePath(const std::string& path, const std::string& display_name);

// WAL, synchronous=NORMAL, foreign keys; then applies pending migrations in one BEGIN IMMEDIATE
// transaction, so processes racing to open a new file apply each migration exactly once. Refuses
// (without writing) a SQLite file that has other tables but no hyperscout schema, and a database
// written by a newer hyperscout.
void PrepareDatabase(Connection& connection);

}  // namespace hyperscout::sqlite
