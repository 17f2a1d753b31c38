// Portable random numbers. std::uniform_real_distribution and friends are implementation-defined,
// so a seeded study would give different trials with libstdc++ and libc++; this generator and its
// transforms are fully specified here, which makes seeds reproducible across platforms and front ends.
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>

namespace hyperscout {

// SplitMix64 step (Steele, Lea, Flood 2014); used to expand and combine seeds.
uint64_t SplitMix64(uint64_t& state);

// Combines seeds so that (a, b) and (b, a) differ and nearby inputs decorrelate.
uint64_t MixSeed(uint64_t a, uint64_t b);

// 64-bit FNV-1a of a string, stable across runs and platforms (std::hash is not).
uint64_t StableHash(std::string_view text);

// xoshiro256** 1.0 (Blackman and Vigna 2018).
class Rng {
 public:
  using result_type = uint64_t;

  explicit Rng(uint64_t seed = 0);

  static constexpr result_type min() { return 0; }  // NOLINT(readability-identifier-naming)
  static constexpr result_type max() { return std::numeric_limits<uint64_t>::max(); }  // NOLINT
  result_type operator()() { return NextU64(); }

  uint64_t NextU64();
  // Uniform in [0, 1) with 53 random bits.
  double Uniform();
  double Uniform(double low, double high) { return low + (high - low) * Uniform(); }
  // Uniform integer in [low, high], inclusive, without modulo bias.
  int64_t UniformInt(int64_t low, int64_t high);
  // Standard normal by the Marsaglia polar method.
  double Normal();

 private:
  uint64_t s_[4];
  bool has_spare_normal_ = false;
  double spare_normal_ = 0.0;
};

}  // namespace hyperscout
