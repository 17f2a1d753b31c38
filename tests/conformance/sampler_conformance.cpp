// Sampler conformance: every sampler in the registry must pass these, so a sampler added to the registry is
// tested without touching this file. A sampler that needs options gets them from RequiredOptions; variants that
// change a sampler's algorithm (e.g. "cmaes+lr_adapt") run the suite again with VariantOptions.
#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <stdexcept>

#include "hyperscout/common/error.hpp"
#include "hyperscout/core/study.hpp"
#include "hyperscout/registry.hpp"
#include "hyperscout/storage/memory_storage.hpp"

namespace hyperscout {
namespace {

// Options for samplers that cannot be made from defaults alone. The grid lists values valid for every
// parameter the objectives below suggest (and enough points that no test exhausts it).
Json RequiredOptions(const std::string& sampler) {
  if (sampler == "grid") {
    return {{"search_space",
             {{"f", {-2.0, 0.5, 3.0}},
              {"flog", {1e-4, 0.01, 1.0}},
              {"fstep", {0.0, 0.25, 1.0}},
              {"i", {-3, 0, 7}},
              {"ilog", {1, 64}},
              {"istep", {0, 20}},
              {"cs", {"a", "c"}},
              {"ci", {-1, 5}},
              {"cf", {0.5, 2.5}},
              {"cb", {true, false}},
              {"sf", {2.0}},
              {"si", {4}},
              {"sc", {"only"}},
              {"branch", {"left", "right"}},
              {"left_lr", {1e-3, 1e-1}},
              {"right_depth", {2, 8}},
              {"right_deeper", {0.5}},
              {"x", {0.0, 0.5, 1.0}},
              {"y", {0.0, 1.0}}}}};
  }
  return Json::object();
}

// Variants run as "<sampler>+<variant>": the sampler with these options on top of its required ones.
const std::map<std::string, Json>& VariantOptions() {
  static const std::map<std::string, Json> variants = {
      {"cmaes+lr_adapt", {{"lr_adapt", true}}},
  };
  return variants;
}

std::shared_ptr<Sampler> MakeVariant(const std::string& param, uint64_t seed) {
  const std::string name = param.substr(0, param.find('+'));
  Json options = RequiredOptions(name);
  if (const auto it = VariantOptions().find(param); it != VariantOptions().end()) options.update(it->second);
  return MakeSampler(name, seed, options);
}

struct ParamCase {
  std::string name;
  Distribution distribution;
};

std::vector<ParamCase> EveryKind() {
  return {
      {"f", FloatDistribution{-2.0, 3.0, false, std::nullopt}},
      {"flog", FloatDistribution{1e-4, 1.0, true, std::nullopt}},
      {"fstep", FloatDistribution{0.0, 1.0, false, 0.25}},
      {"i", IntDistribution{-3, 7, false, 1}},
      {"ilog", IntDistribution{1, 64, true, 1}},
      {"istep", IntDistribution{0, 20, false, 5}},
      {"cs", CategoricalDistribution{{std::string("a"), std::string("b"), std::string("c")}}},
      {"ci", CategoricalDistribution{{int64_t{-1}, int64_t{0}, int64_t{5}}}},
      {"cf", CategoricalDistribution{{0.5, 1.5, 2.5}}},
      {"cb", CategoricalDistribution{{true, false}}},
      {"sf", FloatDistribution{2.0, 2.0, false, std::nullopt}},
      {"si", IntDistribution{4, 4, false, 1}},
      {"sc", CategoricalDistribution{{std::string("only")}}},
  };
}

// The external type a distribution's values must have: double, int64 or the choices' own type.
bool HasExternalType(const Distribution& distribution, const ParamValue& value) {
  if (std::holds_alternative<FloatDistribution>(distribution)) return std::holds_alternative<double>(value);
  if (std::holds_alternative<IntDistribution>(distribution)) return std::holds_alternative<int64_t>(value);
  for (const auto& choice : std::get<CategoricalDistribution>(distribution).choices) {
    if (choice == value) return true;
  }
  return false;
}

struct DeliberateFailure : std::runtime_error {
  DeliberateFailure() : std::runtime_error("deliberate failure") {}
};

class SamplerConformance : public ::testing::TestWithParam<std::string> {
 protected:
  std::shared_ptr<Sampler> Make(uint64_t seed = 17) const { return MakeVariant(GetParam(), seed); }

