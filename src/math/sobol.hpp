// Scrambled Sobol sequences (I. M. Sobol', "On the distribution of points in a cube and the approximate
// evaluation of integrals", USSR Comput. Math. Math. Phys. 7 (1967) 86-112) with the Joe-Kuo direction
// numbers (sobol_directions.cpp) and, optionally, a linear matrix scramble plus a digital shift
// (J. Matousek, "On the L2-discrepancy for anchored boxes", J. Complexity 14 (1998) 527-556; A. B. Owen,
// "Variance with alternative scramblings of digital nets", ACM TOMACS 13 (2003) 363-378). Both keep every
// 2^m-point block of the sequence a (t, m, s)-net, so the first 2^m points of any two dimensions fill every
// elementary interval of volume 2^-m the way the unscrambled sequence does, while the points become
// unbiased uniform samples that depend on the seed.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace hyperscout::math {

// Dimensions covered by the embedded direction-number table.
inline constexpr int kSobolMaxDimensions = 1024;
// Bits per coordinate: indices repeat after 2^32 points.
inline constexpr int kSobolBits = 32;
// Highest polynomial degree in the embedded table.
inline constexpr int kSobolMaxDegree = 13;

// One row of the Joe-Kuo table: a primitive polynomial x^s + a_1 x^(s-1) + ... + a_(s-1) x + 1 over GF(2)
// (a holds a_1 .. a_(s-1) as bits, a_1 the most significant) and the initial direction numbers m_1 .. m_s.
struct SobolPolynomial {
  uint16_t degree;
  uint16_t coefficients;
  uint16_t m[kSobolMaxDegree];
};

// Rows for dimensions 2 .. kSobolMaxDimensions (dimension 1 needs no polynomial).
extern const SobolPolynomial kSobolPolynomials[kSobolMaxDimensions - 1];

class SobolSequence {
 public:
  // `dimensions` in [1, kSobolMaxDimensions]. With a scramble seed the sequence is scrambled; each
  // dimension's scramble depends only on (seed, dimension index), so adding dimensions does not move the
  // coordinates of the existing ones. Throws InvalidArgumentError for an out-of-range dimension count.
  SobolSequence(int dimensions, std::optional<uint64_t> scramble_seed);

  // The point with this index (taken modulo 2^32) in Gray-code order (Antonov and Saleev, USSR Comput.
  // Math. Math. Phys. 19 (1979) 252-256), every coordinate in [0, 1). Gray-code order visits the same
  // 2^m-point blocks as natural order, so every aligned block of 2^m consecutive indices is a net.
  std::vector<double> Point(uint64_t index) const;
  // The same coordinates as 32-bit binary fractions (coordinate = bits / 2^32).
  std::vector<uint32_t> PointBits(uint64_t index) const;

  int dimensions() const { return dimensions_; }

 private:
  int dimensions_;
  // direction_[j * kSobolBits + k] is v_(k+1) of dimension j as a 32-bit fraction (scrambled when seeded).
  std::vector<uint32_t> direction_;
  std::vector<uint32_t> shift_;  // digital shift per dimension; zero when unscrambled
};

}  // namespace hyperscout::math
