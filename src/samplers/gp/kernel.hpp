// The GP's covariance: Matérn-5/2 (or Matérn-3/2) with one length-scale per dimension (automatic relevance
// determination) over the unit cube, where a categorical dimension contributes a Hamming term, 1 when the choices
// differ and 0 when they match, divided by its own squared length-scale (the distance Optuna's GPSampler uses for
// categoricals).
//
//   r² = Σ_j δ_j(a, b)² / ℓ_j²,  δ_j = a_j − b_j (numerical) or [a_j ≠ b_j] (categorical)
//   Matérn-5/2: k(a, b) = s² (1 + √5 r + 5/3 r²) exp(−√5 r)  (Rasmussen and Williams 2006, eq. (4.17))
//   Matérn-3/2: k(a, b) = s² (1 + √3 r) exp(−√3 r)           (the same, ν = 3/2)
//
// Every derivative the model needs is a multiple of one factor g(r), because ∂k/∂(r²) = −g/2: g = s² 5/3 (1 + √5 r)
// exp(−√5 r) for Matérn-5/2 and g = 3 s² exp(−√3 r) for Matérn-3/2. That keeps all gradients free of a division by
// r (finite at r = 0). Matérn-5/2 models functions twice differentiable, Matérn-3/2 once: the rougher prior lets the
// model follow an objective that bends sharply (HEBO's GP uses Matérn-3/2).
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <vector>

namespace hyperscout::gp {

// The kernel's smoothness: Matérn-5/2 or Matérn-3/2 (above).
enum class Matern { k52, k32 };

// Points are the rows of a matrix; `categorical[j]` marks dimension j as categorical (values are choice indices).
// With `warp`, every numerical dimension passes through its own Kumaraswamy CDF before the distance (WarpInputs).
// `matern` picks the kernel.
struct KernelSpace {
  std::vector<char> categorical;
  bool warp = false;
  Matern matern = Matern::k52;
  int dims() const { return static_cast<int>(categorical.size()); }
  // Number of warped dimensions: the numerical ones when `warp` is set, else 0.
  int warped() const { return warp ? static_cast<int>(std::count(categorical.begin(), categorical.end(), 0)) : 0; }
};

// Input warping: each numerical coordinate u in [0, 1] becomes the Kumaraswamy CDF
//   w(u) = 1 − (1 − u^a)^b,  a, b > 0,
// a monotone map of [0, 1] onto itself that can stretch either end (a < 1 the low end, b < 1 the high end), so
// a stationary kernel on w(u) models a function that changes fast near one bound and slowly elsewhere (Snoek,
// Swersky, Zemel and Adams 2014, "Input warping for Bayesian optimization of non-stationary functions", ICML, with
// the Beta CDF; the Kumaraswamy CDF takes the same family of shapes and has a closed form). u is clipped to
// [kWarpEpsilon, 1 − kWarpEpsilon] first, where every derivative is finite. a = b = 1 is the identity on that interval.
inline constexpr double kWarpEpsilon = 1e-6;
// Warps the numerical columns of x with (log a, log b) pairs in order of those columns: log_ab has 2 entries per
// numerical dimension. Categorical columns are copied. With `dlog_a` and `dlog_b`, also dw/d log a and dw/d log b
// of every warped entry, one column per numerical dimension (n × warped), from the same evaluation.
void WarpInputs(const KernelSpace& space, const double* log_ab, const Eigen::MatrixXd& x, Eigen::MatrixXd& out,
                Eigen::MatrixXd* dlog_a = nullptr, Eigen::MatrixXd* dlog_b = nullptr);
// The same for one point, with dw/du per coordinate in `slope` (1 for categorical coordinates).
void WarpPoint(const KernelSpace& space, const double* log_ab, const Eigen::VectorXd& u, Eigen::VectorXd& out,
               Eigen::VectorXd& slope);
// One coordinate: w(u), and when the pointers are not null dw/du, dw/d log a and dw/d log b.
double Kumaraswamy(double u, double log_a, double log_b, double* du, double* dlog_a, double* dlog_b);

// Scaled squared distance r² between points a and b (each `dims` long) with inverse squared length-scales.
inline double ScaledSquaredDistance(const double* a, const double* b, const double* inverse_squared_lengthscales,
                                    const char* categorical, int dims) {
  double r2 = 0.0;
  for (int j = 0; j < dims; ++j) {
    const double delta = categorical[j] ? static_cast<double>(a[j] != b[j]) : a[j] - b[j];
    r2 += delta * delta * inverse_squared_lengthscales[j];
  }
  return r2;
}

// k as a function of r², for signal variance s2.
double MaternKernel(Matern matern, double r2, double s2);
// g(r) above; ∂k/∂(r²) = −g / 2.
double MaternSlope(Matern matern, double r2, double s2);

// r²(a_i, b_j) for the rows of a (n × d) and b (m × d): an n × m matrix, vectorized along the columns of a.
void ScaledSquaredDistances(const KernelSpace& space, const Eigen::MatrixXd& a, const Eigen::MatrixXd& b,
                            const Eigen::VectorXd& inverse_squared_lengthscales, Eigen::MatrixXd& out);
// r²(a_i, point) for every row of a: a vector of a.rows().
void ScaledSquaredDistancesToPoint(const KernelSpace& space, const Eigen::MatrixXd& a, const Eigen::VectorXd& point,
                                   const Eigen::VectorXd& inverse_squared_lengthscales, Eigen::VectorXd& out);
// The strict lower triangle of r²(x_i, x_j) (an n × n matrix whose other entries are left unset).
void ScaledSquaredDistancesLower(const KernelSpace& space, const Eigen::MatrixXd& x,
                                 const Eigen::VectorXd& inverse_squared_lengthscales, Eigen::MatrixXd& out);

// Elementwise over a matrix of r²: k(r²) in place, and g(r) into `slope` when it is not null (vectorized exp).
void MaternInPlace(Matern matern, Eigen::MatrixXd& r2_to_k, double s2, Eigen::MatrixXd* slope = nullptr);
// The same over `size` contiguous values (slope may be null).
void MaternInPlace(Matern matern, double* r2_to_k, double* slope, Eigen::Index size, double s2);

// K(a_i, b_j) for the rows of a (n × d) and b (m × d): an n × m matrix.
void KernelMatrix(const KernelSpace& space, const Eigen::MatrixXd& a, const Eigen::MatrixXd& b,
                  const Eigen::VectorXd& inverse_squared_lengthscales, double s2, Eigen::MatrixXd& out);

}  // namespace hyperscout::gp
