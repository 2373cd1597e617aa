import Wasmicro
print("wasmicro \(wasmicroVersion)")
