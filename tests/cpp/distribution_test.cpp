#include "hyperscout/core/distribution.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "hyperscout/common/error.hpp"
#include "hyperscout/common/rng.hpp"
#include "math/transform.hpp"

namespace hyperscout {

TEST(Distribution, ValidationRejectsImpossibleRanges) {
  EXPECT_THROW(Validated(FloatDistribution{1.0, 0.0}), InvalidArgumentError);
  EXPECT_THROW(Validated(FloatDistribution{0.0, 1.0, true}), InvalidArgumentError);
  EXPECT_THROW(Validated(FloatDistribution{0.1, 1.0, true, 0.1}), InvalidArgumentError);
  EXPECT_THROW(Validated(FloatDistribution{0.0, 1.0, false, -0.5}), InvalidArgumentError);
  EXPECT_THROW(Validated(IntDistribution{5, 1}), InvalidArgumentError);
  EXPECT_THROW(Validated(IntDistribution{0, 10, true}), InvalidArgumentError);
  EXPECT_THROW(Validated(IntDistribution{0, 10, false, 0}), InvalidArgumentError);
  EXPECT_THROW(Validated(CategoricalDistribution{}), InvalidArgumentError);
  EXPECT_THROW(Validated(CategoricalDistribution{{std::string("a"), std::string("a")}}), InvalidArgumentError);
  // Ranges the unit-interval transforms cannot carry: a float width beyond the largest double, int bounds a double
  // does not hold exactly (up to 2^63 - 1 these once crashed the GP and gave random search one value only).
  EXPECT_THROW(Validated(FloatDistribution{-1e308, 1e308}), InvalidArgumentError);
  EXPECT_THROW(Validated(IntDistribution{0, std::numeric_limits<int64_t>::max()}), InvalidArgumentError);
  EXPECT_THROW(Validated(IntDistribution{std::numeric_limits<int64_t>::min(), 0}), InvalidArgumentError);
  EXPECT_THROW(Validated(IntDistribution{0, (int64_t{1} << 53) + 1}), InvalidArgumentError);
  EXPECT_NO_THROW(Validated(IntDistribution{-(int64_t{1} << 53), int64_t{1} << 53}));
  EXPECT_NO_THROW(Validated(FloatDistribution{-1e307, 1e307}));
}

TEST(Distribution, ErrorMessageNamesBothBounds) {
  try {
    Validated(FloatDistribution{0.1, 0.01});
    FAIL() << "expected InvalidArgumentError";
  } catch (const InvalidArgumentError& e) {
    EXPECT_EQ(std::string(e.what()), "low (0.1) must be <= high (0.01)");
  }
}

TEST(Distribution, StepSnapsHighOntoGrid) {
  const auto f = std::get<FloatDistribution>(Validated(FloatDistribution{0.0, 1.0, false, 0.3}));
  EXPECT_NEAR(f.high, 0.9, 1e-12);
  const auto i = std::get<IntDistribution>(Validated(IntDistribution{1, 10, false, 4}));
  EXPECT_EQ(i.high, 9);
  EXPECT_EQ(Cardinality(i), 3);
}

TEST(Distribution, JsonRoundTripEveryKind) {
  const std::vector<Distribution> all = {
      FloatDistribution{-1.5, 2.5},
      FloatDistribution{1e-5, 1e-1, true},
      FloatDistribution{0.0, 1.0, false, 0.25},
      IntDistribution{-3, 7},
      IntDistribution{1, 1024, true},
      IntDistribution{0, 100, false, 5},
      CategoricalDistribution{{std::string("adam"), std::string("sgd")}},
      CategoricalDistribution{{int64_t{1}, 2.5, true, std::string("x")}},
  };
  for (const auto& d : all) {
    const Json j = DistributionToJson(d);
    const Distribution back = DistributionFromJson(Json::parse(j.dump()));
    EXPECT_EQ(back, d) << j.dump();
  }
}

TEST(Distribution, MalformedJsonIsInvalidArgument) {
  EXPECT_THROW(DistributionFromJson(Json{{"type", "float"}}), InvalidArgumentError);
  EXPECT_THROW(DistributionFromJson(Json{{"type", "gaussian"}}), InvalidArgumentError);
  EXPECT_THROW(DistributionFromJson(Json::parse("[1,2]")), InvalidArgumentError);
}

TEST(Distribution, InternalExternalRoundTrip) {
  const CategoricalDistribution c{{std::string("a"), int64_t{3}, 0.5, false}};
  for (size_t i = 0; i < c.choices.size(); ++i) {
    EXPECT_EQ(ToInternal(c, c.choices[i]), static_cast<double>(i));
    EXPECT_EQ(ToExternal(c, static_cast<double>(i)), c.choices[i]);
  }
  EXPECT_THROW(ToInternal(c, std::string("zzz")), InvalidArgumentError);
  EXPECT_EQ(std::get<int64_t>(ToExternal(IntDistribution{0, 10}, 7.0)), 7);
  EXPECT_THROW(ToInternal(IntDistribution{0, 10, false, 2}, int64_t{3}), InvalidArgumentError);
  EXPECT_THROW(ToInternal(FloatDistribution{0.0, 1.0}, 1.5), InvalidArgumentError);
}

TEST(Distribution, FromUnitStaysInsideEveryKind) {
  const std::vector<Distribution> all = {
      FloatDistribution{-1.5, 2.5},
      FloatDistribution{1e-5, 1e-1, true},
      FloatDistribution{0.0, 1.0, false, 0.25},
      IntDistribution{-3, 7},
      IntDistribution{1, 1024, true},
      IntDistribution{0, 100, false, 5},
      IntDistribution{-(int64_t{1} << 53), int64_t{1} << 53},
      IntDistribution{(int64_t{1} << 53) - 10, int64_t{1} << 53},
      FloatDistribution{-1e307, 1e307},
      CategoricalDistribution{{true, false}},
      FloatDistribution{2.0, 2.0},
  };
  Rng rng(5);
  for (const auto& d : all) {
    for (double u : {0.0, 1.0, 0.5, 1e-12, 1.0 - 1e-12}) EXPECT_TRUE(Contains(d, math::FromUnit(d, u))) << u;
    for (int i = 0; i < 1000; ++i) {
      const double x = math::FromUnit(d, rng.Uniform());
      ASSERT_TRUE(Contains(d, x)) << DistributionToJson(d).dump() << " " << x;
      const double u = math::ToUnit(d, x);
      EXPECT_GE(u, -1e-9);
      EXPECT_LE(u, 1.0 + 1e-9);
    }
  }
}

TEST(Distribution, LogIntReachesBothEnds) {
  const IntDistribution d{1, 8, true};
  Rng rng(9);
  bool low = false;
  bool high = false;
  for (int i = 0; i < 2000; ++i) {
    const double x = math::FromUnit(d, rng.Uniform());
    low |= x == 1.0;
    high |= x == 8.0;
  }
  EXPECT_TRUE(low);
  EXPECT_TRUE(high);
}

}  // namespace hyperscout
