// wasmicro runtime: a small freeing allocator (boundary tags, segregated free lists, immediate coalescing).
// Scope: malloc/free/calloc/realloc/posix_memalign over one contiguous heap that only grows (wasm memory cannot shrink).
// Non-goals: threads, returning memory to the host, debugging guards. Included by allocator.c (wasm) and by the native
// stress test ci/wasm-runtime-test.c, which supplies WA_GROW_PAGES / WA_HEAP_START / WA_HEAP_END for a static buffer.
//
// Layout (dlmalloc-style): a chunk starts with `prev_size` (valid only while the previous chunk is free) and `size`
// (chunk bytes | WA_PREV_IN_USE). The payload starts after those two words and may use the next chunk's `prev_size` word,
// because that word only matters once this chunk is free. Free chunks also hold list links and a footer (the next chunk's
// `prev_size`). Two free chunks are never adjacent. The last chunk, `top`, is always free, never binned, and grows with
// the memory. Payloads are 16-byte aligned (wasm SIMD, Swift's default alignment).
#ifndef WASMICRO_ALLOCATOR_IMPL_H
#define WASMICRO_ALLOCATOR_IMPL_H

#include <stddef.h>
#include <stdint.h>

#define WA_ALIGNMENT ((size_t)16)
#define WA_WORD (sizeof(size_t))
#define WA_HEADER (2 * WA_WORD)
#define WA_PREV_IN_USE ((size_t)1)
#define WA_FLAG_BITS ((size_t)15)
#define WA_PAGE ((size_t)65536)
#define WA_BIN_COUNT 64
#define WA_SMALL_LIMIT ((size_t)512)

typedef struct wa_chunk {
  size_t prev_size;
  size_t size;
  struct wa_chunk *next;  // free chunks only
  struct wa_chunk *prev;  // free chunks only
} wa_chunk;

// Smallest chunk: room for the free-list links, rounded to the alignment (16 bytes on wasm32, 32 on 64-bit hosts).
#define WA_MIN_CHUNK ((sizeof(wa_chunk) + WA_ALIGNMENT - 1) & ~(WA_ALIGNMENT - 1))

static wa_chunk *wa_bins[WA_BIN_COUNT];
static uint64_t wa_bin_map;  // bit i set <=> wa_bins[i] is non-empty
static wa_chunk *wa_top;     // NULL until the first allocation
static wa_chunk *wa_first;   // the first chunk (heap walks in tests)
static size_t wa_in_use_bytes;  // sum of allocated chunk sizes (headers included)
static size_t wa_heap_bytes;    // bytes between the heap start and the end of `top`

static inline size_t wa_chunk_size(const wa_chunk *c) { return c->size & ~WA_FLAG_BITS; }
static inline wa_chunk *wa_offset(const wa_chunk *c, size_t bytes) { return (wa_chunk *)((char *)c + bytes); }
static inline void *wa_payload(wa_chunk *c) { return (char *)c + WA_HEADER; }
static inline wa_chunk *wa_from_payload(void *p) { return (wa_chunk *)((char *)p - WA_HEADER); }

/// Chunk size for a request of `n` bytes: payload + one header word (the other overlaps the next chunk), aligned.
static inline size_t wa_request_size(size_t n) {
  if (n > (size_t)-1 / 2) return 0;  // overflow guard: treated as out of memory
  size_t size = (n + WA_WORD + WA_ALIGNMENT - 1) & ~(WA_ALIGNMENT - 1);
  return size < WA_MIN_CHUNK ? WA_MIN_CHUNK : size;
}

/// Exact bins of 16 bytes below 512, then one bin per power of two.
static inline unsigned wa_bin_index(size_t size) {
  if (size < WA_SMALL_LIMIT) return (unsigned)(size >> 4);
  unsigned log2 = (unsigned)(sizeof(unsigned long long) * 8 - 1 - (unsigned)__builtin_clzll((unsigned long long)size));
  unsigned index = 32 + (log2 - 9);
  return index < WA_BIN_COUNT ? index : WA_BIN_COUNT - 1;
}

static void wa_insert(wa_chunk *c) {
  unsigned index = wa_bin_index(wa_chunk_size(c));
  c->prev = NULL;
  c->next = wa_bins[index];
  if (c->next) c->next->prev = c;
  wa_bins[index] = c;
  wa_bin_map |= (uint64_t)1 << index;
}

