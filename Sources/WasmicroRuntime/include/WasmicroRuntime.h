// wasmicro runtime (wasm32 only): the libc/libm subset and allocator that Embedded Swift needs, plus heap statistics.
// Natively this target is not built (Package.swift declares it only with WASM=1) and every source file is empty.
#ifndef WASMICRO_RUNTIME_H
#define WASMICRO_RUNTIME_H

#include <stddef.h>

/// The allocator's entry points, declared here so that the Swift export surface can release buffers that JS allocated
/// through the exported `malloc` (e.g. the safetensors bytes a model owns until it is disposed).
void *malloc(size_t size);
void free(void *pointer);

/// Bytes currently allocated (chunk sizes, headers included).
size_t wasmicro_heap_in_use(void);
/// Bytes the allocator manages: from the heap start to the end of the wasm memory it has grown into.
size_t wasmicro_heap_size(void);

#endif
