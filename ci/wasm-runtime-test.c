// Native tests for the wasm runtime shim (Sources/WasmicroRuntime): the math against glibc's libm and the allocator under a
// randomized malloc/free/realloc/posix_memalign workload with a full heap walk after every step batch.
// Build and run: ci/wasm-runtime-test.sh. Non-goal: speed.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "math_impl.h"

// --- allocator over a static buffer that "grows" by 64 KiB pages like wasm memory -----------------------------------
#define TEST_MEMORY_PAGES 2048  // 128 MiB
static unsigned char test_memory[TEST_MEMORY_PAGES * 65536] __attribute__((aligned(65536)));
static size_t test_pages = 1;
static long test_grow(size_t pages) {
  if (test_pages + pages > TEST_MEMORY_PAGES) return -1;
  long old = (long)test_pages;
  test_pages += pages;
  return old;
}
#define WA_HEAP_START (test_memory + 1000)  // deliberately unaligned, like __heap_base may be
#define WA_HEAP_END ((uintptr_t)test_memory + test_pages * 65536)
#define WA_GROW_PAGES(pages) test_grow(pages)
#include "allocator_impl.h"

static int failures = 0;
#define CHECK(condition, ...)          \
  do {                                 \
    if (!(condition)) {                \
      fprintf(stderr, "FAIL: " __VA_ARGS__); \
      fprintf(stderr, "\n");           \
      failures++;                      \
    }                                  \
  } while (0)

// Float distance in units in the last place (ordered integer representation).
static int64_t ulp_distance(float a, float b) {
  if (a == b) return 0;
  if (isnan(a) || isnan(b)) return (isnan(a) && isnan(b)) ? 0 : INT64_MAX;
  int32_t ia, ib;
  memcpy(&ia, &a, 4);
  memcpy(&ib, &b, 4);
  int64_t oa = ia < 0 ? (int64_t)INT32_MIN - ia : ia;
  int64_t ob = ib < 0 ? (int64_t)INT32_MIN - ib : ib;
  return oa > ob ? oa - ob : ob - oa;
}

typedef float (*unary)(float);
// Reference: the double-precision glibc function rounded to float (correctly rounded up to double's own error).
static float reference_exp(float x) { return (float)exp((double)x); }
static float reference_tanh(float x) { return (float)tanh((double)x); }
static float reference_erf(float x) { return (float)erf((double)x); }
static float reference_log(float x) { return (float)log((double)x); }

/// Sweeps every `stride`-th float bit pattern in [lo, hi] and reports the worst ulp error and how many results are not
/// identical to the correctly rounded reference. Accuracy bound: 1 ulp.
static void sweep(const char *name, unary ours, unary reference, float lo, float hi, uint32_t stride) {
  int64_t worst = 0;
  float worst_x = 0;
  long inexact = 0, total = 0;
  for (int sign = 0; sign < 2; sign++) {
    for (uint32_t bits = 0; bits < 0x7f800000u; bits += stride) {
      float x;
      uint32_t b = bits | (sign ? 0x80000000u : 0);
      memcpy(&x, &b, 4);
      if (x < lo || x > hi) continue;
      float a = ours(x), r = reference(x);
      int64_t d = ulp_distance(a, r);
      total++;
      if (d) inexact++;
      if (d > worst) {
        worst = d;
        worst_x = x;
      }
    }
  }
  printf("%-6s %9ld inputs in [%g, %g]: max %lld ulp (at %.9g), %ld not correctly rounded\n", name, total, lo, hi,
         (long long)worst, worst_x, inexact);
  CHECK(worst <= 1, "%s max error %lld ulp at %.9g", name, (long long)worst, worst_x);
}

