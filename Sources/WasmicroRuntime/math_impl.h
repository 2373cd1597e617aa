// wasmicro runtime: the float math the core calls (expf, tanhf, erff, logf, powf, fmaf, roundf), for a target with no libm.
// Scope: each function is evaluated in double precision with an approximation accurate to ~1e-10 relative or better, then
// rounded once to float, so results are within 1 ulp of the true value (almost always correctly rounded). Exactness
// matters: BERT's exact GELU is x/2 * (1 + erf(x/sqrt 2)), and the parity tests compare against PyTorch.
// Non-goals: errno, floating-point exceptions, long double. Included by math.c (wasm) and by the native test
// ci/wasm-runtime-test.c, which compares every function against glibc's libm.
#ifndef WASMICRO_MATH_IMPL_H
#define WASMICRO_MATH_IMPL_H

#include <stdint.h>

static inline double wm_bits_to_double(uint64_t bits) {
  double value;
  __builtin_memcpy(&value, &bits, sizeof value);
  return value;
}

static inline uint32_t wm_float_to_bits(float value) {
  uint32_t bits;
  __builtin_memcpy(&bits, &value, sizeof bits);
  return bits;
}

/// e^x in double for |x| < 700: x = k ln2 + r with |r| <= ln2/2, e^r by its Taylor series to r^12 (error < 1e-15).
static inline double wm_exp(double x) {
  static const double log2e = 1.4426950408889634;
  static const double ln2_high = 6.93147180369123816490e-01;  // ln 2 split so that k * ln2_high is exact
  static const double ln2_low = 1.90821492927058770002e-10;
  double k = __builtin_nearbyint(x * log2e);
  double r = (x - k * ln2_high) - k * ln2_low;
  double p = 1.0 / 479001600.0;  // 1/12!
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  // 2^k as a double; k stays within [-1021, 1023] for |x| < 700.
  return p * wm_bits_to_double((uint64_t)((int64_t)k + 1023) << 52);
}

/// e^x - 1 in double without cancellation near 0 (Taylor series for |x| < 0.35, e^x - 1 otherwise).
static inline double wm_expm1(double x) {
  if (__builtin_fabs(x) >= 0.35) return wm_exp(x) - 1.0;
  double p = 1.0 / 39916800.0;  // terms up to x^11/11!: 0.35^12/12! < 1e-14
  p = p * x + 1.0 / 3628800.0;
  p = p * x + 1.0 / 362880.0;
  p = p * x + 1.0 / 40320.0;
  p = p * x + 1.0 / 5040.0;
  p = p * x + 1.0 / 720.0;
  p = p * x + 1.0 / 120.0;
  p = p * x + 1.0 / 24.0;
  p = p * x + 1.0 / 6.0;
  p = p * x + 0.5;
  p = p * x + 1.0;
  return p * x;
}

static inline float wm_expf(float x) {
  if (x != x) return x;
  if (x > 88.72283935546875f) return __builtin_inff();  // e^x above FLT_MAX
  if (x < -103.97208404541015625f) return 0.0f;         // below half the smallest subnormal
  return (float)wm_exp((double)x);
}

static inline float wm_tanhf(float x) {
  if (x != x) return x;
  float magnitude = __builtin_fabsf(x);
  // tanh(9.1) = 1 - 2.5e-8 already rounds to 1 in float.
  if (magnitude > 9.1f) return x > 0 ? 1.0f : -1.0f;
  double e = wm_expm1(2.0 * (double)magnitude);  // tanh|x| = (e^2|x| - 1) / (e^2|x| + 1)
  double t = e / (e + 2.0);
  return (float)(x < 0 ? -t : t);
}

/// erf in double. |x| < 1: erf(x) = x P(x^2), P a degree-10 Chebyshev fit (relative error 6e-16).
/// 1 <= |x| < 4: erfc(x) = e^(-x^2) Q(x), Q a degree-14 Chebyshev fit on [1, 4] (relative error 2.4e-10 on erfc, so below
/// 4e-11 on erf). |x| >= 4: erf rounds to +-1 in float (erfc(4) = 1.5e-8 < 2^-25).
/// Coefficients were fitted with numpy's chebfit against mpmath (40 digits) and converted to monomials in u.
static inline double wm_erf(double x) {
  double magnitude = __builtin_fabs(x);
  if (magnitude < 1.0) {
    double u = 2.0 * x * x - 1.0;  // x^2 in [0, 1] mapped to [-1, 1]
    double p = 9.192654007450241e-12;
    p = p * u - 2.0456531241354241e-10;
    p = p * u + 4.115798721321005e-09;
    p = p * u - 7.511465628695959e-08;
    p = p * u + 1.2233827209497217e-06;
    p = p * u - 1.7537169891338792e-05;
    p = p * u + 0.00021751715605247362;
    p = p * u - 0.0022854855610644543;
    p = p * u + 0.019852496688981407;
    p = p * u - 0.1405360890227211;
    p = p * u + 0.9654687386698675;
    return x * p;
  }
  if (magnitude >= 4.0) return x > 0 ? 1.0 : -1.0;
  double u = (2.0 * magnitude - 5.0) / 3.0;  // [1, 4] mapped to [-1, 1]
  double q = 1.8130125979410696e-06;
  q = q * u - 5.058179314807135e-06;
  q = q * u + 7.473544848342717e-06;
  q = q * u - 2.0489640803833505e-05;
  q = q * u + 6.367237153918165e-05;
  q = q * u - 0.00016449745134124684;
  q = q * u + 0.0004085591500207952;
  q = q * u - 0.0010047884622470678;
  q = q * u + 0.00240378382725373;
  q = q * u - 0.005570928958875097;
  q = q * u + 0.012489356649492463;
  q = q * u - 0.02700527578357147;
  q = q * u + 0.056110494273160436;
  q = q * u - 0.11152102074917375;
  q = q * u + 0.21080636405462597;
  double erfc = wm_exp(-magnitude * magnitude) * q;
  return x > 0 ? 1.0 - erfc : erfc - 1.0;
}

