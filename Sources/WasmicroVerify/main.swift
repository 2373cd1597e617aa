import Wasmicro
print("wasmicro-verify \(wasmicroVersion)")
