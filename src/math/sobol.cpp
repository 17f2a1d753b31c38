#include "math/sobol.hpp"

#include <fmt/format.h>

#include <bit>

#include "hyperscout/common/error.hpp"
#include "hyperscout/common/rng.hpp"

namespace hyperscout::math {
namespace {

constexpr double kTwoToMinus32 = 1.0 / 4294967296.0;

// Direction numbers v_1 .. v_32 of one dimension as 32-bit binary fractions, v_k = m_k / 2^k.
// Beyond the initial m_1 .. m_s they follow the recurrence of Bratley and Fox (ACM TOMS 14 (1988) 88-100,
// eq. (2) of Joe and Kuo 2008 written for v):
//   v_k = a_1 v_(k-1) ^ a_2 v_(k-2) ^ ... ^ a_(s-1) v_(k-s+1) ^ v_(k-s) ^ (v_(k-s) >> s).
void FillDirections(int dimension, uint32_t* v) {
  if (dimension == 0) {
    // The first coordinate is the van der Corput sequence: every m_k = 1.
    for (int k = 0; k < kSobolBits; ++k) v[k] = uint32_t{1} << (kSobolBits - 1 - k);
    return;
  }
  const SobolPolynomial& poly = kSobolPolynomials[dimension - 1];
  const int s = poly.degree;
  for (int k = 0; k < s && k < kSobolBits; ++k) v[k] = static_cast<uint32_t>(poly.m[k]) << (kSobolBits - 1 - k);
  for (int k = s; k < kSobolBits; ++k) {
    uint32_t value = v[k - s] ^ (v[k - s] >> s);
    for (int i = 1; i < s; ++i) {
      if ((poly.coefficients >> (s - 1 - i)) & 1U) value ^= v[k - i];
    }
    v[k] = value;
  }
}

// Multiplies each direction number by a random nonsingular lower-triangular matrix over GF(2): output digit r
// (r = 1 the most significant) is input digit r plus a random combination of the more significant digits
// 1 .. r-1 (Matousek 1998, section 3; Owen 2003, "linear matrix scramble"). Such a matrix maps every
// elementary interval of a digit-prefix onto another one, which is why the net property survives.
void LinearMatrixScramble(Rng& rng, uint32_t* v) {
  uint32_t rows[kSobolBits];
  for (int r = 0; r < kSobolBits; ++r) {
    const int position = kSobolBits - 1 - r;  // bit holding digit r + 1
    const uint64_t above = ~((uint64_t{1} << (position + 1)) - 1) & 0xFFFFFFFFULL;
    rows[r] = static_cast<uint32_t>((rng.NextU64() & above) | (uint64_t{1} << position));
  }
  for (int k = 0; k < kSobolBits; ++k) {
    uint32_t scrambled = 0;
    for (int r = 0; r < kSobolBits; ++r) {
      if (std::popcount(rows[r] & v[k]) & 1) scrambled |= uint32_t{1} << (kSobolBits - 1 - r);
    }
    v[k] = scrambled;
  }
}

}  // namespace

SobolSequence::SobolSequence(int dimensions, std::optional<uint64_t> scramble_seed)
    : dimensions_(dimensions),
      direction_(static_cast<size_t>(dimensions > 0 ? dimensions : 0) * kSobolBits),
      shift_(static_cast<size_t>(dimensions > 0 ? dimensions : 0), 0) {
  if (dimensions < 1 || dimensions > kSobolMaxDimensions) {
    throw InvalidArgumentError(
        fmt::format("Sobol sequence: dimensions ({}) must be in [1, {}]", dimensions, kSobolMaxDimensions));
  }
  for (int j = 0; j < dimensions; ++j) {
    uint32_t* v = direction_.data() + static_cast<size_t>(j) * kSobolBits;
    FillDirections(j, v);
    if (scramble_seed) {
      // One stream per dimension, so a dimension's scramble does not depend on how many dimensions exist.
      Rng rng(MixSeed(MixSeed(*scramble_seed, StableHash("sobol-scramble")), static_cast<uint64_t>(j)));
      LinearMatrixScramble(rng, v);
      shift_[static_cast<size_t>(j)] = static_cast<uint32_t>(rng.NextU64() >> 32);
    }
  }
}

std::vector<uint32_t> SobolSequence::PointBits(uint64_t index) const {
  const uint32_t i = static_cast<uint32_t>(index);
  const uint32_t gray = i ^ (i >> 1);
  std::vector<uint32_t> out(shift_);
  for (int k = 0; k < kSobolBits; ++k) {
    if (((gray >> k) & 1U) == 0) continue;
    for (int j = 0; j < dimensions_; ++j)
      out[static_cast<size_t>(j)] ^= direction_[static_cast<size_t>(j) * kSobolBits + k];
  }
  return out;
}

std::vector<double> SobolSequence::Point(uint64_t index) const {
  const std::vector<uint32_t> bits = PointBits(index);
  std::vector<double> out(bits.size());
  for (size_t j = 0; j < bits.size(); ++j) out[j] = static_cast<double>(bits[j]) * kTwoToMinus32;
  return out;
}

}  // namespace hyperscout::math
