// wasmicro runtime: libm entry points for wasm32 (see math_impl.h for the approximations and their accuracy).
// sqrt/fabs/floor/ceil/trunc map to single wasm instructions. Non-goals: errno, exceptions, the double-precision
// transcendental functions (the core computes in float).
#if defined(__wasm__)

#include "math_impl.h"

float expf(float x) { return wm_expf(x); }
float tanhf(float x) { return wm_tanhf(x); }
float erff(float x) { return wm_erff(x); }
float logf(float x) { return wm_logf(x); }
float powf(float x, float y) { return wm_powf(x, y); }
float fmaf(float a, float b, float c) { return wm_fmaf(a, b, c); }
float roundf(float x) { return wm_roundf(x); }
float sqrtf(float x) { return __builtin_sqrtf(x); }
double sqrt(double x) { return __builtin_sqrt(x); }
float fabsf(float x) { return __builtin_fabsf(x); }
float floorf(float x) { return __builtin_floorf(x); }
float ceilf(float x) { return __builtin_ceilf(x); }
float truncf(float x) { return __builtin_truncf(x); }

#endif