static void wa_unlink(wa_chunk *c) {
  unsigned index = wa_bin_index(wa_chunk_size(c));
  if (c->prev) c->prev->next = c->next;
  else wa_bins[index] = c->next;
  if (c->next) c->next->prev = c->prev;
  if (!wa_bins[index]) wa_bin_map &= ~((uint64_t)1 << index);
}

/// Creates the top chunk at the (aligned) heap start on first use.
static int wa_initialize(void) {
  uintptr_t start = (uintptr_t)WA_HEAP_START;
  // Align so that payloads (chunk + WA_HEADER) are 16-byte aligned.
  uintptr_t chunk = ((start + WA_HEADER + WA_ALIGNMENT - 1) & ~(uintptr_t)(WA_ALIGNMENT - 1)) - WA_HEADER;
  uintptr_t end = (uintptr_t)WA_HEAP_END;
  while (end < chunk + WA_MIN_CHUNK) {
    if (WA_GROW_PAGES(1) < 0) return 0;
    end += WA_PAGE;
  }
  wa_top = (wa_chunk *)chunk;
  wa_first = wa_top;
  wa_top->size = ((end - chunk) & ~(WA_ALIGNMENT - 1)) | WA_PREV_IN_USE;
  wa_heap_bytes = wa_chunk_size(wa_top);
  return 1;
}

/// Grows the memory so that `top` holds at least `size + WA_MIN_CHUNK` bytes.
static int wa_grow_top(size_t size) {
  size_t top_size = wa_chunk_size(wa_top);
  size_t needed = size + WA_MIN_CHUNK - top_size;
  size_t pages = (needed + WA_PAGE - 1) / WA_PAGE;
  if (WA_GROW_PAGES(pages) < 0) return 0;
  wa_top->size = (top_size + pages * WA_PAGE) | (wa_top->size & WA_PREV_IN_USE);
  wa_heap_bytes += pages * WA_PAGE;
  return 1;
}

/// Marks `c` (size `size`, already unlinked or split from top) as allocated.
static void *wa_mark_used(wa_chunk *c) {
  wa_chunk *after = wa_offset(c, wa_chunk_size(c));
  after->size |= WA_PREV_IN_USE;
  wa_in_use_bytes += wa_chunk_size(c);
  return wa_payload(c);
}

/// Splits `size` bytes off the front of free chunk `c` (already unlinked); the rest goes back to a bin.
static void wa_split(wa_chunk *c, size_t size) {
  size_t chunk_size = wa_chunk_size(c);
  if (chunk_size - size < WA_MIN_CHUNK) return;
  wa_chunk *rest = wa_offset(c, size);
  rest->size = (chunk_size - size) | WA_PREV_IN_USE;
  wa_offset(rest, chunk_size - size)->prev_size = chunk_size - size;
  c->size = size | (c->size & WA_PREV_IN_USE);
  wa_insert(rest);
}

static void *wa_malloc(size_t n) {
  size_t size = wa_request_size(n);
  if (size == 0) return NULL;
  if (!wa_top && !wa_initialize()) return NULL;
  unsigned index = wa_bin_index(size);
  // First fit within the request's own bin (exact for small sizes).
  for (wa_chunk *c = wa_bins[index]; c; c = c->next) {
    if (wa_chunk_size(c) >= size) {
      wa_unlink(c);
      wa_split(c, size);
      return wa_mark_used(c);
    }
  }
  // Any chunk from a larger non-empty bin fits.
  uint64_t larger = index + 1 < WA_BIN_COUNT ? wa_bin_map & ~(((uint64_t)2 << index) - 1) : 0;
  if (larger) {
    wa_chunk *c = wa_bins[__builtin_ctzll(larger)];
    wa_unlink(c);
    wa_split(c, size);
    return wa_mark_used(c);
  }
  // Carve from top, growing the memory when needed; top always keeps at least WA_MIN_CHUNK bytes.
  if (wa_chunk_size(wa_top) < size + WA_MIN_CHUNK && !wa_grow_top(size)) return NULL;
  wa_chunk *c = wa_top;
  size_t top_size = wa_chunk_size(wa_top);
  wa_top = wa_offset(c, size);
  wa_top->size = (top_size - size) | WA_PREV_IN_USE;
  c->size = size | (c->size & WA_PREV_IN_USE);
  wa_in_use_bytes += size;
  return wa_payload(c);
}

