#include "cli/protocol.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "hyperscout/common/error.hpp"

namespace hyperscout::cli {
namespace {

std::string Trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

bool IsExecutableFile(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::optional<double> JsonNumber(const Json& json) {
  if (!json.is_number()) return std::nullopt;
  return json.get<double>();
}

// A JSON array of numbers; nullopt for anything else.
std::optional<std::vector<double>> JsonNumbers(const Json& json) {
  if (!json.is_array()) return std::nullopt;
  std::vector<double> out;
  for (const auto& item : json) {
    const auto value = JsonNumber(item);
    if (!value) return std::nullopt;
    out.push_back(*value);
  }
  return out;
}

}  // namespace

ArgTemplate ArgTemplate::Parse(const std::string& arg, const Space& space) {
  const auto error = [&arg](const std::string& why) {
    return InvalidArgumentError(
        fmt::format("command argument '{}': {}; write {{{{ and }}}} for literal braces", arg, why));
  };
  ArgTemplate out;
  std::string literal;
  for (size_t i = 0; i < arg.size(); ++i) {
    const char c = arg[i];
    if (c == '{' && i + 1 < arg.size() && arg[i + 1] == '{') {
      literal += '{';
      ++i;
    } else if (c == '}' && i + 1 < arg.size() && arg[i + 1] == '}') {
      literal += '}';
      ++i;
    } else if (c == '{') {
      const size_t close = arg.find('}', i + 1);
      if (close == std::string::npos) throw error("'{' without a closing '}'");
      const std::string name = arg.substr(i + 1, close - i - 1);
      if (space.Find(name) == nullptr) {
        std::vector<std::string> names;
        for (const auto& p : space.params()) names.push_back(p.name);
        throw InvalidArgumentError(fmt::format(
            "command argument '{}': {{{}}} is not a parameter of the space (parameters: {}); fix the name, declare "
            "it, or write {{{{ and }}}} for literal braces",
            arg, name, names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
      }
      if (!literal.empty()) out.pieces_.push_back({false, std::move(literal)});
      literal.clear();
      out.pieces_.push_back({true, name});
      i = close;
    } else if (c == '}') {
      throw error("'}' without an opening '{'");
    } else {
      literal += c;
    }
  }
  if (!literal.empty()) out.pieces_.push_back({false, std::move(literal)});
  return out;
}

std::string ArgTemplate::Expand(const std::map<std::string, ParamValue>& active) const {
  std::string out;
  for (const auto& piece : pieces_) {
    if (!piece.is_param) {
      out += piece.text;
    } else if (const auto it = active.find(piece.text); it != active.end()) {
      out += ParamValueToString(it->second);
    }
  }
  return out;
}

std::vector<ArgTemplate> ParseArgTemplates(const std::vector<std::string>& args, const Space& space) {
  std::vector<ArgTemplate> out;
  out.reserve(args.size());
  for (const auto& arg : args) out.push_back(ArgTemplate::Parse(arg, space));
  return out;
}

std::vector<std::string> ExpandArgs(const std::vector<ArgTemplate>& templates,
                                    const std::map<std::string, ParamValue>& active) {
  std::vector<std::string> out;
  out.reserve(templates.size());
  for (const auto& t : templates) out.push_back(t.Expand(active));
  return out;
}

std::optional<Report> ParseReportLine(const std::string& line) {
  const std::string text = Trim(line);
  if (text.empty() || text.front() != '{') return std::nullopt;
  const Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("step") || !json.contains("value")) return std::nullopt;
  const Json& step = json.at("step");
  const auto value = JsonNumber(json.at("value"));
  if (!step.is_number_integer() || !value) return std::nullopt;
  return Report{step.get<int64_t>(), *value};
}

ParsedResult ParseResultLine(const std::string& line) {
  const std::string text = Trim(line);
  ParsedResult out;
  if (text.empty()) {
    out.error = "the objective printed nothing on stdout";
    return out;
  }
  // Plain numbers, including nan and inf, which JSON cannot spell.
  errno = 0;
  char* end = nullptr;
  const double number = std::strtod(text.c_str(), &end);
  if (end == text.c_str() + text.size() && errno != ERANGE) {
    out.values = std::vector<double>{number};
    return out;
  }
  const Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::optional<std::vector<double>> values;
  if (json.is_object() && json.contains("value") && !json.contains("step")) {
    if (const auto value = JsonNumber(json.at("value"))) values = std::vector<double>{*value};
  } else if (json.is_object() && json.contains("values")) {
    values = JsonNumbers(json.at("values"));
    if (values && values->empty()) values.reset();
  }
  if (values) {
    if (json.contains("constraints")) {
      out.constraints = JsonNumbers(json.at("constraints"));
      if (!out.constraints) {
        out.error = fmt::format(
            "the result's \"constraints\" is {}; print a list of numbers, e.g. {{\"value\": 0.25, \"constraints\": "
            "[0.1, -2]}} (feasible when every value is <= 0)",
            json.at("constraints").dump());
        return out;
      }
    }
    out.values = std::move(values);
    return out;
  }
  std::string shown = text.size() > 200 ? text.substr(0, 200) + "..." : text;
  out.error = fmt::format(
      "no parsable result: the last stdout line was '{}'; print a number, {{\"value\": x}} or {{\"values\": [x, y]}} "
      "as the last line",
      shown);
  return out;
}

std::string ResolveExecutable(const std::string& command) {
  if (command.empty()) throw InvalidArgumentError("the command is empty; put it after --, e.g. -- python3 train.py");
  if (command.find('/') != std::string::npos) {
    if (IsExecutableFile(command)) return command;
    throw InvalidArgumentError(
        fmt::format("command '{}' is not an executable file; check the path and its execute permission", command));
  }
  const char* path_env = std::getenv("PATH");
  const std::string path = path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= path.size()) {
    size_t end_pos = path.find(':', start);
    if (end_pos == std::string::npos) end_pos = path.size();
    std::string candidate = path.substr(start, end_pos - start);
    if (candidate.empty()) candidate = ".";
    candidate += '/';
    candidate += command;
    if (IsExecutableFile(candidate)) return candidate;
    start = end_pos + 1;
  }
  throw InvalidArgumentError(
      fmt::format("command '{}' was not found in PATH; install it, fix the name, or give its path", command));
}

}  // namespace hyperscout::cli
