#include "hyperscout/storage/url.hpp"

#include <fmt/format.h>

#include "hyperscout/common/error.hpp"

namespace hyperscout {

StorageUrl ParseStorageUrl(const std::string& url) {
  const auto bad = [&url](const std::string& why) {
    return InvalidArgumentError(
        fmt::format("storage URL '{}': {}; expected memory://, sqlite:///relative.db, sqlite:////absolute/path.db or "
                    "postgresql://user@host:port/db",
                    url, why));
  };
  const auto sep = url.find("://");
  if (sep == std::string::npos) throw bad("missing '://'");
  StorageUrl out{url.substr(0, sep), url.substr(sep + 3)};
  if (out.scheme == "memory") {
    if (!out.rest.empty()) throw bad("memory:// takes no path");
    return out;
  }
  if (out.scheme == "sqlite") {
    // sqlite:///x.db -> "x.db" (relative), sqlite:////abs/x.db -> "/abs/x.db".
    if (out.rest.empty() || out.rest[0] != '/') throw bad("a SQLite URL has three slashes before the path");
    out.rest = out.rest.substr(1);
    if (out.rest.empty()) throw bad("no database file named");
    return out;
  }
  if (out.scheme == "postgresql" || out.scheme == "postgres") {
    out.scheme = "postgresql";
    out.rest = url;
    return out;
  }
  throw bad(fmt::format("unknown scheme '{}'", out.scheme));
}

}  // namespace hyperscout
