// The command-line objective protocol (DESIGN.md §5): how a trial's argv is built from `{name}`
// placeholders, and how the child's stdout lines are read (intermediate reports and the final result).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/space_file.hpp"
#include "hyperscout/core/distribution.hpp"

namespace hyperscout::cli {

// One command-line argument with `{name}` placeholders; `{{` and `}}` are literal braces.
class ArgTemplate {
 public:
  // Throws InvalidArgumentError for an unmatched brace or a name the space does not declare.
  static ArgTemplate Parse(const std::string& arg, const Space& space);
  // An inactive (conditional) parameter expands to the empty string.
  std::string Expand(const std::map<std::string, ParamValue>& active) const;

 private:
  struct Piece {
    bool is_param = false;
    std::string text;  // literal text, or the parameter name
  };
  std::vector<Piece> pieces_;
};

std::vector<ArgTemplate> ParseArgTemplates(const std::vector<std::string>& args, const Space& space);
std::vector<std::string> ExpandArgs(const std::vector<ArgTemplate>& templates,
                                    const std::map<std::string, ParamValue>& active);

// `{"step": n, "value": x}` on one line; nullopt when the line is not an intermediate report.
struct Report {
  int64_t step = 0;
  double value = 0.0;
};
std::optional<Report> ParseReportLine(const std::string& line);

// The final line: a number, {"value": x} or {"values": [x, ...]}, the JSON forms optionally with
// "constraints": [c, ...] (feasible when every c <= 0). Either `values` is set, or `error` says why the line is
// not a result. NaN is returned as a value (the caller turns it into FAIL); the constraints are parsed, not
// checked (CheckConstraintValues).
struct ParsedResult {
  std::optional<std::vector<double>> values;
  std::optional<std::vector<double>> constraints;
  std::string error;
};
ParsedResult ParseResultLine(const std::string& line);

// Resolves COMMAND the way execvp would (a name with a slash is used as is, otherwise each PATH entry is
// tried) and returns the executable's path. Throws InvalidArgumentError when nothing executable is found.
std::string ResolveExecutable(const std::string& command);

}  // namespace hyperscout::cli