static void test_math(void) {
  sweep("expf", wm_expf, reference_exp, -110.0f, 90.0f, 97);
  sweep("tanhf", wm_tanhf, reference_tanh, -20.0f, 20.0f, 97);
  sweep("erff", wm_erff, reference_erf, -10.0f, 10.0f, 97);
  sweep("logf", wm_logf, reference_log, 0.0f, 3.4e38f, 97);
  // Every float in the GELU-relevant range [-8, 8] (2.2e9 inputs, ~35 s) with WASM_RUNTIME_FULL=1; every 3rd otherwise.
  sweep("erff", wm_erff, reference_erf, -8.0f, 8.0f, getenv("WASM_RUNTIME_FULL") ? 1 : 3);
  // Special values.
  CHECK(wm_expf(100.0f) == INFINITY && wm_expf(-200.0f) == 0.0f && isnan(wm_expf(NAN)), "expf specials");
  CHECK(wm_tanhf(-0.0f) == 0.0f && wm_tanhf(INFINITY) == 1.0f && wm_tanhf(-INFINITY) == -1.0f, "tanhf specials");
  CHECK(wm_erff(INFINITY) == 1.0f && wm_erff(-INFINITY) == -1.0f && wm_erff(0.0f) == 0.0f, "erff specials");
  CHECK(wm_logf(0.0f) == -INFINITY && isnan(wm_logf(-1.0f)) && wm_logf(1.0f) == 0.0f, "logf specials");
  // roundf, fmaf, powf against glibc on a grid.
  int64_t pow_worst = 0;
  for (float x = -5.0f; x <= 5.0f; x += 0.173f) {
    CHECK(wm_roundf(x) == roundf(x), "roundf(%g) = %g, libm %g", x, wm_roundf(x), roundf(x));
    for (float y = -4.0f; y <= 4.0f; y += 0.25f) {
      CHECK(wm_fmaf(x, y, 0.3f) == fmaf(x, y, 0.3f), "fmaf(%g, %g, 0.3)", x, y);
      float ours = wm_powf(x, y), reference = (float)pow((double)x, (double)y);
      int64_t d = ulp_distance(ours, reference);
      if (d > pow_worst) pow_worst = d;
      CHECK(d <= 1, "powf(%g, %g) = %.9g, libm %.9g", x, y, ours, reference);
    }
  }
  CHECK(wm_roundf(0.5f) == 1.0f && wm_roundf(-2.5f) == -3.0f && wm_roundf(0.49999997f) == 0.0f, "roundf halves");
  CHECK(wm_powf(0.0f, -1.0f) == INFINITY && wm_powf(-8.0f, 1.0f / 3.0f) != wm_powf(-8.0f, 1.0f / 3.0f), "powf specials");
  printf("powf   grid: max %lld ulp; roundf/fmaf identical to libm on the grid\n", (long long)pow_worst);
}

// --- allocator ------------------------------------------------------------------------------------------------------
/// Walks every chunk from the first to top: sizes aligned, flags consistent, no two adjacent free chunks, footers right,
/// free-chunk count equal to the binned count, and the in-use counter equal to the sum of allocated chunks.
static void check_heap(const char *when) {
  size_t in_use = 0, free_chunks = 0, binned = 0;
  int previous_free = 0;
  wa_chunk *c = wa_first;
  while (c != wa_top) {
    size_t size = wa_chunk_size(c);
    wa_chunk *next = wa_offset(c, size);
    int is_free = !(next->size & WA_PREV_IN_USE);
    if (size < WA_MIN_CHUNK || size % 16 || ((c->size & WA_PREV_IN_USE) != 0) == previous_free) {
      CHECK(0, "%s: bad chunk at offset %ld size %zu", when, (long)((char *)c - (char *)wa_first), size);
      return;
    }
    if (is_free) {
      CHECK(!previous_free, "%s: adjacent free chunks", when);
      CHECK(next->prev_size == size, "%s: bad footer", when);
      free_chunks++;
    } else {
      in_use += size;
    }
    previous_free = is_free;
    c = next;
  }
  CHECK(!previous_free, "%s: free chunk before top", when);
  for (int i = 0; i < WA_BIN_COUNT; i++) {
    CHECK(((wa_bin_map >> i) & 1) == (wa_bins[i] != NULL), "%s: bin map bit %d", when, i);
    for (wa_chunk *f = wa_bins[i]; f; f = f->next) {
      binned++;
      CHECK(wa_bin_index(wa_chunk_size(f)) == (unsigned)i, "%s: chunk in wrong bin", when);
    }
  }
  CHECK(binned == free_chunks, "%s: %zu free chunks, %zu binned", when, free_chunks, binned);
  CHECK(in_use == wa_in_use_bytes, "%s: walked %zu in use, counter %zu", when, in_use, wa_in_use_bytes);
  CHECK((char *)wa_top + wa_chunk_size(wa_top) <= (char *)WA_HEAP_END, "%s: top past the memory end", when);
}

typedef struct {
  unsigned char *pointer;
  size_t size;
  unsigned char tag;
} allocation;

