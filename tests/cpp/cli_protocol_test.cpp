#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "cli/output.hpp"
#include "cli/protocol.hpp"
#include "cli/runner.hpp"
#include "hyperscout/common/error.hpp"

namespace hyperscout::cli {
namespace {

Space TwoParams() {
  return Space::Build({{"lr", FloatDistribution{0.0, 1.0, false, std::nullopt}, {}},
                       {"opt", CategoricalDistribution{{std::string("adam"), std::string("sgd")}}, {}}},
                      "test");
}

TEST(CliProtocol, ArgTemplatesExpandAndEscape) {
  const Space space = TwoParams();
  const auto templates = ParseArgTemplates({"--lr={lr}", "{opt}", "{{lr}}", "a}}b", "{lr}{opt}"}, space);
  const std::map<std::string, ParamValue> active = {{"lr", 0.5}, {"opt", std::string("a b;c")}};
  EXPECT_EQ(ExpandArgs(templates, active), (std::vector<std::string>{"--lr=0.5", "a b;c", "{lr}", "a}b", "0.5a b;c"}));
  // An inactive parameter expands to nothing.
  EXPECT_EQ(ExpandArgs(templates, {{"lr", 0.5}})[1], "");
  EXPECT_THROW(ArgTemplate::Parse("{momentum}", space), InvalidArgumentError);
  EXPECT_THROW(ArgTemplate::Parse("{lr", space), InvalidArgumentError);
  EXPECT_THROW(ArgTemplate::Parse("lr}", space), InvalidArgumentError);
}

TEST(CliProtocol, ResultLines) {
  EXPECT_EQ(*ParseResultLine(" 0.25 ").values, std::vector<double>{0.25});
  EXPECT_EQ(*ParseResultLine("{\"value\": -3}").values, std::vector<double>{-3.0});
  EXPECT_EQ(*ParseResultLine("{\"values\": [1, 2.5]}").values, (std::vector<double>{1.0, 2.5}));
  EXPECT_TRUE(std::isnan(ParseResultLine("nan").values->at(0)));
  EXPECT_FALSE(ParseResultLine("loss=0.3").values);
  EXPECT_FALSE(ParseResultLine("{\"values\": [1, \"x\"]}").values);
  EXPECT_FALSE(ParseResultLine("{\"values\": []}").values);
  EXPECT_NE(ParseResultLine("").error.find("nothing"), std::string::npos);
  EXPECT_FALSE(ParseResultLine("0.25").constraints);
}

TEST(CliProtocol, ResultLinesWithConstraints) {
  const ParsedResult one = ParseResultLine(R"({"value": 0.5, "constraints": [0.25, -2]})");
  EXPECT_EQ(*one.values, std::vector<double>{0.5});
  EXPECT_EQ(*one.constraints, (std::vector<double>{0.25, -2.0}));
  const ParsedResult two = ParseResultLine(R"({"values": [1, 2], "constraints": [0]})");
  EXPECT_EQ(*two.values, (std::vector<double>{1.0, 2.0}));
  EXPECT_EQ(*two.constraints, std::vector<double>{0.0});
  EXPECT_FALSE(ParseResultLine(R"({"value": 0.5})").constraints);
  // Parsed, not judged: an empty list reaches CheckConstraintValues, which the caller runs.
  EXPECT_TRUE(ParseResultLine(R"({"value": 0.5, "constraints": []})").constraints->empty());
  // Anything but a list of numbers is no result, and the message shows the field and the form that works.
  for (const char* line : {R"({"value": 0.5, "constraints": 0.3})", R"({"value": 0.5, "constraints": [0.1, "x"]})",
                           R"({"value": 0.5, "constraints": null})"}) {
    const ParsedResult bad = ParseResultLine(line);
    EXPECT_FALSE(bad.values) << line;
    EXPECT_NE(bad.error.find("the result's \"constraints\" is "), std::string::npos) << bad.error;
    EXPECT_NE(bad.error.find("print a list of numbers"), std::string::npos) << bad.error;
  }
}

TEST(CliProtocol, ReportLines) {
  const auto report = ParseReportLine("{\"step\": 3, \"value\": 0.5}");
  ASSERT_TRUE(report);
  EXPECT_EQ(report->step, 3);
  EXPECT_EQ(report->value, 0.5);
  EXPECT_FALSE(ParseReportLine("{\"step\": 1.5, \"value\": 0.5}"));
  EXPECT_FALSE(ParseReportLine("{\"value\": 0.5}"));
  EXPECT_FALSE(ParseReportLine("0.5"));
}

TEST(CliProtocol, CsvQuoting) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvRow({"1", "x,y"}), "1,\"x,y\"\n");
}

TEST(CliRunner, ReadsReportsAndResultAndStderr) {
  ChildSpec spec;
  spec.executable = ResolveExecutable("sh");
  spec.argv = {"sh", "-c",
               "echo '{\"step\": 0, \"value\": 4}'; echo '{\"step\": 1, \"value\": 2}'; echo oops >&2; echo 0.75; "
               "echo; echo \"$HS_TEST\""};
  spec.extra_env = {"HS_TEST="};
  std::vector<int64_t> steps;
  const ChildResult result = RunChild(
      spec,
      [&](const Report& r) {
        steps.push_back(r.step);
        return false;
      },
      [] { return 0; });
  EXPECT_EQ(result.end, ChildEnd::kExited);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(steps, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(result.last_line, "0.75");
  EXPECT_EQ(result.stderr_tail, "oops\n");
}

TEST(CliRunner, PruneStopsTheChild) {
  ChildSpec spec;
  spec.executable = ResolveExecutable("sh");
  spec.argv = {"sh", "-c", "echo '{\"step\": 0, \"value\": 1}'; sleep 30; echo 1"};
  spec.grace = 0.2;
  const ChildResult result = RunChild(
      spec, [](const Report&) { return true; }, [] { return 0; });
  EXPECT_EQ(result.end, ChildEnd::kPruned);
}

TEST(CliRunner, ExitStatusAndMissingCommand) {
  ChildSpec spec;
  spec.executable = ResolveExecutable("sh");
  spec.argv = {"sh", "-c", "exit 3"};
  const ChildResult result = RunChild(spec, nullptr, nullptr);
  EXPECT_EQ(result.end, ChildEnd::kExited);
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THROW(ResolveExecutable("surely-not-a-command-hyperscout"), InvalidArgumentError);
}

}  // namespace
}  // namespace hyperscout::cli
