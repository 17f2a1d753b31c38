#include "math/sobol.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "hyperscout/common/error.hpp"

namespace hyperscout::math {
namespace {

// Whether points [first, first + 2^m) of dimensions (a, b) form a (0, m, 2)-net: every elementary interval
// [i 2^-k, (i+1) 2^-k) x [j 2^-(m-k), (j+1) 2^-(m-k)) holds exactly one point, for every k = 0..m.
bool IsZeroNet2d(const SobolSequence& sequence, uint64_t first, int m, int a, int b) {
  const uint64_t n = uint64_t{1} << m;
  for (int k = 0; k <= m; ++k) {
    std::vector<int> count(n, 0);
    for (uint64_t i = first; i < first + n; ++i) {
      const auto bits = sequence.PointBits(i);
      const uint64_t cell_a = k == 0 ? 0 : bits[static_cast<size_t>(a)] >> (32 - k);
      const uint64_t cell_b = m - k == 0 ? 0 : bits[static_cast<size_t>(b)] >> (32 - (m - k));
      ++count[(cell_a << (m - k)) | cell_b];
    }
    for (int c : count) {
      if (c != 1) return false;
    }
  }
  return true;
}

}  // namespace

TEST(Sobol, UnscrambledFirstPointsMatchTheKnownSequence) {
  // The first eight points of the three-dimensional Sobol sequence in Gray-code order, as published with
  // the Joe-Kuo direction numbers (and reproduced by e.g. scipy.stats.qmc.Sobol(3, scramble=False)).
  const double expected[8][3] = {{0, 0, 0},
                                 {0.5, 0.5, 0.5},
                                 {0.75, 0.25, 0.25},
                                 {0.25, 0.75, 0.75},
                                 {0.375, 0.375, 0.625},
                                 {0.875, 0.875, 0.125},
                                 {0.625, 0.125, 0.875},
                                 {0.125, 0.625, 0.375}};
  const SobolSequence sequence(3, std::nullopt);
  for (uint64_t i = 0; i < 8; ++i) {
    const auto point = sequence.Point(i);
    ASSERT_EQ(point.size(), 3u);
    for (size_t j = 0; j < 3; ++j) EXPECT_EQ(point[j], expected[i][j]) << "point " << i << " coordinate " << j;
  }
}

TEST(Sobol, FirstTwoDimensionsAreZeroNetsScrambledOrNot) {
  const SobolSequence plain(2, std::nullopt);
  const SobolSequence scrambled(2, uint64_t{2024});
  for (int m = 1; m <= 10; ++m) {
    EXPECT_TRUE(IsZeroNet2d(plain, 0, m, 0, 1)) << "m = " << m;
    EXPECT_TRUE(IsZeroNet2d(scrambled, 0, m, 0, 1)) << "m = " << m;
    // Any aligned block is a net too, which is what trial-number indexing relies on.
    EXPECT_TRUE(IsZeroNet2d(scrambled, uint64_t{3} << m, m, 0, 1)) << "m = " << m;
  }
}

TEST(Sobol, EveryDimensionOfTheTableStratifiesOneDimension) {
  // Each coordinate of a Sobol sequence alone is a (0, m, 1)-net: 2^m consecutive aligned points put one
  // point in each interval of length 2^-m. This exercises every row of the embedded table.
  const int m = 7;
  for (const auto& seed : {std::optional<uint64_t>{}, std::optional<uint64_t>{99}}) {
    const SobolSequence sequence(kSobolMaxDimensions, seed);
    std::vector<std::vector<int>> count(kSobolMaxDimensions, std::vector<int>(1u << m, 0));
    for (uint64_t i = 128; i < 128 + (1u << m); ++i) {
      const auto bits = sequence.PointBits(i);
      for (size_t j = 0; j < bits.size(); ++j) ++count[j][bits[j] >> (32 - m)];
    }
    for (size_t j = 0; j < count.size(); ++j) {
      for (int c : count[j]) ASSERT_EQ(c, 1) << "dimension " << j;
    }
  }
}

TEST(Sobol, ScrambleIsDeterministicPerSeedAndStablePerDimension) {
  const SobolSequence a(5, uint64_t{7});
  const SobolSequence b(5, uint64_t{7});
  const SobolSequence wider(12, uint64_t{7});
  const SobolSequence other(5, uint64_t{8});
  const SobolSequence plain(5, std::nullopt);
  int differ_seed = 0;
  int differ_plain = 0;
  for (uint64_t i = 0; i < 64; ++i) {
    const auto pa = a.Point(i);
    EXPECT_EQ(pa, b.Point(i));
    const auto pw = wider.Point(i);
    for (size_t j = 0; j < pa.size(); ++j) EXPECT_EQ(pa[j], pw[j]);
    if (pa != other.Point(i)) ++differ_seed;
    if (pa != plain.Point(i)) ++differ_plain;
    for (double x : pa) {
      EXPECT_GE(x, 0.0);
      EXPECT_LT(x, 1.0);
    }
  }
  EXPECT_EQ(differ_seed, 64);
  EXPECT_EQ(differ_plain, 64);
}

TEST(Sobol, RejectsDimensionCountsOutsideTheTable) {
  EXPECT_THROW(SobolSequence(0, std::nullopt), InvalidArgumentError);
  EXPECT_THROW(SobolSequence(kSobolMaxDimensions + 1, std::nullopt), InvalidArgumentError);
  EXPECT_NO_THROW(SobolSequence(kSobolMaxDimensions, std::nullopt));
}

}  // namespace hyperscout::math