static uint64_t rng_state = 88172645463325252ULL;
static uint64_t next_random(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

/// Sizes like the runtime sees: many small strings/arrays, some tensors, a rare huge block.
static size_t random_size(void) {
  uint64_t r = next_random() % 100;
  if (r < 70) return next_random() % 200;
  if (r < 95) return next_random() % 20000;
  return next_random() % 2000000;
}

static int intact(const allocation *a) {
  for (size_t i = 0; i < a->size; i++)
    if (a->pointer[i] != (unsigned char)(a->tag + i)) return 0;
  return 1;
}

static void fill(allocation *a) {
  for (size_t i = 0; i < a->size; i++) a->pointer[i] = (unsigned char)(a->tag + i);
}

static void test_allocator(void) {
  enum { slots = 600, steps = 200000 };
  static allocation live[slots];
  for (long step = 0; step < steps; step++) {
    allocation *a = &live[next_random() % slots];
    uint64_t action = next_random() % 10;
    if (a->pointer) {
      CHECK(intact(a), "step %ld: block of %zu bytes corrupted", step, a->size);
      if (action < 2) {  // realloc keeps the common prefix
        size_t size = random_size();
        unsigned char *p = wa_realloc(a->pointer, size);
        CHECK(p != NULL, "realloc failed");
        size_t common = size < a->size ? size : a->size;
        for (size_t i = 0; i < common; i++)
          if (p[i] != (unsigned char)(a->tag + i)) {
            CHECK(0, "step %ld: realloc lost data", step);
            break;
          }
        a->pointer = p;
        a->size = size;
        fill(a);
      } else {
        wa_free(a->pointer);
        a->pointer = NULL;
      }
    } else {
      a->size = random_size();
      a->tag = (unsigned char)next_random();
      if (action < 2) {
        size_t alignment = (size_t)32 << (next_random() % 7);  // 32 ... 2048
        void *p = NULL;
        CHECK(wa_posix_memalign(&p, alignment, a->size) == 0, "posix_memalign failed");
        CHECK(((uintptr_t)p & (alignment - 1)) == 0, "posix_memalign misaligned");
        a->pointer = p;
      } else {
        a->pointer = action < 3 ? wa_calloc(1, a->size) : wa_malloc(a->size);
        if (action < 3)
          for (size_t i = 0; i < a->size; i++)
            if (a->pointer[i]) {
              CHECK(0, "calloc not zeroed");
              break;
            }
      }
      CHECK(a->pointer != NULL && ((uintptr_t)a->pointer & 15) == 0, "malloc returned a misaligned or null pointer");
      fill(a);
    }
    if (step % 5000 == 0) check_heap("stress");
    if (failures) return;
  }
  size_t peak_heap = wa_heap_bytes;
  for (int i = 0; i < slots; i++) {
    if (live[i].pointer) {
      CHECK(intact(&live[i]), "final block corrupted");
      wa_free(live[i].pointer);
      live[i].pointer = NULL;
    }
  }
  check_heap("after freeing everything");
  CHECK(wa_in_use_bytes == 0, "%zu bytes still counted in use", wa_in_use_bytes);
  CHECK(wa_first == wa_top, "everything freed but the heap is not one top chunk");
  printf("allocator: %d random steps over %d slots, heap peaked at %.1f MiB; all freed back into one chunk\n", steps,
         slots, peak_heap / 1048576.0);

  // Steady state: the same allocation pattern repeated must not grow the heap (the bump-allocator failure mode).
  size_t heap_after_first = 0;
  for (int round = 0; round < 1000; round++) {
    void *blocks[50];
    for (int i = 0; i < 50; i++) blocks[i] = wa_malloc((size_t)(i * 37 % 300) + (i % 7 == 0 ? 150000 : 0));
    for (int i = 0; i < 50; i += 2) wa_free(blocks[i]);
    for (int i = 1; i < 50; i += 2) wa_free(blocks[i]);
    if (round == 0) heap_after_first = wa_heap_bytes;
  }
  CHECK(wa_heap_bytes == heap_after_first, "heap grew from %zu to %zu over repeated rounds", heap_after_first,
        wa_heap_bytes);
  check_heap("steady state");
  printf("allocator: 1000 identical rounds, heap stayed at %.2f MiB\n", wa_heap_bytes / 1048576.0);
}

int main(void) {
  test_math();
  test_allocator();
  if (failures) {
    fprintf(stderr, "%d failure(s)\n", failures);
    return 1;
  }
  printf("wasm runtime tests: all passed\n");
  return 0;
}