  std::unique_ptr<Study> NewStudy(std::vector<StudyDirection> directions = {StudyDirection::kMinimize},
                                  uint64_t seed = 17) const {
    StudyOptions options;
    options.study_name = "conformance";
    options.storage = std::make_shared<MemoryStorage>();
    options.sampler = Make(seed);
    options.directions = std::move(directions);
    return Study::Create(options);
  }

  // Suggests every kind, checks each returned value, and returns a value that depends on all of them.
  static double EveryKindObjective(Trial& trial) {
    double sum = 0.0;
    for (const auto& param : EveryKind()) {
      const ParamValue value = trial.Suggest(param.name, param.distribution);
      EXPECT_TRUE(HasExternalType(param.distribution, value))
          << param.name << " = " << ParamValueToString(value) << " has the wrong type";
      EXPECT_TRUE(Contains(param.distribution, ToInternal(param.distribution, value)))
          << param.name << " = " << ParamValueToString(value) << " is outside its distribution";
      if (!std::holds_alternative<std::string>(value)) sum += ParamValueAsDouble(value);
    }
    return sum;
  }

  // Checks what storage kept: every parameter contained in its distribution.
  static void ExpectStoredParamsValid(const Study& study) {
    for (const auto& trial : study.Trials()) {
      for (const auto& [name, internal] : trial.params) {
        EXPECT_TRUE(Contains(trial.distributions.at(name), internal))
            << "trial " << trial.number << " param " << name << " internal " << internal;
      }
    }
  }
};

TEST_P(SamplerConformance, EveryDistributionKindGivesContainedValuesWithMixedHistory) {
  auto study = NewStudy();
  study->Optimize(
      [](Trial& trial) {
        const double value = EveryKindObjective(trial);
        if (trial.number() % 5 == 3) throw DeliberateFailure();
        if (trial.number() % 7 == 4) {
          trial.Report(0, value);
          throw TrialPruned();
        }
        return value;
      },
      {.n_trials = 40, .catch_exceptions = true});
  const auto trials = study->Trials();
  ASSERT_EQ(trials.size(), 40u);
  std::map<TrialState, int> states;
  for (const auto& t : trials) {
    ++states[t.state];
    if (t.state == TrialState::kFail) {
      // Only the deliberate failures may fail; a sampler error inside Suggest would show up here.
      EXPECT_EQ(t.system_attrs.at("fail_reason"), "deliberate failure") << "trial " << t.number;
    }
    EXPECT_EQ(t.params.size(), EveryKind().size()) << "trial " << t.number;
  }
  EXPECT_EQ(states[TrialState::kFail], 8);
  EXPECT_GT(states[TrialState::kPruned], 0);
  EXPECT_GT(states[TrialState::kComplete], 0);
  ExpectStoredParamsValid(*study);
}

TEST_P(SamplerConformance, ConditionalSpaceRuns) {
  auto study = NewStudy();
  study->Optimize(
      [](Trial& trial) {
        const std::string branch = trial.SuggestCategorical("branch", std::vector<std::string>{"left", "right"});
        if (branch == "left") return trial.SuggestFloat("left_lr", 1e-5, 1.0, true);
        const int64_t depth = trial.SuggestInt("right_depth", 1, 10);
        if (depth > 4) return static_cast<double>(depth) + trial.SuggestFloat("right_deeper", 0.0, 1.0);
        return static_cast<double>(depth);
      },
      {.n_trials = 30});
  const auto trials = study->Trials();
  ASSERT_EQ(trials.size(), 30u);
  for (const auto& t : trials) {
    EXPECT_EQ(t.state, TrialState::kComplete);
    const bool left = std::get<std::string>(t.Param("branch")) == "left";
    EXPECT_EQ(t.params.count("left_lr"), left ? 1u : 0u);
    EXPECT_EQ(t.params.count("right_depth"), left ? 0u : 1u);
  }
  ExpectStoredParamsValid(*study);
}

TEST_P(SamplerConformance, SameSeedGivesIdenticalSequentialTrials) {
  auto objective = [](Trial& trial) {
    const double x = trial.SuggestFloat("x", 0.0, 1.0);
    const int64_t i = trial.SuggestInt("i", -3, 7);
    const std::string c = trial.SuggestCategorical("cs", std::vector<std::string>{"a", "b", "c"});
    return (x - 0.3) * (x - 0.3) + static_cast<double>(i * i) + (c == "a" ? 0.0 : 1.0);
  };
  auto a = NewStudy({StudyDirection::kMinimize}, 5);
  auto b = NewStudy({StudyDirection::kMinimize}, 5);
  a->Optimize(objective, {.n_trials = 25});
  b->Optimize(objective, {.n_trials = 25});
  const auto ta = a->Trials();
  const auto tb = b->Trials();
  ASSERT_EQ(ta.size(), 25u);
  ASSERT_EQ(tb.size(), 25u);
  for (size_t k = 0; k < ta.size(); ++k) {
    EXPECT_EQ(ta[k].params, tb[k].params) << "trial " << k;
    EXPECT_EQ(ta[k].values, tb[k].values) << "trial " << k;
  }
}

TEST_P(SamplerConformance, TwoJobsRunTheRequestedNumberOfTrials) {
  auto study = NewStudy();
  study->Optimize(EveryKindObjective, {.n_trials = 24, .n_jobs = 2});
  const auto trials = study->Trials();
  EXPECT_EQ(trials.size(), 24u);
  for (const auto& t : trials) EXPECT_EQ(t.state, TrialState::kComplete) << "trial " << t.number;
  ExpectStoredParamsValid(*study);
}

TEST_P(SamplerConformance, TwoObjectiveStudyRuns) {
  auto study = NewStudy({StudyDirection::kMinimize, StudyDirection::kMaximize});
  study->Optimize(
      [](Trial& trial) {
        const double x = trial.SuggestFloat("x", 0.0, 1.0);
        const double y = trial.SuggestFloat("y", 0.0, 1.0);
        return std::vector<double>{x * x + y, (1.0 - x) * (1.0 - x) - y};
      },
      {.n_trials = 30});
  const auto trials = study->Trials();
  ASSERT_EQ(trials.size(), 30u);
  for (const auto& t : trials) {
    EXPECT_EQ(t.state, TrialState::kComplete);
    EXPECT_EQ(t.values.size(), 2u);
  }
  EXPECT_FALSE(study->BestTrials().empty());
  ExpectStoredParamsValid(*study);
}

TEST_P(SamplerConformance, EnqueuedTrialsKeepTheirValues) {
  auto study = NewStudy();
  const std::map<std::string, ParamValue> fixed = {
      {"f", 1.25}, {"i", int64_t{6}}, {"cs", std::string("b")}, {"cb", false}, {"ci", int64_t{0}}};
  study->Optimize(EveryKindObjective, {.n_trials = 5});
  study->EnqueueTrial(fixed);
  study->EnqueueTrial({{"flog", 0.5}});
  study->Optimize(EveryKindObjective, {.n_trials = 5});
  const auto trials = study->Trials();
  ASSERT_EQ(trials.size(), 10u);
  for (const auto& [name, value] : fixed) EXPECT_EQ(trials[5].Param(name), value) << name;
  EXPECT_EQ(trials[6].Param("flog"), ParamValue(0.5));
  ExpectStoredParamsValid(*study);
}

TEST_P(SamplerConformance, NeverThrowsWhenEveryTrialFails) {
  auto study = NewStudy();
  study->Optimize(
      [](Trial& trial) -> double {
        EveryKindObjective(trial);
        throw DeliberateFailure();
      },
      {.n_trials = 20, .catch_exceptions = true});
  const auto trials = study->Trials();
  ASSERT_EQ(trials.size(), 20u);
  for (const auto& t : trials) {
    EXPECT_EQ(t.state, TrialState::kFail);
    EXPECT_EQ(t.system_attrs.at("fail_reason"), "deliberate failure") << "trial " << t.number;
  }
  // Ask/Tell after an all-FAIL history works as well.
  Trial next = study->Ask();
  const double value = EveryKindObjective(next);
  EXPECT_EQ(study->Tell(next, value).state, TrialState::kComplete);
}

std::vector<std::string> RegisteredSamplers() {
  std::vector<std::string> names;
  for (const auto& spec : Samplers()) names.push_back(spec.name);
  for (const auto& [variant, options] : VariantOptions()) names.push_back(variant);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Registry, SamplerConformance, ::testing::ValuesIn(RegisteredSamplers()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace hyperscout
