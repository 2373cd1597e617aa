// wasmicro runtime: malloc/free/calloc/realloc/posix_memalign for wasm32 over `memory.grow` (see allocator_impl.h).
// Scope: the C entry points and the wasm memory hooks. Non-goals: threads (the module is single-threaded).
#if defined(__wasm__)

#include "include/WasmicroRuntime.h"

extern unsigned char __heap_base;  // provided by wasm-ld: the first byte after static data and the stack

#define WA_HEAP_START (&__heap_base)
#define WA_HEAP_END ((uintptr_t)__builtin_wasm_memory_size(0) * WA_PAGE)
// memory.grow returns the old page count, or -1 (as an unsigned size_t) on failure.
#define WA_GROW_PAGES(pages) ((long)__builtin_wasm_memory_grow(0, (pages)))

#include "allocator_impl.h"

void *malloc(size_t n) { return wa_malloc(n); }
void free(void *p) { wa_free(p); }
void *calloc(size_t count, size_t n) { return wa_calloc(count, n); }
void *realloc(void *p, size_t n) { return wa_realloc(p, n); }
int posix_memalign(void **out, size_t alignment, size_t n) { return wa_posix_memalign(out, alignment, n); }
void *aligned_alloc(size_t alignment, size_t n) {
  void *p = NULL;
  return wa_posix_memalign(&p, alignment, n) == 0 ? p : NULL;
}

__attribute__((export_name("wasmicro_heap_in_use"))) size_t wasmicro_heap_in_use(void) { return wa_in_use_bytes; }
__attribute__((export_name("wasmicro_heap_size"))) size_t wasmicro_heap_size(void) { return wa_heap_bytes; }

#endif