static void wa_free(void *p) {
  if (!p) return;
  wa_chunk *c = wa_from_payload(p);
  size_t size = wa_chunk_size(c);
  wa_in_use_bytes -= size;
  wa_chunk *next = wa_offset(c, size);
  if (!(c->size & WA_PREV_IN_USE)) {
    wa_chunk *previous = (wa_chunk *)((char *)c - c->prev_size);
    wa_unlink(previous);
    size += wa_chunk_size(previous);
    c = previous;  // `previous` has WA_PREV_IN_USE set: free chunks are never adjacent
  }
  if (next == wa_top) {
    wa_top = c;
    c->size = (size + wa_chunk_size(next)) | (c->size & WA_PREV_IN_USE);
    return;
  }
  wa_chunk *after_next = wa_offset(next, wa_chunk_size(next));
  if (!(after_next->size & WA_PREV_IN_USE)) {  // `next` is free
    wa_unlink(next);
    size += wa_chunk_size(next);
  }
  c->size = size | (c->size & WA_PREV_IN_USE);
  wa_chunk *after = wa_offset(c, size);
  after->prev_size = size;
  after->size &= ~WA_PREV_IN_USE;
  wa_insert(c);
}

/// Gives back the tail of allocated chunk `c` beyond `size` bytes (when the tail can form a chunk).
static void wa_trim(wa_chunk *c, size_t size) {
  size_t chunk_size = wa_chunk_size(c);
  if (chunk_size - size < WA_MIN_CHUNK) return;
  wa_chunk *rest = wa_offset(c, size);
  rest->size = (chunk_size - size) | WA_PREV_IN_USE;
  c->size = size | (c->size & WA_PREV_IN_USE);
  wa_free(wa_payload(rest));  // `rest` was counted as part of `c`; wa_free subtracts it
}

static void *wa_calloc(size_t count, size_t n) {
  if (n && count > (size_t)-1 / n) return NULL;
  void *p = wa_malloc(count * n);
  if (p) __builtin_memset(p, 0, count * n);
  return p;
}

static void *wa_realloc(void *p, size_t n) {
  if (!p) return wa_malloc(n);
  size_t size = wa_request_size(n);
  if (size == 0) return NULL;
  wa_chunk *c = wa_from_payload(p);
  size_t chunk_size = wa_chunk_size(c);
  if (chunk_size >= size) {
    wa_trim(c, size);
    return p;
  }
  // Grow in place into top when this chunk is the last one.
  if (wa_offset(c, chunk_size) == wa_top) {
    size_t extra = size - chunk_size;
    if (wa_chunk_size(wa_top) < extra + WA_MIN_CHUNK && !wa_grow_top(extra)) return NULL;
    size_t top_size = wa_chunk_size(wa_top);
    wa_top = wa_offset(c, size);
    wa_top->size = (top_size - extra) | WA_PREV_IN_USE;
    c->size = size | (c->size & WA_PREV_IN_USE);
    wa_in_use_bytes += extra;
    return p;
  }
  void *q = wa_malloc(n);
  if (!q) return NULL;
  __builtin_memcpy(q, p, chunk_size - WA_WORD);
  wa_free(p);
  return q;
}

static int wa_posix_memalign(void **out, size_t alignment, size_t n) {
  if (alignment < sizeof(void *) || (alignment & (alignment - 1))) return 22;  // EINVAL
  if (alignment <= WA_ALIGNMENT) {
    void *p = wa_malloc(n);
    if (!p) return 12;  // ENOMEM
    *out = p;
    return 0;
  }
  if (n > (size_t)-1 / 2 - alignment) return 12;
  char *p = (char *)wa_malloc(n + alignment + WA_MIN_CHUNK);
  if (!p) return 12;
  wa_chunk *c = wa_from_payload(p);
  if (((uintptr_t)p & (alignment - 1)) != 0) {
    // Give the leading gap (>= one minimal chunk) back as a free chunk.
    char *aligned = (char *)(((uintptr_t)p + WA_MIN_CHUNK + alignment - 1) & ~(uintptr_t)(alignment - 1));
    size_t lead = (size_t)(aligned - p);
    size_t chunk_size = wa_chunk_size(c);
    wa_chunk *body = wa_offset(c, lead);
    body->size = (chunk_size - lead) | WA_PREV_IN_USE;
    c->size = lead | (c->size & WA_PREV_IN_USE);
    wa_free(wa_payload(c));  // subtracts `lead`; `body` stays counted
    c = body;
    p = aligned;
  }
  wa_trim(c, wa_request_size(n));
  *out = p;
  return 0;
}

#endif