static inline float wm_erff(float x) {
  if (x != x) return x;
  return (float)wm_erf((double)x);
}

/// Natural log in double for finite x > 0: x = m 2^e with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh(s), s = (m-1)/(m+1),
/// |s| <= 0.172, series to s^21 (error < 1e-17).
static inline double wm_log(double x) {
  uint64_t bits;
  __builtin_memcpy(&bits, &x, sizeof bits);
  int exponent = (int)((bits >> 52) & 0x7ff);
  if (exponent == 0) {  // subnormal: scale by 2^54 first
    x *= 18014398509481984.0;
    __builtin_memcpy(&bits, &x, sizeof bits);
    exponent = (int)((bits >> 52) & 0x7ff) - 54;
  }
  exponent -= 1023;
  double m = wm_bits_to_double((bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);  // [1, 2)
  if (m > 1.4142135623730951) {
    m *= 0.5;
    exponent += 1;
  }
  double s = (m - 1.0) / (m + 1.0);
  double z = s * s;
  double p = 1.0 / 21.0;
  p = p * z + 1.0 / 19.0;
  p = p * z + 1.0 / 17.0;
  p = p * z + 1.0 / 15.0;
  p = p * z + 1.0 / 13.0;
  p = p * z + 1.0 / 11.0;
  p = p * z + 1.0 / 9.0;
  p = p * z + 1.0 / 7.0;
  p = p * z + 1.0 / 5.0;
  p = p * z + 1.0 / 3.0;
  p = p * z + 1.0;
  return 2.0 * s * p + (double)exponent * 0.6931471805599453;
}

static inline float wm_logf(float x) {
  if (x != x) return x;
  if (x < 0.0f) return __builtin_nanf("");
  if (x == 0.0f) return -__builtin_inff();
  if (x == __builtin_inff()) return x;
  return (float)wm_log((double)x);
}

/// x^y for float: e^(y ln x) in double, with the usual special cases (negative bases need an integral exponent).
static inline float wm_powf(float x, float y) {
  if (y == 0.0f || x == 1.0f) return 1.0f;
  if (x != x || y != y) return x + y;
  float integral = __builtin_truncf(y);
  int y_is_integer = integral == y;
  int y_is_odd = y_is_integer && __builtin_fabsf(y) < 16777216.0f && ((int64_t)y & 1);
  if (x == 0.0f) {
    if (y < 0.0f) return y_is_odd ? 1.0f / x : __builtin_inff();
    return y_is_odd ? x : 0.0f;
  }
  double magnitude = __builtin_fabs((double)x);
  if (x < 0.0f && !y_is_integer) return __builtin_nanf("");
  if (__builtin_isinf(x) || __builtin_isinf(y)) {
    if (__builtin_isinf(y)) {
      if (magnitude == 1.0) return 1.0f;
      return (magnitude > 1.0) == (y > 0.0f) ? __builtin_inff() : 0.0f;
    }
    float result = y > 0.0f ? __builtin_inff() : 0.0f;
    return (x < 0.0f && y_is_odd) ? -result : result;
  }
  double exponent = (double)y * wm_log(magnitude);
  double result;
  if (exponent > 709.0) result = __builtin_inf();
  else if (exponent < -745.0) result = 0.0;
  else result = wm_exp(exponent);
  return (float)((x < 0.0f && y_is_odd) ? -result : result);
}

/// Fused multiply-add for float: a*b is exact in double (24 + 24 bits < 53), so one double add then one rounding.
static inline float wm_fmaf(float a, float b, float c) { return (float)((double)a * (double)b + (double)c); }

/// Round half away from zero (C `roundf`); wasm's f32.nearest rounds half to even, so build it from trunc.
static inline float wm_roundf(float x) {
  float truncated = __builtin_truncf(x);
  if (__builtin_fabsf(x - truncated) >= 0.5f) truncated += x > 0 ? 1.0f : -1.0f;
  return truncated;
}

#endif
