// Storage URLs: memory://, sqlite:///relative.db, sqlite:////absolute/path.db,
// postgresql://user@host:port/db.
#pragma once

#include <string>

namespace hyperscout {

struct StorageUrl {
  std::string scheme;  // "memory", "sqlite", "postgresql"
  std::string rest;    // for sqlite: the file path; for postgresql: the whole URL; empty for memory
};

// Throws InvalidArgumentError with the accepted forms when the URL is malformed.
StorageUrl ParseStorageUrl(const std::string& url);

}  // namespace hyperscout
