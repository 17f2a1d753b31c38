#include <gtest/gtest.h>

#include <string>

#include "cli/space_file.hpp"
#include "hyperscout/common/error.hpp"

namespace hyperscout::cli {
namespace {

std::string ErrorOf(const std::string& toml) {
  try {
    ParseSpaceToml(toml, "space.toml");
  } catch (const InvalidArgumentError& e) {
    return e.what();
  }
  return "";
}

TEST(CliSpaceFile, ParsesAllTypesAndOrdersParentsFirst) {
  const Space space = ParseSpaceToml(R"(
[params.a_momentum]
type = "float"
low = 0.0
high = 0.99
condition = { optimizer = ["sgd", "rmsprop"] }

[params.optimizer]
type = "categorical"
choices = ["adam", "sgd", "rmsprop"]

[params.lr]
type = "float"
low = 1e-5
high = 0.1
log = true

[params.n]
type = "int"
low = 2
high = 11
step = 3

[params.flag]
type = "categorical"
choices = [true, 1, 2.5, "x"]
)",
                                     "space.toml");
  ASSERT_EQ(space.params().size(), 5u);
  std::vector<std::string> order;
  for (const auto& p : space.params()) order.push_back(p.name);
  // Ties by name, but a_momentum must wait for its parent.
  EXPECT_EQ(order, (std::vector<std::string>{"flag", "lr", "n", "optimizer", "a_momentum"}));
  const auto& lr = std::get<FloatDistribution>(space.Find("lr")->distribution);
  EXPECT_TRUE(lr.log);
  EXPECT_DOUBLE_EQ(lr.low, 1e-5);
  const auto& n = std::get<IntDistribution>(space.Find("n")->distribution);
  EXPECT_EQ(n.step, 3);
  EXPECT_EQ(n.high, 11);
  const auto& flag = std::get<CategoricalDistribution>(space.Find("flag")->distribution);
  EXPECT_EQ(flag.choices, (std::vector<ParamValue>{true, int64_t{1}, 2.5, std::string("x")}));
  const auto& condition = space.Find("a_momentum")->conditions.at(0);
  EXPECT_EQ(condition.parent, "optimizer");
  EXPECT_EQ(condition.values, (std::vector<ParamValue>{std::string("sgd"), std::string("rmsprop")}));
}

TEST(CliSpaceFile, ConditionActivity) {
  const Space space = ParseSpaceToml(R"(
[params.opt]
type = "categorical"
choices = ["adam", "sgd"]
[params.m]
type = "float"
low = 0
high = 1
condition = { opt = "sgd" }
[params.nesterov]
type = "categorical"
choices = [true, false]
condition = { m = 0.5 }
)",
                                     "s.toml");
  std::map<std::string, Distribution> distributions;
  for (const auto& p : space.params()) distributions[p.name] = p.distribution;
  const SpaceParam& m = *space.Find("m");
  const SpaceParam& nesterov = *space.Find("nesterov");
  EXPECT_TRUE(Space::IsActive(m, {{"opt", std::string("sgd")}}, distributions));
  EXPECT_FALSE(Space::IsActive(m, {{"opt", std::string("adam")}}, distributions));
  // A child of an inactive parent is inactive.
  EXPECT_FALSE(Space::IsActive(nesterov, {{"opt", std::string("adam")}}, distributions));
  EXPECT_TRUE(Space::IsActive(nesterov, {{"opt", std::string("sgd")}, {"m", 0.5}}, distributions));
}

TEST(CliSpaceFile, JsonRoundTrip) {
  const Space space = ParseSpaceToml(R"(
[params.opt]
type = "categorical"
choices = ["adam", "sgd"]
[params.m]
type = "float"
low = 0
high = 1
step = 0.25
condition = { opt = ["sgd"] }
)",
                                     "s.toml");
  EXPECT_EQ(Space::FromJson(space.ToJson()), space);
}

TEST(CliSpaceFile, ErrorsNameFileParameterAndFix) {
  EXPECT_EQ(ErrorOf("[params.lr]\ntype = \"float\"\nlow = 0.1\nhigh = 0.01\n"),
            "space.toml: params.lr: low (0.1) must be < high (0.01); swap them or widen the range");
  EXPECT_NE(ErrorOf("[params.x\n").find("space.toml:1:"), std::string::npos);
  EXPECT_NE(ErrorOf("[params.x]\ntype = \"double\"\n").find("params.x: unknown type 'double'"), std::string::npos);
  EXPECT_NE(ErrorOf("[params.x]\ntype = \"int\"\nlow = 0\nhigh = 2\nfoo = 1\n").find("unknown key 'foo'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[params.x]\ntype = \"float\"\nlow = 0\nhigh = 2\nlog = true\n").find("log = true needs low > 0"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[params.x]\ntype = \"categorical\"\nchoices = []\n").find("choices is empty"), std::string::npos);
  EXPECT_NE(ErrorOf("[params.x]\ntype = \"categorical\"\nchoices = [1, 1]\n").find("distinct"), std::string::npos);
  EXPECT_NE(ErrorOf("[params.x]\ntype = \"int\"\nlow = 0.5\nhigh = 2\n").find("must be an integer"), std::string::npos);
  EXPECT_NE(ErrorOf("[params.x]\ntype = \"float\"\nlow = 0\nhigh = 1\ncondition = { y = 1 }\n")
                .find("condition names 'y', which is not a parameter"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[params.a]\ntype = \"categorical\"\nchoices = [1]\ncondition = { a = 1 }\n").find("cycle"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[other]\nx = 1\n").find("unknown top-level key 'other'"), std::string::npos);
  EXPECT_NE(ErrorOf("").find("no parameters"), std::string::npos);
}

TEST(CliSpaceFile, ParamSpecs) {
  auto lr = ParseParamSpec("lr=float:1e-5:1e-1:log");
  EXPECT_EQ(lr.name, "lr");
  EXPECT_EQ(std::get<FloatDistribution>(lr.distribution), (FloatDistribution{1e-5, 1e-1, true, std::nullopt}));
  auto n = ParseParamSpec("n=int:1:9:step=2");
  EXPECT_EQ(std::get<IntDistribution>(n.distribution), (IntDistribution{1, 9, false, 2}));
  auto opt = ParseParamSpec("opt=cat:adam,sgd,3,true");
  EXPECT_EQ(std::get<CategoricalDistribution>(opt.distribution).choices,
            (std::vector<ParamValue>{std::string("adam"), std::string("sgd"), int64_t{3}, true}));
  EXPECT_THROW(ParseParamSpec("lr=float:1:0"), InvalidArgumentError);
  EXPECT_THROW(ParseParamSpec("lr"), InvalidArgumentError);
  EXPECT_THROW(ParseParamSpec("lr=double:0:1"), InvalidArgumentError);
  EXPECT_THROW(ParseParamSpec("n=int:0:1.5"), InvalidArgumentError);
  EXPECT_THROW(ParseParamSpec("x=float:0:1:cubic"), InvalidArgumentError);
}

}  // namespace
}  // namespace hyperscout::cli
