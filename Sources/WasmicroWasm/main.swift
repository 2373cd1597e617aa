// wasmicro wasm export surface: C-ABI functions over handles. Marshalling only; all logic lives in the Wasmicro core.
import Wasmicro

@_expose(wasm, "wasmicro_abi_version")
@_cdecl("wasmicro_abi_version")
public func abiVersion() -> Int32 { 1 }
