// wasmicro runtime: the memory and string functions Embedded Swift calls, and a deterministic arc4random_buf.
// Scope: memset/memcpy/memmove/memcmp/memchr/strlen. With -mbulk-memory clang lowers the builtins below to the
// memory.fill / memory.copy instructions, so they do not recurse. Non-goals: locale, wide characters.
#if defined(__wasm__)

#include <stddef.h>
#include <stdint.h>

void *memset(void *destination, int value, size_t count) {
  __builtin_memset(destination, value, count);
  return destination;
}

void *memcpy(void *restrict destination, const void *restrict source, size_t count) {
  __builtin_memcpy(destination, source, count);
  return destination;
}

void *memmove(void *destination, const void *source, size_t count) {
  __builtin_memmove(destination, source, count);  // memory.copy handles overlap
  return destination;
}

int memcmp(const void *left, const void *right, size_t count) {
  const unsigned char *a = left, *b = right;
  for (size_t i = 0; i < count; i++) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

void *memchr(const void *source, int value, size_t count) {
  const unsigned char *bytes = source;
  for (size_t i = 0; i < count; i++) {
    if (bytes[i] == (unsigned char)value) return (void *)(bytes + i);
  }
  return NULL;
}

size_t strlen(const char *string) {
  size_t length = 0;
  while (string[length]) length++;
  return length;
}

/// Swift seeds Dictionary/Set hashing with this. Deterministic on purpose: same inputs, same wasm behaviour, and there is
/// no attacker-controlled hash flooding to defend against inside a single-user inference module.
void arc4random_buf(void *buffer, size_t count) {
  static uint64_t state = 0x9E3779B97F4A7C15ULL;
  unsigned char *bytes = buffer;
  for (size_t i = 0; i < count; i++) {
    state ^= state << 13;  // xorshift64
    state ^= state >> 7;
    state ^= state << 17;
    bytes[i] = (unsigned char)(state >> 32);
  }
}

#endif
